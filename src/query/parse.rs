//! Follow text in, [`Node`] out, and back: the follow language's parser and printer. Pure.
//!
//! [`parse_query`] reads what a person typed after `/follow` into a normalized tree, or says
//! in one friendly sentence what is wrong and where; [`print_query`] writes a tree back in the
//! normal form shown to users and stored, which parses to the same tree. Words become
//! canonical terms through `normalize` only; this module knows the syntax, not the folding.
//! It depends on `normalize` and nothing else in the crate.
//!
//! The grammar, loosest first:
//!
//! ```text
//! query   = or
//! or      = and ("OR" and)*
//! and     = unary+                       implicit AND
//! unary   = ("NOT" | "-" | field ":")* primary
//! primary = word | '"' phrase '"' | "(" or ")"
//! ```
//!
//! A field scope applies to the word, phrase or group right after it; inside a group an
//! inner scope wins over an outer one.

use std::fmt;

use super::normalize::{analyze, fold_word};
use super::{Field, Node};

/// Limits on one follow, from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryLimits {
    /// Characters of the query as typed, and of its normal form.
    pub max_chars: usize,
    /// Words and phrases (`Term` and `Phrase` nodes) after duplicates are dropped.
    pub max_terms: usize,
    /// How deep parentheses may nest.
    pub max_depth: usize,
}

impl Default for QueryLimits {
    fn default() -> QueryLimits {
        QueryLimits {
            max_chars: 200,
            max_terms: 12,
            max_depth: 4,
        }
    }
}

/// Where in the query something is, as told to the person: the text around it, quoted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spot {
    Start,
    End,
    /// Right before this text (the text that follows, shortened).
    Before(String),
    /// Right after this text (the text that precedes, shortened).
    After(String),
}

impl fmt::Display for Spot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spot::Start => f.write_str("at the start"),
            Spot::End => f.write_str("at the end"),
            Spot::Before(text) => write!(f, "before '{text}'"),
            Spot::After(text) => write!(f, "after '{text}'"),
        }
    }
}

/// Why a follow cannot be used. `Display` is the message shown to the person, as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query is empty; try e.g. diffusion models")]
    Empty,
    #[error("the query is {chars} characters long; the limit is {limit}")]
    TooLong { chars: usize, limit: usize },
    /// The normal form (every field written before every word) is what is stored, so it
    /// must fit the limit too.
    #[error(
        "written out in full, with each field before each word, the query is {chars} characters long; the limit is {limit}"
    )]
    TooLongWrittenOut { chars: usize, limit: usize },
    /// `input` is the query as typed, made safe to echo.
    #[error("'{input}' has no words to look for; try e.g. diffusion models")]
    NoWords { input: String },
    #[error("the quote {spot} is never closed; end the phrase with another \"")]
    UnclosedQuote { spot: Spot },
    #[error(
        "the quotes \"\" {spot} are empty; put a phrase between them, e.g. \"diffusion model\""
    )]
    EmptyQuote { spot: Spot },
    #[error("the ( {spot} is never closed; add a ) where the group ends")]
    UnclosedParen { spot: Spot },
    #[error("the ) {spot} closes nothing; remove it or add a ( where the group starts")]
    UnmatchedParen { spot: Spot },
    #[error(
        "the parentheses () {spot} are empty; put words between them, e.g. (diffusion OR flow)"
    )]
    EmptyGroup { spot: Spot },
    #[error("the ( {spot} is nested too deep; parentheses may nest {limit} levels at most")]
    TooDeep { spot: Spot, limit: usize },
    #[error(
        "OR {spot} has nothing before it; OR goes between two alternatives, e.g. diffusion OR flow"
    )]
    OrWithoutLeft { spot: Spot },
    #[error(
        "OR {spot} has nothing after it; OR goes between two alternatives, e.g. diffusion OR flow"
    )]
    OrWithoutRight { spot: Spot },
    #[error(
        "OR OR {spot} has nothing in between; write one OR between two alternatives, e.g. diffusion OR flow"
    )]
    DoubleOr { spot: Spot },
    #[error("NOT {spot} has nothing after it to exclude; write e.g. NOT survey")]
    NotWithoutWord { spot: Spot },
    #[error("the - {spot} excludes nothing; write it right against the word, e.g. -survey")]
    DashWithoutWord { spot: Spot },
    /// `name` is as typed, made safe to echo.
    #[error(
        "there is no field {name}:; the fields are ti: (title), abs: (abstract), au: (author) and cat: (arXiv category), e.g. ti:diffusion"
    )]
    UnknownField { name: String },
    #[error("{} {spot} needs a word right after it, e.g. {}", field_prefix(*.field), field_example(*.field))]
    EmptyField { field: Field, spot: Spot },
    /// `given` is as typed, made safe to echo.
    #[error("cat:{given} is not an arXiv category; write one like cat:cs.CV, cat:cs or cat:hep-th")]
    InvalidCategory { given: String },
    #[error("the query has {count} words and phrases; the limit is {limit}")]
    TooManyTerms { count: usize, limit: usize },
    /// `query` is the normal form.
    #[error("a follow needs at least one word to look for; {query} only excludes")]
    OnlyExcludes { query: String },
    /// `side` is the offending alternative in normal form.
    #[error("each side of OR needs a word to look for; {side} only excludes")]
    OrSideOnlyExcludes { side: String },
}

