//! Canonical terms, shared by follows and papers.
//!
//! Matching compares strings, so a query word and a paper word match exactly when both fold
//! to the same term here: papers go through [`analyze`], query words through [`fold_word`],
//! which is [`analyze`] of one word. One linear scan over the text does everything, with no
//! allocation per character (one per term and one per compound):
//!
//! - LaTeX is reduced to its words: formatting commands (`\textbf`, `\mathcal`, ...) vanish
//!   and their arguments stay, citation keys, labels and URLs are dropped, accents
//!   (`Schr\"odinger`) fold into the word, operators (`\times`, `\leq`) separate, and every
//!   other command becomes its name (`\alpha` is `alpha`).
//! - Unicode: compatibility decomposition (NFKD, so ligatures and full-width forms become
//!   plain letters), Latin/Greek/Cyrillic diacritics and Hebrew/Arabic points dropped,
//!   lowercase plus `ß` to `ss` and final `ς` to `σ`, invisible format characters ignored.
//!   Terms with other scripts' marks are recomposed (NFC), so CJK, kana and Hangul pass
//!   through whole.
//! - Words are runs of letters and digits; a `.` between two digits stays (`3.5`,
//!   `qwen2.5`); an inner apostrophe is dropped and a possessive `'s` or trailing `'` ends
//!   the word; super- and subscripts are words of their own (`n²` reads as `n 2`, like
//!   `$n^2$`); a lone Greek letter is its name (`α` and `\alpha` are both `alpha`).
//! - Plurals fold to the singular and nothing else does (see `plural_stem`).
//!
//! Pure: depends only on `unicode-normalization`, never panics, linear in the input.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The canonical form of one word, or `None` when it has no letters or digits.
///
/// For a word without separators this is the one term [`analyze`] gives
/// (`analyze(w).tokens == [fold_word(w).unwrap()]`). A word that `analyze` splits
/// (`time-step`, `gpt-3.5`) folds to its terms joined and folded again as one word
/// (`timestep`, `gpt3.5`): for two parts, the compound [`analyze`] forms when it forms one.
/// Folding is idempotent.
pub fn fold_word(word: &str) -> Option<String> {
    let mut tokens = Scanner::new(word, false).run().tokens;
    if tokens.len() <= 1 {
        return tokens.pop();
    }
    let joined = tokens.concat();
    // The joined word is made of term characters only, so it scans as one term; folding it
    // again applies the plural rule to the whole word, which keeps `fold_word` idempotent.
    let mut again = Scanner::new(&joined, false).run().tokens;
    if again.len() == 1 {
        again.pop()
    } else {
        Some(joined)
    }
}

/// A field's text as canonical terms in order, plus the joined form of adjacent pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analyzed {
    /// Canonical terms, in text order (positions are indexes).
    pub tokens: Vec<String>,
    /// `compounds[i]` is the compound starting at position `i`: `tokens[i] + tokens[i + 1]`
    /// (`time step`, `time-step` and `Time-Steps` all give `timestep`), or `""` where no
    /// compound is formed. Always `tokens.len() - 1` long (empty when `tokens` is).
    ///
    /// A compound is formed only when the two words are separated by nothing but
    /// whitespace, hyphens or dashes, `$`, braces and LaTeX formatting (so not across `.`,
    /// `,`, `/`, `(`, quotes, citations), and when each part has at least two characters;
    /// but one part may be a single digit (`gpt 4` gives `gpt4`), parts joined by hyphens
    /// alone may be of any length (`X-ray` gives `xray`, `k-NN` gives `knn`; `a rt` gives
    /// nothing), and two numbers never join (`2020-2024`).
    /// It is folded as one word, so `time series` gives `timeseries`, as `timeseries` does.
    pub compounds: Vec<String>,
}

/// Splits a title or abstract into canonical terms and compounds (see the module docs).
pub fn analyze(text: &str) -> Analyzed {
    Scanner::new(text, true).run()
}

/// An arXiv category as written in a follow (`cs.CV`, `hep-th`, `astro-ph.CO`), lowercase,
/// or `None` when it is not shaped like one: ASCII letters, digits, `.` and `-`, starting
/// with a letter, no empty part around a `.`, at most 32 characters.
pub fn fold_category(s: &str) -> Option<String> {
    let s = s.trim();
    let well_formed = (1..=32).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && s.split('.').all(|part| !part.is_empty());
    well_formed.then(|| s.to_ascii_lowercase())
}

/// The archive a category belongs to: the part before the first `.` (`cs.cv` is in `cs`,
/// `astro-ph.co` in `astro-ph`); a category without a `.` is its own archive (`hep-th`).
pub fn archive_of(category: &str) -> &str {
    category.split('.').next().unwrap_or(category)
}

