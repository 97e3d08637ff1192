//! Small helpers over roxmltree shared by the arXiv feed and API parsers: namespaced
//! lookups, normalized text, dates. roxmltree's default options refuse DTDs, so entity
//! expansion never happens.

use chrono::{DateTime, Utc};
use roxmltree::{Document, Node};

use crate::feeds::ParseError;
use crate::text::normalize_whitespace;

pub const ATOM: &str = "http://www.w3.org/2005/Atom";
pub const ARXIV: &str = "http://arxiv.org/schemas/atom";
pub const DUBLIN_CORE: &str = "http://purl.org/dc/elements/1.1/";

/// Decodes and parses a document. roxmltree's default options refuse any DTD, so entity
/// declarations (billion laughs, external entities) fail here instead of expanding.
pub fn parse_document(body: &[u8]) -> Result<Document<'_>, ParseError> {
    let text = std::str::from_utf8(body).map_err(|_| ParseError::NotUtf8)?;
    Document::parse(text).map_err(|error| ParseError::Xml(error.to_string()))
}

/// Whether `node` is the element `name` in namespace `namespace` (`None`: no namespace).
/// Matching by URI, not prefix, because feeds are free to pick their prefixes.
pub fn is(node: Node, namespace: Option<&str>, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == namespace
}

pub fn children<'a, 'input: 'a>(
    parent: Node<'a, 'input>,
    namespace: Option<&'a str>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    parent
        .children()
        .filter(move |node| is(*node, namespace, name))
}

pub fn child<'a, 'input: 'a>(
    parent: Node<'a, 'input>,
    namespace: Option<&'a str>,
    name: &'a str,
) -> Option<Node<'a, 'input>> {
    children(parent, namespace, name).next()
}

/// All text inside an element, nested elements included, as written.
pub fn text_of(node: Node) -> String {
    node.descendants()
        .filter(|descendant| descendant.is_text())
        .filter_map(|text| text.text())
        .collect()
}

/// The whitespace-normalized text of the first such child; `None` when it is missing or
/// holds only whitespace.
pub fn child_text(parent: Node, namespace: Option<&str>, name: &str) -> Option<String> {
    let text = normalize_whitespace(&text_of(child(parent, namespace, name)?));
    (!text.is_empty()).then_some(text)
}

pub fn parse_rfc3339(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|date| date.with_timezone(&Utc))
        .map_err(|error| error.to_string())
}