/// Reads a follow into its normal form: nested ANDs and ORs of the same kind flattened,
/// duplicates dropped (the first one stays), one-child groups replaced by the child, double
/// negations removed. Every alternative of an OR, and the whole query, must look for at
/// least one word: a follow that only excludes would match almost every paper.
pub fn parse_query(text: &str, limits: &QueryLimits) -> Result<Node, QueryError> {
    let text = text.trim_matches(is_space);
    if text.is_empty() {
        return Err(QueryError::Empty);
    }
    let chars = text.chars().count();
    if chars > limits.max_chars {
        return Err(QueryError::TooLong {
            chars,
            limit: limits.max_chars,
        });
    }
    let tokens = lex(text)?;
    let mut parser = Parser {
        text,
        tokens,
        next: 0,
        limits,
    };
    let parsed = parser.parse_or(Field::Any, 0)?;
    if let Some(stray) = parser.peek() {
        // `parse_or` stops only at the end or at a `)` it has no group for.
        return Err(QueryError::UnmatchedParen {
            spot: spot_after(text, stray.start),
        });
    }
    let Some(node) = parsed.map(normalize) else {
        return Err(QueryError::NoWords { input: echo(text) });
    };
    check_or_sides(&node)?;
    if !looks_for_something(&node) {
        return Err(QueryError::OnlyExcludes {
            query: echo(&print_query(&node)),
        });
    }
    let count = count_terms(&node);
    if count > limits.max_terms {
        return Err(QueryError::TooManyTerms {
            count,
            limit: limits.max_terms,
        });
    }
    let written_out = print_query(&node).chars().count();
    if written_out > limits.max_chars {
        return Err(QueryError::TooLongWrittenOut {
            chars: written_out,
            limit: limits.max_chars,
        });
    }
    Ok(node)
}

/// The normal form of a follow: canonical terms, phrases in quotes, a field prefix on each
/// term, `OR` between alternatives, `-` before what is excluded, and parentheses only where
/// the meaning needs them. For every tree [`parse_query`] returns, parsing this text gives
/// the same tree back.
pub fn print_query(node: &Node) -> String {
    let mut out = String::new();
    write_node(node, &mut out);
    out
}

// ---------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'a> {
    /// A bare word, operators and field prefix already split off.
    Word(&'a str),
    /// The text between two quotes.
    Quote(&'a str),
    Open,
    Close,
    Or,
    Not,
    /// A leading `-`; the lexer only emits it when something to exclude touches it.
    Minus,
    /// A known field prefix; the lexer only emits it when a word, phrase or group touches it.
    Scope(Field),
}

/// A token and its byte range in the query, for pointing at it in messages.
#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    tok: Tok<'a>,
    start: usize,
    end: usize,
}