/// What a separator is, for compounds: two words separated only by hyphens join whatever
/// their length (`X-ray`, `k-NN`); separated by spaces (and hyphens), only when long enough
/// (`a rt` does not); across anything else (sentence punctuation, slashes, citations),
/// never. `$`, braces and LaTeX formatting are neutral.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gap {
    Neutral,
    Space,
    Hyphen,
    Hard,
}

/// How a LaTeX command name is read.
enum Command {
    /// Formatting: the name vanishes, the argument's words stay (`\textbf{Sparse}`).
    Format,
    /// The name and its first argument vanish (`\cite{key}`, `\url{...}`; for
    /// `\href{url}{text}` the text stays).
    DropArgument,
    /// Operators, relations, arrows, dots: a separator, not a word (`\times`, `\leq`).
    Operator,
    /// Letters written as commands, part of the word (`\o`, `\ss`, `\i`).
    Letters(&'static str),
    /// Everything else is its name as a word (`\alpha`, `\log`, `\infty`).
    Word,
}

/// Longest argument skipped for `\cite` and friends, in bytes: an unclosed brace must not
/// swallow the rest of an abstract, and the bound keeps the scan linear.
const MAX_SKIPPED_ARGUMENT: usize = 512;

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// The term being built: lowercase, decomposed, diacritics dropped.
    word: String,
    /// Whether `word` is made of superscript or subscript characters.
    word_is_script: bool,
    /// The separators seen since the last term.
    gap_space: bool,
    gap_hyphen: bool,
    gap_hard: bool,
    /// A `{` was skipped because it opens an accent inside a word (`Schr{\"o}dinger`).
    accent_brace_open: bool,
    with_compounds: bool,
    out: Analyzed,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, with_compounds: bool) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            word: String::with_capacity(32),
            word_is_script: false,
            gap_space: false,
            gap_hyphen: false,
            gap_hard: false,
            accent_brace_open: false,
            with_compounds,
            out: Analyzed {
                tokens: Vec::with_capacity(text.len() / 7 + 1),
                compounds: Vec::with_capacity(if with_compounds { text.len() / 7 } else { 0 }),
            },
        }
    }

    fn run(mut self) -> Analyzed {
        while let Some(&b) = self.bytes.get(self.pos) {
            if b.is_ascii() {
                self.ascii(b);
            } else {
                self.non_ascii();
            }
        }
        self.end_word(Gap::Neutral);
        self.out
    }

    fn ascii(&mut self, b: u8) {
        self.pos += 1;
        match b {
            b'a'..=b'z' | b'0'..=b'9' => self.push(b as char, false),
            b'A'..=b'Z' => self.push(b.to_ascii_lowercase() as char, false),
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => self.end_word(Gap::Space),
            b'-' => self.end_word(Gap::Hyphen),
            b'$' | b'}' => self.end_word(Gap::Neutral),
            b'{' => {
                if self.opens_accent_in_word() {
                    self.accent_brace_open = true;
                } else {
                    self.end_word(Gap::Neutral);
                }
            }
            b'.' => {
                let after_digit = self.word.as_bytes().last().is_some_and(u8::is_ascii_digit);
                let before_digit = self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit);
                if after_digit && before_digit && !self.word_is_script {
                    self.word.push('.');
                } else {
                    self.end_word(Gap::Hard);
                }
            }
            b'\'' => self.apostrophe(),
            b'\\' => self.latex(),
            _ => self.end_word(Gap::Hard),
        }
    }

    fn non_ascii(&mut self) {
        let Some(c) = self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        else {
            self.pos = self.bytes.len();
            return;
        };
        self.pos += c.len_utf8();
        match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{FF07}' => self.apostrophe(),
            // NFKD would glue these to the word before them (`Transformer™`).
            '\u{2120}' | '\u{2122}' => self.end_word(Gap::Hard),
            c if is_ignorable(c) => {}
            c => {
                // A super- or subscript that does not decompose (`ᴻ`) is an ordinary letter,
                // so a term never holds a character that would split it when folded again.
                let script = is_script(c);
                decompose_compatible(c, |d| self.fold_char(d, script && d != c));
            }
        }
    }

    /// One character of the compatibility decomposition.
    fn fold_char(&mut self, d: char, script: bool) {
        if is_combining_mark(d) {
            // Other scripts' marks are part of their letters (kana voicing, Indic vowels).
            if !is_dropped_mark(d) && !self.word.is_empty() {
                self.word.push(d);
            }
        } else if d == '\u{02BC}' {
            // A modifier apostrophe from a decomposition (`ŉ`), dropped like an inner `'`.
        } else if d.is_alphanumeric() {
            match d {
                'ß' | 'ẞ' => {
                    self.push('s', script);
                    self.push('s', script);
                }
                'ς' => self.push('σ', script),
                _ if d.is_ascii() => self.push(d.to_ascii_lowercase(), script),
                _ => d.to_lowercase().for_each(|l| self.push(l, script)),
            }
        } else if d.is_whitespace() {
            self.end_word(Gap::Space);
        } else if matches!(d, '-' | '\u{2010}'..='\u{2013}') {
            self.end_word(Gap::Hyphen);
        } else if !is_ignorable(d) {
            self.end_word(Gap::Hard);
        }
    }

    fn push(&mut self, c: char, script: bool) {
        if self.word.is_empty() {
            self.word_is_script = script;
        } else if self.word_is_script != script {
            self.end_word(Gap::Hard);
            self.word_is_script = script;
        }
        self.word.push(c);
    }

    /// Called with `pos` just after an apostrophe.
    fn apostrophe(&mut self) {
        if self.word.is_empty() {
            // An opening quote.
            self.gap_hard = true;
            return;
        }
        let next = self.char_at(self.pos);
        if matches!(next, Some('s' | 'S'))
            && !self
                .char_at(self.pos + 1)
                .is_some_and(char::is_alphanumeric)
        {
            // Possessive `'s`: the word ends here.
            self.pos += 1;
            self.end_word(Gap::Neutral);
        } else if !next.is_some_and(char::is_alphanumeric) {
            // Trailing apostrophe (`models'`) or closing quote.
            self.end_word(Gap::Neutral);
        }
        // Otherwise an inner apostrophe (`don't`, `O'Neil`): dropped, the word goes on.
    }

    fn char_at(&self, pos: usize) -> Option<char> {
        self.text.get(pos..).and_then(|rest| rest.chars().next())
    }

    /// Called with `pos` just after a backslash.
    fn latex(&mut self) {
        let start = self.pos;
        let Some(&b) = self.bytes.get(start) else {
            self.end_word(Gap::Hard);
            return;
        };
        if b.is_ascii_alphabetic() {
            let len = self.bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            self.pos = start + len;
            let name = &self.text[start..start + len];
            self.command(name);
            return;
        }
        if b.is_ascii() {
            self.pos += 1;
        }
        match b {
            b'\'' | b'`' | b'^' | b'"' | b'~' | b'=' | b'.' => {
                if !self.accent() {
                    self.end_word(Gap::Hard);
                }
            }
            // `\-` is a hyphenation hint inside a word.
            b'-' => {}
            b' ' | b',' | b';' | b':' | b'!' | b'(' | b')' | b'[' | b']' => {
                self.end_word(Gap::Space)
            }
            _ => self.end_word(Gap::Hard),
        }
    }

    fn command(&mut self, name: &str) {
        if let [letter_accent] = name.as_bytes()
            && b"Hcvukrdbt".contains(letter_accent)
            && self.bytes.get(self.pos) == Some(&b'{')
            && self.accent()
        {
            return;
        }
        match command_kind(name) {
            Command::Format => self.end_word(Gap::Neutral),
            Command::Operator => self.end_word(Gap::Hard),
            Command::DropArgument => {
                self.end_word(Gap::Hard);
                if let Some(end) = self.skip_argument(self.pos) {
                    self.pos = end;
                }
                self.gap_hard = true;
            }
            Command::Letters(letters) => {
                letters.chars().for_each(|c| self.push(c, false));
                // TeX eats the space or `{}` that ends a control word (`Gr\o nbech`).
                if self.bytes.get(self.pos) == Some(&b' ') {
                    self.pos += 1;
                } else if self.bytes.get(self.pos..self.pos + 2) == Some(b"{}") {
                    self.pos += 2;
                }
            }
            Command::Word => {
                self.end_word(Gap::Neutral);
                let canonical = match name {
                    "varepsilon" => "epsilon",
                    "vartheta" => "theta",
                    "varphi" => "phi",
                    "varpi" => "pi",
                    "varrho" => "rho",
                    "varsigma" => "sigma",
                    "varkappa" => "kappa",
                    _ => name,
                };
                canonical
                    .bytes()
                    .for_each(|b| self.push(b.to_ascii_lowercase() as char, false));
                self.end_word(Gap::Neutral);
            }
        }
    }

    /// After an accent command (`\"`, `\'`, `\H`...), with `pos` on what it accents:
    /// `o`, `{o}`, `\i` or `{\i}`. Pushes the bare letter into the current word.
    fn accent(&mut self) -> bool {
        let brace_open = std::mem::take(&mut self.accent_brace_open);
        let mut at = self.pos;
        let braced = self.bytes.get(at) == Some(&b'{');
        if braced {
            at += 1;
        }
        let letter = match self.bytes.get(at..) {
            Some([b'\\', letter @ (b'i' | b'j'), rest @ ..])
                if !rest.first().is_some_and(u8::is_ascii_alphabetic) =>
            {
                at += 2;
                *letter
            }
            Some([b, ..]) if b.is_ascii_alphabetic() => {
                at += 1;
                *b
            }
            _ => return false,
        };
        if braced {
            if self.bytes.get(at) != Some(&b'}') {
                return false;
            }
            at += 1;
        }
        self.push(letter.to_ascii_lowercase() as char, false);
        if brace_open && self.bytes.get(at) == Some(&b'}') {
            at += 1;
        }
        self.pos = at;
        true
    }

    /// Whether the `{` just read opens `{\"o}` in the middle of a word.
    fn opens_accent_in_word(&self) -> bool {
        !self.word.is_empty()
            && matches!(
                self.bytes.get(self.pos..self.pos + 2),
                Some([b'\\', b'\'' | b'`' | b'^' | b'"' | b'~' | b'=' | b'.'])
            )
    }

    /// The end of optional `[...]` arguments and a `{...}` argument starting at `from` (after at
    /// most one space), or `None` when there is none or it does not close in time.
    fn skip_argument(&self, from: usize) -> Option<usize> {
        let mut at = from;
        if self.bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        // `\citep[see][p.~3]{key}` has two optional arguments.
        while self.bytes.get(at) == Some(&b'[') {
            at = self.group_end(at, b'[', b']')?;
        }
        if self.bytes.get(at) == Some(&b'{') {
            self.group_end(at, b'{', b'}')
        } else {
            None
        }
    }

    /// The position after the bracket that closes the one at `open_at`, nesting included.
    fn group_end(&self, open_at: usize, open: u8, close: u8) -> Option<usize> {
        let window = self.bytes.get(open_at + 1..)?;
        let mut depth = 1usize;
        for (i, &b) in window.iter().take(MAX_SKIPPED_ARGUMENT).enumerate() {
            if b == open {
                depth += 1;
            } else if b == close {
                depth -= 1;
                if depth == 0 {
                    return Some(open_at + 1 + i + 1);
                }
            }
        }
        None
    }

    fn end_word(&mut self, gap: Gap) {
        if !self.word.is_empty() {
            self.emit();
        }
        match gap {
            Gap::Neutral => {}
            Gap::Space => self.gap_space = true,
            Gap::Hyphen => self.gap_hyphen = true,
            Gap::Hard => self.gap_hard = true,
        }
    }

    fn emit(&mut self) {
        let term = finish_term(&self.word);
        self.word.clear();
        if self.with_compounds
            && let Some(previous) = self.out.tokens.last()
        {
            let hyphenated = self.gap_hyphen && !self.gap_space;
            let compound = if !self.gap_hard && compound_parts(previous, &term, hyphenated) {
                // The compound is folded as one word, so `time series`, `time-series` and
                // `timeseries` all give the same term.
                self.word.push_str(previous);
                self.word.push_str(&term);
                let compound = finish_term(&self.word);
                self.word.clear();
                compound
            } else {
                String::new()
            };
            self.out.compounds.push(compound);
        }
        self.out.tokens.push(term);
        self.gap_space = false;
        self.gap_hyphen = false;
        self.gap_hard = false;
    }
}

