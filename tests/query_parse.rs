//! The follow language: parse tables (input -> normal form), every error message as whole
//! text, and property tests for print -> parse round trips and hostile input.
//!
//! Where the exact folding of a word is not the point, an expected form writes `<word>` for
//! `fold_word(word)`: the placeholder normalizer keeps `models`, the real one gives `model`,
//! and these tests hold for both.

use paperboy::query::normalize::fold_word;
use paperboy::query::parse::*;
use paperboy::query::{Field, Node};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;

fn limits() -> QueryLimits {
    QueryLimits::default()
}

fn fold(word: &str) -> String {
    fold_word(word).unwrap_or_else(|| panic!("{word} has no canonical form"))
}

/// Replaces each `<word>` in an expected normal form with `fold_word(word)`.
fn expand(expected: &str) -> String {
    let mut out = String::new();
    let mut rest = expected;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('>').expect("unclosed <") + open;
        out.push_str(&fold(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[track_caller]
fn check(input: &str, expected: &str) {
    let node = parse_query(input, &limits())
        .unwrap_or_else(|e| panic!("{input:?} should parse, got: {e}"));
    let printed = print_query(&node);
    assert_eq!(printed, expand(expected), "normal form of {input:?}");
    assert_eq!(
        parse_query(&printed, &limits()),
        Ok(node),
        "{printed:?} should read back as the tree of {input:?}"
    );
}

#[track_caller]
fn check_tree(input: &str, expected: Node) {
    assert_eq!(
        parse_query(input, &limits()),
        Ok(expected),
        "tree of {input:?}"
    );
}

#[track_caller]
fn check_error(input: &str, expected: &str) {
    match parse_query(input, &limits()) {
        Ok(node) => panic!("{input:?} should fail, got {}", print_query(&node)),
        Err(error) => assert_eq!(error.to_string(), expected, "message for {input:?}"),
    }
}

fn term(field: Field, word: &str) -> Node {
    Node::Term {
        field,
        term: fold(word),
    }
}

fn any(word: &str) -> Node {
    term(Field::Any, word)
}

fn phrase(field: Field, words: &[&str]) -> Node {
    Node::Phrase {
        field,
        terms: words.iter().map(|w| fold(w)).collect(),
    }
}

fn category(name: &str) -> Node {
    Node::Term {
        field: Field::Category,
        term: name.to_owned(),
    }
}

fn not(node: Node) -> Node {
    Node::Not(Box::new(node))
}

#[test]
fn default_limits() {
    assert_eq!(
        limits(),
        QueryLimits {
            max_chars: 200,
            max_terms: 12,
            max_depth: 4
        }
    );
}

#[test]
fn words_fold_and_all_must_appear() {
    check("Diffusion  Models", "diffusion <models>");
    check("  LLM\t", "llm");
    check("diffusion, guidance!", "diffusion guidance");
    check("Schrödinger bridge", "<Schrödinger> bridge");
    check("diffusion ??? —", "diffusion");
    check("diffusion guidance diffusion", "diffusion guidance");
    check("10:30 meeting", "1030 meeting");
    check("a\u{200B}b", "a b");
}

#[test]
fn lowercase_or_and_not_are_words() {
    check("diffusion or flow", "diffusion or flow");
    check("diffusion Or flow", "diffusion or flow");
    check("diffusion not flow", "diffusion not flow");
    check("\"OR\" diffusion", "or diffusion");
    check("ti:OR", "ti:or");
}

#[test]
fn compounds_and_phrases() {
    check("time-step", "timestep");
    check("Time-Steps", "<time><steps>");
    check("pre-training", "pre<training>");
    check("encoder/decoder", "encoderdecoder");
    check("state-of-the-art", "\"state of the art\"");
    check(
        "state-of-the-art diffusion",
        "\"state of the art\" diffusion",
    );
    check("x-", "x");
    check("\"Flow Matching\"", "\"flow matching\"");
    check("\"diffusion\"", "diffusion");
    check("\"time-step\"", "\"time step\"");
    check("\"state-of-the-art\"", "\"state of the art\"");
    check("\" flow   matching \"", "\"flow matching\"");
    check(
        "“flow matching” „robot arm”",
        "\"flow matching\" \"robot arm\"",
    );
    check("\"???\" diffusion", "diffusion");
    check_tree("time-step", any("timestep"));
    check_tree("\"time step\"", phrase(Field::Any, &["time", "step"]));
    check_tree(
        "state-of-the-art",
        phrase(Field::Any, &["state", "of", "the", "art"]),
    );
}

#[test]
fn precedence_not_then_and_then_or() {
    check("a b OR c", "a b OR c");
    check("(a b) OR c", "a b OR c");
    check("a OR b c", "a OR b c");
    check("a (b OR c)", "a (b OR c)");
    check("(b OR c) a", "(b OR c) a");
    check("a -b OR c", "a -b OR c");
    check("NOT a b", "-a b");
    check_tree(
        "a b OR c",
        Node::Or(vec![Node::And(vec![any("a"), any("b")]), any("c")]),
    );
    check_tree(
        "NOT a b OR c",
        Node::Or(vec![Node::And(vec![not(any("a")), any("b")]), any("c")]),
    );
    check_tree(
        "a (b OR c)",
        Node::And(vec![any("a"), Node::Or(vec![any("b"), any("c")])]),
    );
}

#[test]
fn negation() {
    check("diffusion NOT survey", "diffusion -survey");
    check("diffusion -survey", "diffusion -survey");
    check(
        "diffusion -\"literature review\"",
        "diffusion -\"literature review\"",
    );
    check(
        "diffusion -(survey OR review)",
        "diffusion -(survey OR review)",
    );
    check(
        "diffusion NOT (survey review)",
        "diffusion -(survey review)",
    );
    check("diffusion NOT(survey)", "diffusion -survey");
    check("diffusion NOT NOT guidance", "diffusion guidance");
    check("diffusion --guidance", "diffusion guidance");
    check("diffusion NOT -guidance", "diffusion guidance");
    check("diffusion -(-guidance)", "diffusion guidance");
    check("diffusion -(-(a OR b))", "diffusion (a OR b)");
    check("diffusion -???", "diffusion");
    check("diffusion -time-step", "diffusion -timestep");
    check("a -a", "a -a");
    check_tree("x -y", Node::And(vec![any("x"), not(any("y"))]));
}

#[test]
fn fields() {
    check("au:\"Yann LeCun\" cat:cs.LG", "au:\"yann lecun\" cat:cs.lg");
    check(
        "ti:(diffusion OR flow) -survey",
        "(ti:diffusion OR ti:flow) -survey",
    );
    check(
        "\"Time Steps\" OR ti:timestep -survey",
        "\"time <steps>\" OR ti:timestep -survey",
    );
    check(
        "TI:Diffusion ABS:flow Au:karpathy CAT:cs.CV",
        "ti:diffusion abs:flow au:karpathy cat:cs.cv",
    );
    check("cat:cs", "cat:cs");
    check("cat:hep-th", "cat:hep-th");
    check("cat:\"cs.CV\"", "cat:cs.cv");
    check(
        "cat:(cs.CV OR cs.LG) diffusion",
        "(cat:cs.cv OR cat:cs.lg) diffusion",
    );
    check("cat:(cs.CV -cs.RO)", "cat:cs.cv -cat:cs.ro");
    check("au:(karpathy OR lecun)", "au:karpathy OR au:lecun");
    check("au:jean-pierre", "au:jeanpierre");
    check("ti:\"flow matching\"", "ti:\"flow matching\"");
    check("ti:state-of-the-art", "ti:\"state of the art\"");
    check("ti:time-step", "ti:timestep");
    check("ti:-survey diffusion", "-ti:survey diffusion");
    check("-ti:survey diffusion", "-ti:survey diffusion");
    check(
        "-ti:(survey OR review) diffusion",
        "-(ti:survey OR ti:review) diffusion",
    );
    // The innermost scope wins.
    check("ti:(abs:flow matching)", "abs:flow ti:matching");
    check("ti:abs:flow", "abs:flow");
    check("diffusion ti:???", "diffusion");
    // Any other `name:` with nothing after it is punctuation after a word.
    check("note: diffusion", "note diffusion");
    check_tree("cat:cs.CV", category("cs.cv"));
    check_tree(
        "ti:(diffusion OR flow)",
        Node::Or(vec![
            term(Field::Title, "diffusion"),
            term(Field::Title, "flow"),
        ]),
    );
    check_tree(
        "au:\"yann lecun\"",
        phrase(Field::Author, &["yann", "lecun"]),
    );
}

#[test]
fn normalization_flattens_dedupes_and_collapses() {
    check("a (b c)", "a b c");
    check("((a))", "a");
    check("a OR a", "a");
    check("(a OR b) OR (c OR a)", "a OR b OR c");
    check("a OR (b OR (c OR d))", "a OR b OR c OR d");
    check("a OR ???", "a");
    check("a (b OR b)", "a b");
    check("ti:a ti:a abs:a", "ti:a abs:a");
    check_tree(
        "a OR (b OR c)",
        Node::Or(vec![any("a"), any("b"), any("c")]),
    );
}

#[test]
fn limits_at_the_boundary() {
    check("((((a))))", "a");
    check("a b c d e f g h i j k l", "a b c d e f g h i j k l");
    // Duplicates do not count.
    check("a b c d e f g h i j k l a", "a b c d e f g h i j k l");
    let longest = format!("{} b", "a".repeat(198));
    check(&longest, &longest);
}

#[test]
fn printing_hand_built_trees() {
    let cases = [
        (not(Node::Or(vec![any("a"), any("b")])), "-(a OR b)"),
        (not(Node::And(vec![any("a"), any("b")])), "-(a b)"),
        (not(phrase(Field::Title, &["a", "b"])), "-ti:\"a b\""),
        (not(category("cs.cv")), "-cat:cs.cv"),
        (
            Node::And(vec![
                Node::Or(vec![any("a"), Node::And(vec![any("b"), any("c")])]),
                not(any("d")),
            ]),
            "(a OR b c) -d",
        ),
        (
            Node::Or(vec![
                Node::And(vec![any("a"), not(Node::Or(vec![any("b"), any("c")]))]),
                any("d"),
            ]),
            "a -(b OR c) OR d",
        ),
    ];
    for (node, expected) in cases {
        assert_eq!(print_query(&node), expected);
    }
}

#[test]
fn every_error_message() {
    check_error("", "the query is empty; try e.g. diffusion models");
    check_error(" \t\n", "the query is empty; try e.g. diffusion models");
    check_error(
        &"a".repeat(201),
        "the query is 201 characters long; the limit is 200",
    );
    // 170 characters typed, 212 once `cat:` is written before each category.
    let categories: Vec<String> = (1..=12).map(|i| format!("category{i:02}")).collect();
    check_error(
        &format!("cat:({})", categories.join(" OR ")),
        "written out in full, with each field before each word, the query is 212 characters long; the limit is 200",
    );
    check_error(
        "??? —",
        "'??? —' has no words to look for; try e.g. diffusion models",
    );
    check_error(
        "-??? ti:(!)",
        "'-??? ti:(!)' has no words to look for; try e.g. diffusion models",
    );
    check_error(
        "\"diffusion models",
        "the quote before 'diffusion models' is never closed; end the phrase with another \"",
    );
    check_error(
        "flow \"matching in latent space with transformers",
        "the quote before 'matching in latent space…' is never closed; end the phrase with another \"",
    );
    check_error(
        "flow \"",
        "the quote at the end is never closed; end the phrase with another \"",
    );
    check_error(
        "a \"\" b",
        "the quotes \"\" after 'a' are empty; put a phrase between them, e.g. \"diffusion model\"",
    );
    check_error(
        "\"  \"",
        "the quotes \"\" at the start are empty; put a phrase between them, e.g. \"diffusion model\"",
    );
    check_error(
        "(a OR b",
        "the ( before 'a OR b' is never closed; add a ) where the group ends",
    );
    check_error(
        "a (",
        "the ( at the end is never closed; add a ) where the group ends",
    );
    check_error(
        "a) b",
        "the ) after 'a' closes nothing; remove it or add a ( where the group starts",
    );
    check_error(
        ") a",
        "the ) at the start closes nothing; remove it or add a ( where the group starts",
    );
    check_error(
        "a () b",
        "the parentheses () after 'a' are empty; put words between them, e.g. (diffusion OR flow)",
    );
    check_error(
        "(((((a)))))",
        "the ( before 'a)))))' is nested too deep; parentheses may nest 4 levels at most",
    );
    check_error(
        "OR diffusion",
        "OR at the start has nothing before it; OR goes between two alternatives, e.g. diffusion OR flow",
    );
    check_error(
        "a (OR b)",
        "OR after 'a (' has nothing before it; OR goes between two alternatives, e.g. diffusion OR flow",
    );
    check_error(
        "diffusion OR",
        "OR at the end has nothing after it; OR goes between two alternatives, e.g. diffusion OR flow",
    );
    check_error(
        "(a OR) b",
        "OR before ') b' has nothing after it; OR goes between two alternatives, e.g. diffusion OR flow",
    );
    check_error(
        "diffusion OR OR flow",
        "OR OR after 'diffusion' has nothing in between; write one OR between two alternatives, e.g. diffusion OR flow",
    );
    check_error(
        "diffusion NOT",
        "NOT at the end has nothing after it to exclude; write e.g. NOT survey",
    );
    check_error(
        "diffusion NOT OR flow",
        "NOT before 'OR flow' has nothing after it to exclude; write e.g. NOT survey",
    );
    check_error(
        "(diffusion NOT) flow",
        "NOT before ') flow' has nothing after it to exclude; write e.g. NOT survey",
    );
    check_error(
        "diffusion - survey",
        "the - before 'survey' excludes nothing; write it right against the word, e.g. -survey",
    );
    check_error(
        "diffusion -",
        "the - at the end excludes nothing; write it right against the word, e.g. -survey",
    );
    check_error(
        "(diffusion -) flow",
        "the - before ') flow' excludes nothing; write it right against the word, e.g. -survey",
    );
    let fields = "the fields are ti: (title), abs: (abstract), au: (author) and cat: (arXiv category), e.g. ti:diffusion";
    check_error(
        "year:2024 diffusion",
        &format!("there is no field year:; {fields}"),
    );
    check_error(
        "Title:diffusion",
        &format!("there is no field Title:; {fields}"),
    );
    check_error(
        "author:(karpathy OR lecun)",
        &format!("there is no field author:; {fields}"),
    );
    check_error(
        "https://arxiv.org/abs/2401.00001",
        &format!("there is no field https:; {fields}"),
    );
    check_error(
        "ti:",
        "ti: at the end needs a word right after it, e.g. ti:diffusion",
    );
    check_error(
        "ti: diffusion",
        "ti: before 'diffusion' needs a word right after it, e.g. ti:diffusion",
    );
    check_error(
        "diffusion abs:",
        "abs: at the end needs a word right after it, e.g. abs:diffusion",
    );
    check_error(
        "au: karpathy",
        "au: before 'karpathy' needs a word right after it, e.g. au:karpathy",
    );
    check_error(
        "cat: cs.CV",
        "cat: before 'cs.CV' needs a word right after it, e.g. cat:cs.CV",
    );
    check_error(
        "cat:cs_CV",
        "cat:cs_CV is not an arXiv category; write one like cat:cs.CV, cat:cs or cat:hep-th",
    );
    check_error(
        "cat:2401.00001",
        "cat:2401.00001 is not an arXiv category; write one like cat:cs.CV, cat:cs or cat:hep-th",
    );
    check_error(
        "cat:(cs.CV OR \"computer vision\")",
        "cat:\"computer vision\" is not an arXiv category; write one like cat:cs.CV, cat:cs or cat:hep-th",
    );
    check_error(
        "a b c d e f g h i j k l \"m n\"",
        "the query has 13 words and phrases; the limit is 12",
    );
    check_error(
        "-survey",
        "a follow needs at least one word to look for; -survey only excludes",
    );
    check_error(
        "NOT a",
        "a follow needs at least one word to look for; -a only excludes",
    );
    check_error(
        "-(a OR b) -ti:c",
        "a follow needs at least one word to look for; -(a OR b) -ti:c only excludes",
    );
    check_error(
        "a OR -b",
        "each side of OR needs a word to look for; -b only excludes",
    );
    check_error(
        "diffusion (flow OR -survey -review)",
        "each side of OR needs a word to look for; -survey -review only excludes",
    );
    check_error(
        "diffusion -(flow OR -survey)",
        "each side of OR needs a word to look for; -survey only excludes",
    );
}

#[test]
fn messages_echo_safely() {
    let error = parse_query("\u{7}\u{1b}[?]", &limits()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "'\u{FFFD}\u{FFFD}[?]' has no words to look for; try e.g. diffusion models"
    );
}

// ---------------------------------------------------------------------------------------
// Property tests

fn config(cases: u32) -> Config {
    // No regression files: a failure prints its minimal case, which belongs in a table above.
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Canonical words: `fold_word` of these reads back as itself under any sane folding.
const VOCABULARY: &[&str] = &[
    "diffusion",
    "flow",
    "transformer",
    "attention",
    "graph",
    "llm",
    "3d",
    "timestep",
    "pretraining",
    "or",
    "not",
    "ti",
    "cat",
    "vision",
    "robot",
    "schrödinger",
];

const CATEGORIES: &[&str] = &["cs.cv", "cs", "hep-th", "math.ag", "stat.ml"];

fn word() -> impl Strategy<Value = String> {
    select(VOCABULARY).prop_map(fold)
}

fn text_field() -> impl Strategy<Value = Field> {
    select(&[Field::Any, Field::Title, Field::Abstract, Field::Author][..])
}

fn leaf() -> BoxedStrategy<Node> {
    prop_oneof![
        3 => (text_field(), word()).prop_map(|(field, term)| Node::Term { field, term }),
        1 => select(CATEGORIES).prop_map(category),
        1 => (text_field(), prop::collection::vec(word(), 2..4))
            .prop_map(|(field, terms)| Node::Phrase { field, terms }),
    ]
    .boxed()
}

/// Trees that look for something: every AND has a positive member, every OR only positive
/// alternatives. Negations may wrap anything.
fn positive(depth: u32) -> BoxedStrategy<Node> {
    if depth == 0 {
        return leaf();
    }
    let and = (
        prop::collection::vec(positive(depth - 1), 1..3),
        prop::collection::vec(negative(depth - 1), 0..3),
    )
        .prop_map(|(mut members, negated)| {
            members.extend(negated);
            members
        })
        .prop_shuffle()
        .prop_map(Node::And);
    let or = prop::collection::vec(positive(depth - 1), 2..4).prop_map(Node::Or);
    prop_oneof![2 => leaf(), 1 => and, 1 => or].boxed()
}

fn negative(depth: u32) -> BoxedStrategy<Node> {
    let inner = if depth == 0 {
        leaf()
    } else {
        prop_oneof![3 => positive(depth - 1), 1 => negative(depth - 1)].boxed()
    };
    inner.prop_map(not).boxed()
}

/// The parser's normal form, written independently: double negations removed, same-kind
/// groups flattened, duplicates dropped keeping the first, groups of one replaced by it.
fn normal(node: Node) -> Node {
    match node {
        Node::Not(inner) => match normal(*inner) {
            Node::Not(twice) => *twice,
            inner => not(inner),
        },
        Node::And(children) => normal_group(children, true),
        Node::Or(children) => normal_group(children, false),
        leaf => leaf,
    }
}

fn normal_group(children: Vec<Node>, is_and: bool) -> Node {
    let mut flat = Vec::new();
    for child in children.into_iter().map(normal) {
        match child {
            Node::And(inner) if is_and => flat.extend(inner),
            Node::Or(inner) if !is_and => flat.extend(inner),
            other => flat.push(other),
        }
    }
    let mut kept: Vec<Node> = Vec::new();
    for node in flat {
        if !kept.contains(&node) {
            kept.push(node);
        }
    }
    match (kept.len(), is_and) {
        (1, _) => kept.remove(0),
        (_, true) => Node::And(kept),
        (_, false) => Node::Or(kept),
    }
}

fn looks_for_something(node: &Node) -> bool {
    match node {
        Node::Term { .. } | Node::Phrase { .. } => true,
        Node::Not(_) => false,
        Node::And(children) => children.iter().any(looks_for_something),
        Node::Or(children) => children.iter().all(looks_for_something),
    }
}

fn count_terms(node: &Node) -> usize {
    match node {
        Node::Term { .. } | Node::Phrase { .. } => 1,
        Node::Not(inner) => count_terms(inner),
        Node::And(children) | Node::Or(children) => children.iter().map(count_terms).sum(),
    }
}

/// The shape every parsed tree has.
fn assert_parser_normal(node: &Node) {
    match node {
        Node::Term { field, term } => {
            assert!(!term.is_empty(), "empty term in {node:?}");
            if *field == Field::Category {
                assert_eq!(*term, term.to_ascii_lowercase());
                assert!(term.starts_with(|c: char| c.is_ascii_alphabetic()));
            } else {
                assert!(!term.contains(char::is_whitespace), "spaced term {node:?}");
            }
        }
        Node::Phrase { field, terms } => {
            assert_ne!(*field, Field::Category);
            assert!(terms.len() >= 2, "short phrase {node:?}");
        }
        Node::Not(inner) => {
            assert!(!matches!(**inner, Node::Not(_)), "double negation {node:?}");
            assert_parser_normal(inner);
        }
        Node::And(children) | Node::Or(children) => {
            assert!(
                children.len() >= 2,
                "group of {} in {node:?}",
                children.len()
            );
            let is_and = matches!(node, Node::And(_));
            for (i, child) in children.iter().enumerate() {
                assert!(!children[..i].contains(child), "duplicate in {node:?}");
                match child {
                    Node::And(_) => assert!(!is_and, "AND in AND: {node:?}"),
                    Node::Or(_) => {
                        assert!(is_and, "OR in OR: {node:?}");
                    }
                    _ => {}
                }
                if !is_and {
                    assert!(looks_for_something(child), "negative OR side {node:?}");
                }
                assert_parser_normal(child);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn printed_trees_parse_back(tree in positive(3)) {
        let tree = normal(tree);
        let roomy = QueryLimits { max_chars: 100_000, max_terms: 10_000, max_depth: 16 };
        let printed = print_query(&tree);
        prop_assert_eq!(parse_query(&printed, &roomy), Ok(tree.clone()), "printed: {}", printed);
        assert_parser_normal(&tree);
    }
}

/// Pieces of hostile input: syntax, keywords, fields, unicode, invisible and control marks.
const HOSTILE: &[&str] = &[
    " ",
    " ",
    " ",
    "\"",
    "“",
    "”",
    "(",
    "(",
    ")",
    ")",
    ":",
    "-",
    "-",
    "/",
    "OR",
    "OR",
    "NOT",
    "or",
    "not",
    "ti:",
    "TI:",
    "abs:",
    "au:",
    "cat:",
    "year:",
    "http://",
    "a",
    "b",
    "c",
    "diffusion",
    "Models",
    "cs.CV",
    "hep-th",
    "time-step",
    "é",
    "ß",
    "日本",
    "—",
    "?",
    "\t",
    "\n",
    "\u{200B}",
    "\u{7}",
    "ﬁ",
    "Σ",
    "0",
    "42",
    ".",
    "'",
    "_",
    "*",
    "\u{301}",
];

/// Up to 40 pieces, each followed by nothing, a space or two.
fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec((select(HOSTILE), select(&["", "", " ", "  "][..])), 0..40).prop_map(
        |pieces| {
            pieces
                .into_iter()
                .flat_map(|(piece, gap)| [piece, gap])
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn hostile_input_errors_or_round_trips(input in hostile()) {
        match parse_query(&input, &limits()) {
            Ok(tree) => {
                assert_parser_normal(&tree);
                prop_assert!(looks_for_something(&tree));
                prop_assert!(count_terms(&tree) <= limits().max_terms);
                let printed = print_query(&tree);
                prop_assert!(printed.chars().count() <= limits().max_chars);
                prop_assert_eq!(
                    parse_query(&printed, &limits()),
                    Ok(tree),
                    "input {:?} printed {:?}", input, printed
                );
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(!message.is_empty());
                prop_assert!(!message.contains(|c: char| c.is_control()), "{:?}", message);
                prop_assert!(message.chars().count() <= 200, "{:?}", message);
            }
        }
    }
}