/// Phones turn `"` into typographic quotes; all of them open and close a phrase.
fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„')
}

/// Whitespace, plus the invisible marks some keyboards insert, which separate words too.
fn is_space(c: char) -> bool {
    c.is_whitespace() || is_invisible(c)
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn ends_word(c: char) -> bool {
    is_space(c) || c == '(' || c == ')' || is_quote(c)
}

fn lex(text: &str) -> Result<Vec<Token<'_>>, QueryError> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    while let Some(c) = text.get(pos..).and_then(|rest| rest.chars().next()) {
        let start = pos;
        let width = c.len_utf8();
        if is_space(c) {
            pos += width;
        } else if c == '(' || c == ')' {
            let tok = if c == '(' { Tok::Open } else { Tok::Close };
            pos += width;
            tokens.push(Token {
                tok,
                start,
                end: pos,
            });
        } else if is_quote(c) {
            let content_start = start + width;
            let rest = text.get(content_start..).unwrap_or("");
            let Some((offset, closing)) = rest.char_indices().find(|&(_, c)| is_quote(c)) else {
                return Err(QueryError::UnclosedQuote {
                    spot: spot_before(text, content_start),
                });
            };
            let content_end = content_start + offset;
            pos = content_end + closing.len_utf8();
            tokens.push(Token {
                tok: Tok::Quote(rest.get(..offset).unwrap_or("")),
                start,
                end: pos,
            });
        } else {
            let rest = text.get(start..).unwrap_or("");
            let end = start + rest.find(ends_word).unwrap_or(rest.len());
            lex_word(text, start, end, &mut tokens)?;
            pos = end;
        }
    }
    Ok(tokens)
}

/// Splits one bare word into its leading operators (`-`, field prefixes) and the word.
fn lex_word<'a>(
    text: &'a str,
    start: usize,
    end: usize,
    tokens: &mut Vec<Token<'a>>,
) -> Result<(), QueryError> {
    let word = text.get(start..end).unwrap_or("");
    let keyword = match word {
        "OR" => Some(Tok::Or),
        "NOT" => Some(Tok::Not),
        _ => None,
    };
    if let Some(tok) = keyword {
        tokens.push(Token { tok, start, end });
        return Ok(());
    }
    // A group or phrase that touches the word is what a trailing `-` or `ti:` applies to.
    let touches_operand = text
        .get(end..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c == '(' || is_quote(c));
    let mut pos = start;
    let mut last_operator = None;
    loop {
        let rest = text.get(pos..end).unwrap_or("");
        if rest.starts_with('-') {
            tokens.push(Token {
                tok: Tok::Minus,
                start: pos,
                end: pos + 1,
            });
            last_operator = Some(Tok::Minus);
            pos += 1;
            continue;
        }
        let Some((name, after)) = rest.split_once(':') else {
            break;
        };
        if !looks_like_field_name(name) {
            break;
        }
        match field_named(name) {
            Some(field) => {
                let prefix_end = pos + name.len() + 1;
                tokens.push(Token {
                    tok: Tok::Scope(field),
                    start: pos,
                    end: prefix_end,
                });
                last_operator = Some(Tok::Scope(field));
                pos = prefix_end;
            }
            // `note:` alone is punctuation after a word; `year:2024` means a field.
            None if after.is_empty() && !touches_operand => break,
            None => {
                return Err(QueryError::UnknownField { name: echo(name) });
            }
        }
    }
    let rest = text.get(pos..end).unwrap_or("");
    if !rest.is_empty() {
        tokens.push(Token {
            tok: Tok::Word(rest),
            start: pos,
            end,
        });
        return Ok(());
    }
    if touches_operand {
        return Ok(());
    }
    match last_operator {
        Some(Tok::Scope(field)) => Err(QueryError::EmptyField {
            field,
            spot: spot_before(text, end),
        }),
        Some(_) => Err(QueryError::DashWithoutWord {
            spot: spot_before(text, end),
        }),
        // Unreachable: a non-empty word either has a rest or ended on an operator.
        None => Ok(()),
    }
}