/// The canonical term for a finished word: recomposed, Greek letter names, singular.
fn finish_term(word: &str) -> String {
    if word.is_ascii() {
        return singular(word);
    }
    let composed: String;
    let word = if is_nfc_quick(word.chars()) == IsNormalized::Yes {
        word
    } else {
        composed = word.nfc().collect();
        &composed
    };
    let mut chars = word.chars();
    if let (Some(letter), None) = (chars.next(), chars.next())
        && let Some(name) = greek_letter_name(letter)
    {
        return name.to_owned();
    }
    singular(word)
}

fn singular(word: &str) -> String {
    let (stem_len, suffix) = plural_stem(word);
    let mut term = String::with_capacity(stem_len + suffix.len());
    term.push_str(word.get(..stem_len).unwrap_or(word));
    term.push_str(suffix);
    term
}

/// The singular of a lowercase word as `word[..len] + suffix`; `(word.len(), "")` when it
/// is not a plural. Only plurals fold (`models` is `model`, `modeling` stays), in order:
///
/// 1. irregular plurals: Latin and Greek (`corpora`, `matrices`, `hypotheses`), `-es` after
///    a word ending in `s` (`biases`), `-ies`/`-ches` of words ending in `-ie`/`-che`
///    (`movies`, `caches`), acronyms ending in `i`/`u` (`apis`, `gpus`), and `-ic` nouns
///    (`metrics`, `topics`);
/// 2. words ending in `s` that are not plurals stay: a short list (`always`, `does`,
///    `chaos`, `diabetes`), words of three characters or fewer (`gas`, `its`), and words
///    with an ending that is not a plural's (`loss`, `corpus`, `analysis`, `physics`,
///    `news`, `series`; see [`has_not_plural_ending`]);
/// 3. `-ies` becomes `-y` when the word is longer than four characters (`studies`; `lies`
///    is `lie`);
/// 4. `-sses`, `-xes`, `-zzes`, `-ches`, `-shes` drop `es` (`classes`, `boxes`, `patches`);
/// 5. any other `-s` is dropped, `-es` included (`responses`, `cases`, `sizes`).
fn plural_stem(word: &str) -> (usize, &'static str) {
    let unchanged = (word.len(), "");
    if !word.ends_with('s') {
        return lookup(IRREGULAR_OTHER, &IRREGULAR_OTHER_SHAPE, word)
            .map_or(unchanged, |singular| (0, singular));
    }
    if let Some(singular) = lookup(IRREGULAR_S, &IRREGULAR_S_SHAPE, word) {
        return (0, singular);
    }
    let chars = if word.is_ascii() {
        word.len()
    } else {
        word.chars().count()
    };
    let bytes = word.as_bytes();
    if chars <= 3
        || has_not_plural_ending(bytes)
        || (NOT_PLURAL_SHAPE.might_hold(word) && NOT_PLURAL.binary_search(&word).is_ok())
    {
        return unchanged;
    }
    if chars > 4 && ends(bytes, b"ies") {
        return (word.len() - 3, "y");
    }
    if ends(bytes, b"sses")
        || ends(bytes, b"xes")
        || ends(bytes, b"zzes")
        || ends(bytes, b"ches")
        || ends(bytes, b"shes")
        || ends(bytes, b"lenses")
    {
        return (word.len() - 2, "");
    }
    let stem = &word[..word.len() - 1];
    // `corporas` is `corpora` is `corpus`: one more step keeps folding idempotent.
    lookup(IRREGULAR_OTHER, &IRREGULAR_OTHER_SHAPE, stem)
        .map_or((stem.len(), ""), |singular| (0, singular))
}