/// `ti`, `year`, `http`: a name someone may have meant as a field.
fn looks_like_field_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic())
}

fn field_named(name: &str) -> Option<Field> {
    match name.to_ascii_lowercase().as_str() {
        "ti" => Some(Field::Title),
        "abs" => Some(Field::Abstract),
        "au" => Some(Field::Author),
        "cat" => Some(Field::Category),
        _ => None,
    }
}

fn field_prefix(field: Field) -> &'static str {
    match field {
        Field::Any => "",
        Field::Title => "ti:",
        Field::Abstract => "abs:",
        Field::Author => "au:",
        Field::Category => "cat:",
    }
}

fn field_example(field: Field) -> &'static str {
    match field {
        Field::Any => "diffusion",
        Field::Title => "ti:diffusion",
        Field::Abstract => "abs:diffusion",
        Field::Author => "au:karpathy",
        Field::Category => "cat:cs.CV",
    }
}

// ---------------------------------------------------------------------------------------
// Parsing

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token<'a>>,
    next: usize,
    limits: &'a QueryLimits,
}

/// A parsed piece, or `None` when it had no words (`???`, `"—"`): it is dropped, and so is
/// whatever applies only to it.
type Parsed = Result<Option<Node>, QueryError>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.next).copied()
    }

    fn bump(&mut self) -> Option<Token<'a>> {
        let token = self.peek();
        self.next += 1;
        token
    }

    fn parse_or(&mut self, field: Field, depth: usize) -> Parsed {
        let mut branches = Vec::new();
        let mut last_or: Option<Token<'a>> = None;
        loop {
            if let Some(or) = self.peek().filter(|t| t.tok == Tok::Or) {
                return Err(match last_or {
                    Some(previous) => QueryError::DoubleOr {
                        spot: spot_after(self.text, previous.start),
                    },
                    None => QueryError::OrWithoutLeft {
                        spot: spot_after(self.text, or.start),
                    },
                });
            }
            branches.push(self.parse_and(field, depth)?);
            match self.peek() {
                Some(or) if or.tok == Tok::Or => {
                    self.bump();
                    if matches!(
                        self.peek(),
                        None | Some(Token {
                            tok: Tok::Close,
                            ..
                        })
                    ) {
                        return Err(QueryError::OrWithoutRight {
                            spot: spot_before(self.text, or.end),
                        });
                    }
                    last_or = Some(or);
                }
                _ => break,
            }
        }
        let branches: Vec<Node> = branches.into_iter().flatten().collect();
        Ok(match branches.len() {
            0 => None,
            _ => Some(Node::Or(branches)),
        })
    }

    fn parse_and(&mut self, field: Field, depth: usize) -> Parsed {
        let mut items = Vec::new();
        while let Some(token) = self.peek() {
            match token.tok {
                Tok::Or | Tok::Close => break,
                _ => items.push(self.parse_unary(field, depth)?),
            }
        }
        if items.is_empty() {
            // `parse_or` has ruled out OR here, and a group's `(` has ruled out `)` and the
            // end; what is left is a `)` that closes nothing.
            return Err(match self.peek() {
                Some(stray) => QueryError::UnmatchedParen {
                    spot: spot_after(self.text, stray.start),
                },
                None => QueryError::Empty,
            });
        }
        let items: Vec<Node> = items.into_iter().flatten().collect();
        Ok(match items.len() {
            0 => None,
            _ => Some(Node::And(items)),
        })
    }

    /// Prefixes are read in a loop, not by recursion, so `------x` cannot exhaust the stack.
    fn parse_unary(&mut self, mut field: Field, depth: usize) -> Parsed {
        let mut negated = false;
        while let Some(token) = self.peek() {
            match token.tok {
                Tok::Not => {
                    self.bump();
                    if matches!(
                        self.peek().map(|t| t.tok),
                        None | Some(Tok::Close) | Some(Tok::Or)
                    ) {
                        return Err(QueryError::NotWithoutWord {
                            spot: spot_before(self.text, token.end),
                        });
                    }
                    negated = !negated;
                }
                Tok::Minus => {
                    self.bump();
                    negated = !negated;
                }
                // The innermost scope wins: `ti:(abs:x y)` is `abs:x ti:y`.
                Tok::Scope(scope) => {
                    self.bump();
                    field = scope;
                }
                _ => break,
            }
        }
        let node = self.parse_primary(field, depth)?;
        Ok(node.map(|node| {
            if negated {
                Node::Not(Box::new(node))
            } else {
                node
            }
        }))
    }

    fn parse_primary(&mut self, field: Field, depth: usize) -> Parsed {
        let Some(token) = self.bump() else {
            return Err(QueryError::Empty);
        };
        match token.tok {
            Tok::Word(word) => word_node(field, word),
            Tok::Quote(content) => quote_node(field, content, spot_after(self.text, token.start)),
            Tok::Open => {
                let depth = depth + 1;
                if depth > self.limits.max_depth {
                    return Err(QueryError::TooDeep {
                        spot: spot_before(self.text, token.end),
                        limit: self.limits.max_depth,
                    });
                }
                match self.peek() {
                    Some(Token {
                        tok: Tok::Close, ..
                    }) => {
                        return Err(QueryError::EmptyGroup {
                            spot: spot_after(self.text, token.start),
                        });
                    }
                    None => {
                        return Err(QueryError::UnclosedParen {
                            spot: spot_before(self.text, token.end),
                        });
                    }
                    Some(_) => {}
                }
                let inner = self.parse_or(field, depth)?;
                match self.bump() {
                    Some(Token {
                        tok: Tok::Close, ..
                    }) => Ok(inner),
                    _ => Err(QueryError::UnclosedParen {
                        spot: spot_before(self.text, token.end),
                    }),
                }
            }
            // The lexer and `parse_unary` only let a word, phrase or group start here.
            Tok::Close => Err(QueryError::UnmatchedParen {
                spot: spot_after(self.text, token.start),
            }),
            Tok::Or | Tok::Not | Tok::Minus | Tok::Scope(_) => Err(QueryError::Empty),
        }
    }
}