/// Which words a sorted exception table might hold, from their first letter, last letter
/// and length: most words are ruled out without comparing strings.
struct Shape {
    lengths_by_first: [u32; 26],
    lengths_by_last: [u32; 26],
}

impl Shape {
    /// Computed at compile time, which also checks that every entry is a lowercase ASCII
    /// word shorter than 32 bytes and that the table is sorted.
    const fn of_words(words: &[&str]) -> Shape {
        let mut shape = Shape {
            lengths_by_first: [0; 26],
            lengths_by_last: [0; 26],
        };
        let mut i = 0;
        while i < words.len() {
            assert!(i == 0 || is_before(words[i - 1].as_bytes(), words[i].as_bytes()));
            shape.add(words[i].as_bytes());
            i += 1;
        }
        shape
    }

    /// The shape of the plurals of a table of `(plural, singular)` pairs.
    const fn of_plurals(table: &[(&str, &str)]) -> Shape {
        let mut shape = Shape {
            lengths_by_first: [0; 26],
            lengths_by_last: [0; 26],
        };
        let mut i = 0;
        while i < table.len() {
            assert!(i == 0 || is_before(table[i - 1].0.as_bytes(), table[i].0.as_bytes()));
            shape.add(table[i].0.as_bytes());
            i += 1;
        }
        shape
    }