/// A bare word. Hyphens and slashes inside make it a compound: two parts are one joined term
/// (`time-step` -> `timestep`, as papers' compounds are matched), more are a phrase.
fn word_node(field: Field, word: &str) -> Parsed {
    if field == Field::Category {
        return category_term(word, word).map(Some);
    }
    if !word.contains(['-', '/']) {
        return Ok(fold_word(word).map(|term| Node::Term { field, term }));
    }
    let tokens = analyze(word).tokens;
    Ok(match tokens.as_slice() {
        [] => None,
        [one] => Some(Node::Term {
            field,
            term: one.clone(),
        }),
        [first, second] => Some(Node::Term {
            field,
            term: format!("{first}{second}"),
        }),
        _ => Some(Node::Phrase {
            field,
            terms: tokens,
        }),
    })
}

fn quote_node(field: Field, content: &str, spot: Spot) -> Parsed {
    let trimmed = content.trim_matches(is_space);
    if trimmed.is_empty() {
        return Err(QueryError::EmptyQuote { spot });
    }
    if field == Field::Category {
        return category_term(trimmed, &format!("\"{content}\"")).map(Some);
    }
    let tokens = analyze(content).tokens;
    Ok(match tokens.as_slice() {
        [] => None,
        [one] => Some(Node::Term {
            field,
            term: one.clone(),
        }),
        _ => Some(Node::Phrase {
            field,
            terms: tokens,
        }),
    })
}