    const fn add(&mut self, word: &[u8]) {
        assert!(!word.is_empty() && word.len() < 32);
        let mut i = 0;
        while i < word.len() {
            assert!(word[i].is_ascii_lowercase());
            i += 1;
        }
        let length = 1 << word.len();
        self.lengths_by_first[(word[0] - b'a') as usize] |= length;
        self.lengths_by_last[(word[word.len() - 1] - b'a') as usize] |= length;
    }

    fn might_hold(&self, word: &str) -> bool {
        match word.as_bytes() {
            [first @ b'a'..=b'z', .., last @ b'a'..=b'z'] if word.len() < 32 => {
                let length = 1 << word.len();
                self.lengths_by_first[usize::from(first - b'a')] & length != 0
                    && self.lengths_by_last[usize::from(last - b'a')] & length != 0
            }
            _ => false,
        }
    }
}

/// Whether `a` sorts strictly before `b`, byte by byte (as `str::cmp` does).
const fn is_before(a: &[u8], b: &[u8]) -> bool {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

const IRREGULAR_S_SHAPE: Shape = Shape::of_plurals(IRREGULAR_S);
const IRREGULAR_OTHER_SHAPE: Shape = Shape::of_plurals(IRREGULAR_OTHER);
const NOT_PLURAL_SHAPE: Shape = Shape::of_words(NOT_PLURAL);

fn lookup(table: &[(&str, &'static str)], shape: &Shape, word: &str) -> Option<&'static str> {
    if !shape.might_hold(word) {
        return None;
    }
    let i = table
        .binary_search_by(|(plural, _)| (*plural).cmp(word))
        .ok()?;
    Some(table[i].1)
}

/// Endings of words that are not plurals: `-ss` (`loss`), `-us` (`corpus`), `-is`
/// (`analysis`), `-ics` (fields: `physics`, `semantics`, `dynamics`; the `-ic` nouns are in
/// [`IRREGULAR_S`]), and words that also end compounds (`timeseries`, `kmeans`, `fakenews`,
/// `genderbias`, `metalens`).
fn has_not_plural_ending(word: &[u8]) -> bool {
    ends(word, b"ss")
        || ends(word, b"us")
        || ends(word, b"is")
        || ends(word, b"ics")
        || ends(word, b"lens")
        || ends(word, b"bias")
        || ends(word, b"news")
        || ends(word, b"series")
        || ends(word, b"species")
        || ends(word, b"means")
}

/// Whether `word` ends with `suffix`, compared as fixed-size arrays (no `memcmp` call).
fn ends<const N: usize>(word: &[u8], suffix: &[u8; N]) -> bool {
    word.last_chunk::<N>() == Some(suffix)
}

/// Irregular plurals that do not end in `s`, sorted by plural.
const IRREGULAR_OTHER: &[(&str, &str)] = &[
    ("automata", "automaton"),
    ("children", "child"),
    ("corpora", "corpus"),
    ("criteria", "criterion"),
    ("curricula", "curriculum"),
    ("extrema", "extremum"),
    ("foci", "focus"),
    ("formulae", "formula"),
    ("loci", "locus"),
    ("maxima", "maximum"),
    ("mice", "mouse"),
    ("minima", "minimum"),
    ("nuclei", "nucleus"),
    ("optima", "optimum"),
    ("phenomena", "phenomenon"),
    ("radii", "radius"),
    ("schemata", "schema"),
    ("spectra", "spectrum"),
    ("stimuli", "stimulus"),
];

/// Irregular plurals ending in `s`, sorted by plural (checked at compile time).
const IRREGULAR_S: &[(&str, &str)] = &[
    ("aliases", "alias"),
    ("analyses", "analysis"),
    ("apices", "apex"),
    ("apis", "api"),
    ("appendices", "appendix"),
    ("atlases", "atlas"),
    ("avalanches", "avalanche"),
    ("axes", "axis"),
    ("bcis", "bci"),
    ("biases", "bias"),
    ("bonuses", "bonus"),
    ("buses", "bus"),
    ("caches", "cache"),
    ("calories", "calorie"),
    ("campuses", "campus"),
    ("canvases", "canvas"),
    ("censuses", "census"),
    ("characteristics", "characteristic"),
    ("cliches", "cliche"),
    ("clinics", "clinic"),
    ("comics", "comic"),
    ("consensuses", "consensus"),
    ("cookies", "cookie"),
    ("corpuses", "corpus"),
    ("cpus", "cpu"),
    ("crises", "crisis"),
    ("critics", "critic"),
    ("diacritics", "diacritic"),
    ("diagnoses", "diagnosis"),
    ("echoes", "echo"),
    ("emojis", "emoji"),
    ("fetuses", "fetus"),
    ("focuses", "focus"),
    ("gases", "gas"),
    ("geodesics", "geodesic"),
    ("gpus", "gpu"),
    ("gurus", "guru"),
    ("harmonics", "harmonic"),
    ("headaches", "headache"),
    ("heroes", "hero"),
    ("heuristics", "heuristic"),
    ("hois", "hoi"),
    ("hoodies", "hoodie"),
    ("hsis", "hsi"),
    ("hypotheses", "hypothesis"),
    ("imus", "imu"),
    ("indices", "index"),
    ("kpis", "kpi"),
    ("lyrics", "lyric"),
    ("matrices", "matrix"),
    ("menus", "menu"),
    ("metastases", "metastasis"),
    ("metrics", "metric"),
    ("mimics", "mimic"),
    ("mosaics", "mosaic"),
    ("movies", "movie"),
    ("mris", "mri"),
    ("niches", "niche"),
    ("npus", "npu"),
    ("oases", "oasis"),
    ("parentheses", "parenthesis"),
    ("plateaus", "plateau"),
    ("pois", "poi"),
    ("potatoes", "potato"),
    ("prognoses", "prognosis"),
    ("prostheses", "prosthesis"),
    ("psyches", "psyche"),
    ("quizzes", "quiz"),
    ("rois", "roi"),
    ("rubrics", "rubric"),
    ("schematics", "schematic"),
    ("selfies", "selfie"),
    ("simplices", "simplex"),
    ("statistics", "statistic"),
    ("statuses", "status"),
    ("syntheses", "synthesis"),
    ("tactics", "tactic"),
    ("taxis", "taxi"),
    ("theses", "thesis"),
    ("tomatoes", "tomato"),
    ("topics", "topic"),
    ("tpus", "tpu"),
    ("underlies", "underlie"),
    ("vertices", "vertex"),
    ("vetoes", "veto"),
    ("viruses", "virus"),
    ("vrus", "vru"),
    ("wikis", "wiki"),
    ("wsis", "wsi"),
    ("zeroes", "zero"),
    ("zombies", "zombie"),
];

/// Frequent words ending in `s` that are not plurals (or whose `s` must stay so that
/// different words do not meet: `odds` is not `odd`), sorted. Words of three letters or
/// fewer and words with one of the [`has_not_plural_ending`] need no entry.
const NOT_PLURAL: &[&str] = &[
    "alias",
    "always",
    "atlas",
    "bayes",
    "besides",
    "canvas",
    "caries",
    "chaos",
    "cosmos",
    "debias",
    "diabetes",
    "does",
    "ethos",
    "facies",
    "goes",
    "herpes",
    "kudos",
    "measles",
    "nowadays",
    "odds",
    "ourselves",
    "pancreas",
    "pathos",
    "perhaps",
    "rabies",
    "sapiens",
    "scabies",
    "sometimes",
    "stokes",
    "themselves",
    "thermos",
    "undergoes",
    "whereas",
];

fn command_kind(name: &str) -> Command {
    match name {
        "textbf" | "textit" | "texttt" | "textsc" | "textrm" | "textsf" | "textsl" | "textup"
        | "textmd" | "textnormal" | "textsuperscript" | "textsubscript" | "emph" | "text"
        | "mathrm" | "mathbf" | "mathbb" | "mathcal" | "mathit" | "mathsf" | "mathtt"
        | "mathfrak" | "mathscr" | "mathds" | "mathbbm" | "mathnormal" | "mathop"
        | "boldsymbol" | "bm" | "pmb" | "operatorname" | "mbox" | "hbox" | "makebox" | "fbox"
        | "underline" | "uline" | "overline" | "underbrace" | "overbrace" | "hat" | "widehat"
        | "tilde" | "widetilde" | "bar" | "vec" | "dot" | "ddot" | "check" | "breve" | "acute"
        | "grave" | "mathring" | "sqrt" | "frac" | "dfrac" | "tfrac" | "binom" | "left"
        | "right" | "big" | "Big" | "bigg" | "Bigg" | "bigl" | "bigr" | "Bigl" | "Bigr"
        | "biggl" | "biggr" | "displaystyle" | "textstyle" | "scriptstyle" | "limits"
        | "nolimits" | "footnote" | "tiny" | "small" | "large" | "Large" | "LARGE" | "huge"
        | "Huge" | "normalsize" | "scriptsize" | "footnotesize" | "centering" | "noindent"
        | "newline" | "linebreak" | "par" | "item" | "xspace" | "ensuremath" | "rm" | "bf"
        | "it" | "em" | "tt" | "sf" | "sc" | "sl" | "cal" | "quad" | "qquad" | "smash"
        | "mathclap" => Command::Format,
        "cite" | "citep" | "citet" | "citealp" | "citealt" | "citeauthor" | "citeyear"
        | "nocite" | "ref" | "eqref" | "autoref" | "cref" | "Cref" | "pageref" | "label"
        | "url" | "href" | "includegraphics" | "begin" | "end" | "vspace" | "hspace" | "color"
        | "textcolor" | "colorbox" | "unicode" | "phantom" | "hphantom" | "vphantom"
        | "bibliography" | "bibliographystyle" | "input" | "include" => Command::DropArgument,
        "times" | "cdot" | "pm" | "mp" | "sim" | "simeq" | "approx" | "leq" | "geq" | "le"
        | "ge" | "neq" | "ne" | "equiv" | "in" | "notin" | "to" | "gets" | "rightarrow"
        | "leftarrow" | "Rightarrow" | "Leftarrow" | "leftrightarrow" | "Leftrightarrow"
        | "longrightarrow" | "uparrow" | "downarrow" | "mapsto" | "mid" | "circ" | "star"
        | "ast" | "ldots" | "cdots" | "dots" | "vdots" | "ddots" | "langle" | "rangle"
        | "lceil" | "rceil" | "lfloor" | "rfloor" | "prec" | "succ" | "preceq" | "succeq"
        | "subset" | "subseteq" | "supset" | "supseteq" | "cup" | "cap" | "wedge" | "vee"
        | "neg" | "forall" | "exists" | "ll" | "gg" | "propto" | "perp" | "parallel" | "oplus"
        | "otimes" | "odot" | "setminus" | "vert" | "Vert" | "lvert" | "rvert" | "colon"
        | "coloneqq" => Command::Operator,
        "i" => Command::Letters("i"),
        "j" => Command::Letters("j"),
        "o" | "O" => Command::Letters("o"),
        "l" | "L" => Command::Letters("l"),
        "ss" | "SS" => Command::Letters("ss"),
        "ae" | "AE" => Command::Letters("ae"),
        "oe" | "OE" => Command::Letters("oe"),
        "aa" | "AA" => Command::Letters("a"),
        _ => Command::Word,
    }
}

/// The name of a lowercase Greek letter, so that `α` matches `\alpha` and `alpha`.
fn greek_letter_name(c: char) -> Option<&'static str> {
    const NAMES: [&str; 25] = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "sigma", "tau", "upsilon",
        "phi", "chi", "psi", "omega",
    ];
    let index = (c as u32).checked_sub('α' as u32)?;
    NAMES.get(index as usize).copied()
}

/// Diacritics that fold away: the combining marks of Latin, Greek and Cyrillic, and the
/// optional vowel points of Hebrew and Arabic. Marks of other scripts are part of the
/// letter and stay.
fn is_dropped_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{0483}'..='\u{0489}'
            | '\u{0591}'..='\u{05C7}'
            | '\u{0610}'..='\u{061A}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Invisible format characters (soft hyphen, zero-width space/joiners, direction marks and
/// embeddings, word joiner, BOM, variation selectors, tags): skipped inside words.
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Superscript and subscript characters, which make words of their own (`n²` is `n 2`).
fn is_script(c: char) -> bool {
    matches!(
        c,
        '\u{00AA}'
            | '\u{00B2}'
            | '\u{00B3}'
            | '\u{00B9}'
            | '\u{00BA}'
            | '\u{1D2C}'..='\u{1D6A}'
            | '\u{1D9B}'..='\u{1DBF}'
            | '\u{2070}'..='\u{209F}'
            | '\u{2C7C}'
            | '\u{2C7D}'
    )
}

/// Whether two adjacent terms form a compound: both at least two characters, or one of
/// them a single digit next to a longer one (`gpt 4`), or any length when written with a
/// hyphen (`x-ray`, `k-NN`); but never two numbers (`2020-2024`, `3.1 8b`).
fn compound_parts(first: &str, second: &str, hyphenated: bool) -> bool {
    let long = |s: &str| s.chars().nth(1).is_some();
    let digit = |s: &str| s.len() == 1 && s.as_bytes()[0].is_ascii_digit();
    let numbers_meet = first.ends_with(|c: char| c.is_ascii_digit())
        && second.starts_with(|c: char| c.is_ascii_digit());
    !numbers_meet
        && (hyphenated
            || (long(first) && (long(second) || digit(second)))
            || (digit(first) && long(second)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_entry_is_found() {
        for (plural, singular) in IRREGULAR_S.iter().chain(IRREGULAR_OTHER) {
            assert_eq!(super::singular(plural), *singular);
        }
        for word in NOT_PLURAL {
            assert!(NOT_PLURAL_SHAPE.might_hold(word), "{word}");
        }
    }

    #[test]
    fn table_entries_are_fixed_points() {
        let singulars = IRREGULAR_S.iter().chain(IRREGULAR_OTHER).map(|(_, s)| *s);
        for word in singulars.chain(NOT_PLURAL.iter().copied()) {
            assert_eq!(plural_stem(word), (word.len(), ""), "{word}");
        }
        for (plural, _) in IRREGULAR_S {
            assert!(plural.ends_with('s'), "{plural}");
        }
        for (plural, _) in IRREGULAR_OTHER {
            assert!(!plural.ends_with('s'), "{plural}");
        }
    }
}