/// `as_typed` is what the error message shows.
fn category_term(category: &str, as_typed: &str) -> Result<Node, QueryError> {
    match fold_category(category) {
        Some(term) => Ok(Node::Term {
            field: Field::Category,
            term,
        }),
        None => Err(QueryError::InvalidCategory {
            given: echo(as_typed),
        }),
    }
}

/// An arXiv category (`cs.CV`) or archive (`cs`, `hep-th`), lowercased; `None` when it is
/// not shaped like one. Stands in for `normalize::fold_category` until that lands.
fn fold_category(category: &str) -> Option<String> {
    let mut chars = category.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let shaped =
        starts_with_letter && chars.all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    shaped.then(|| category.to_ascii_lowercase())
}

// ---------------------------------------------------------------------------------------
// Normal form and checks

fn normalize(node: Node) -> Node {
    match node {
        Node::And(children) => normalize_group(children, true),
        Node::Or(children) => normalize_group(children, false),
        Node::Not(inner) => match normalize(*inner) {
            Node::Not(twice) => *twice,
            inner => Node::Not(Box::new(inner)),
        },
        Node::Phrase { field, mut terms } if terms.len() == 1 => Node::Term {
            field,
            term: terms.pop().unwrap_or_default(),
        },
        leaf => leaf,
    }
}

/// Children normalized, same-kind groups flattened into this one, duplicates dropped
/// (first kept), and a group of one replaced by its child.
fn normalize_group(children: Vec<Node>, is_and: bool) -> Node {
    let mut kept: Vec<Node> = Vec::with_capacity(children.len());
    let mut keep = |node: Node| {
        if !kept.contains(&node) {
            kept.push(node);
        }
    };
    for child in children {
        match normalize(child) {
            Node::And(grandchildren) if is_and => grandchildren.into_iter().for_each(&mut keep),
            Node::Or(grandchildren) if !is_and => grandchildren.into_iter().for_each(&mut keep),
            child => keep(child),
        }
    }
    if kept.len() == 1
        && let Some(only) = kept.pop()
    {
        return only;
    }
    if is_and {
        Node::And(kept)
    } else {
        Node::Or(kept)
    }
}

/// Whether a paper can match by containing something, rather than by lacking something.
fn looks_for_something(node: &Node) -> bool {
    match node {
        Node::Term { .. } | Node::Phrase { .. } => true,
        Node::Not(_) => false,
        Node::And(children) => children.iter().any(looks_for_something),
        Node::Or(children) => !children.is_empty() && children.iter().all(looks_for_something),
    }
}

fn check_or_sides(node: &Node) -> Result<(), QueryError> {
    match node {
        Node::Term { .. } | Node::Phrase { .. } => Ok(()),
        Node::Not(inner) => check_or_sides(inner),
        Node::And(children) => children.iter().try_for_each(check_or_sides),
        Node::Or(children) => {
            if let Some(side) = children.iter().find(|side| !looks_for_something(side)) {
                return Err(QueryError::OrSideOnlyExcludes {
                    side: echo(&print_query(side)),
                });
            }
            children.iter().try_for_each(check_or_sides)
        }
    }
}

fn count_terms(node: &Node) -> usize {
    match node {
        Node::Term { .. } | Node::Phrase { .. } => 1,
        Node::Not(inner) => count_terms(inner),
        Node::And(children) | Node::Or(children) => children.iter().map(count_terms).sum(),
    }
}

// ---------------------------------------------------------------------------------------
// Printing

fn write_node(node: &Node, out: &mut String) {
    match node {
        Node::Term { field, term } => {
            out.push_str(field_prefix(*field));
            out.push_str(&printable_term(*field, term));
        }
        Node::Phrase { field, terms } => {
            out.push_str(field_prefix(*field));
            out.push('"');
            out.push_str(&terms.join(" "));
            out.push('"');
        }
        Node::And(children) => {
            for (i, child) in children.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                if matches!(child, Node::Or(_)) {
                    write_group(child, out);
                } else {
                    write_node(child, out);
                }
            }
        }
        Node::Or(children) => {
            for (i, child) in children.iter().enumerate() {
                if i > 0 {
                    out.push_str(" OR ");
                }
                write_node(child, out);
            }
        }
        Node::Not(inner) => {
            out.push('-');
            if matches!(**inner, Node::And(_) | Node::Or(_)) {
                write_group(inner, out);
            } else {
                write_node(inner, out);
            }
        }
    }
}

fn write_group(node: &Node, out: &mut String) {
    out.push('(');
    write_node(node, out);
    out.push(')');
}

/// A term written so that it reads back as itself. Canonical terms normally do as they are;
/// a joined compound that the folding would change on its own (`multiclass` read as a plural)
/// is written with the hyphen it was joined at, as a compound reads back joined.
fn printable_term(field: Field, term: &str) -> String {
    if field == Field::Category || reads_back_as(term, term) {
        return term.to_owned();
    }
    let quoted_reads_back = !term.contains(is_quote)
        && matches!(
            quote_node(Field::Any, term, Spot::Start),
            Ok(Some(Node::Term { term: read, .. })) if read == term
        );
    if quoted_reads_back {
        return format!("\"{term}\"");
    }
    term.char_indices()
        .skip(1)
        .filter_map(|(i, _)| {
            let (left, right) = (term.get(..i)?, term.get(i..)?);
            Some(format!("{left}-{right}"))
        })
        .find(|written| reads_back_as(written, term))
        .unwrap_or_else(|| term.to_owned())
}

/// Whether `word`, written bare, parses to the single term `term`.
fn reads_back_as(word: &str, term: &str) -> bool {
    is_plain_word(word)
        && matches!(word_node(Field::Any, word), Ok(Some(Node::Term { term: read, .. })) if read == term)
}

/// A word the lexer reads as one bare word: no operator, prefix, quote or parenthesis.
fn is_plain_word(word: &str) -> bool {
    !word.is_empty()
        && !word.contains(ends_word)
        && !word.contains(':')
        && !word.starts_with('-')
        && word != "OR"
        && word != "NOT"
}

// ---------------------------------------------------------------------------------------
// Pointing at places in the query

const EXCERPT_CHARS: usize = 24;

/// The spot right before `pos`, named by the text that follows it.
fn spot_before(text: &str, pos: usize) -> Spot {
    let following = text.get(pos..).unwrap_or("").trim_start_matches(is_space);
    if following.is_empty() {
        return Spot::End;
    }
    let clean = clean_for_echo(following);
    match clean.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => Spot::Before(format!("{}…", clean.get(..cut).unwrap_or(""))),
        None => Spot::Before(clean),
    }
}

/// The spot right at `pos`, named by the text that precedes it.
fn spot_after(text: &str, pos: usize) -> Spot {
    let preceding = text.get(..pos).unwrap_or("").trim_end_matches(is_space);
    if preceding.is_empty() {
        return Spot::Start;
    }
    let clean = clean_for_echo(preceding);
    let chars = clean.chars().count();
    if chars <= EXCERPT_CHARS {
        return Spot::After(clean);
    }
    let tail: String = clean.chars().skip(chars - EXCERPT_CHARS).collect();
    Spot::After(format!("…{tail}"))
}

/// Text shown back in a message: whitespace runs as one space, invisible marks dropped,
/// control characters as `�`, at most 40 characters.
fn echo(text: &str) -> String {
    let clean = clean_for_echo(text);
    match clean.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", clean.get(..cut).unwrap_or("")),
        None => clean,
    }
}

fn clean_for_echo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(is_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(
            word.chars()
                .map(|c| if c.is_control() { '\u{FFFD}' } else { c }),
        );
    }
    out
}
