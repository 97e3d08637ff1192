//! A [`Reply`] as Telegram messages: HTML parse mode, split within Telegram's length limit,
//! with inline buttons under digest items. Pure: no teloxide types, so it is tested alone.
//!
//! Telegram counts a message's length in UTF-16 code units of its text after entity
//! parsing (tags removed, `&lt;` one character) and refuses more than 4096. Blocks and paper
//! items are whole units: a message is cut between them, never inside a tag or an item. A
//! single text block longer than a message is cut between lines, or between characters as
//! a last resort, before it is escaped, so no entity is ever cut.

use crate::reply::{Block, PaperItem, Reply};

/// Telegram's limit on a message's text, in UTF-16 code units after entity parsing.
pub const MAX_MESSAGE_UTF16: usize = 4096;
/// Telegram's limit on `callback_data`, in bytes.
pub const MAX_CALLBACK_BYTES: usize = 64;

/// What a button under a paper does: the core's [`PaperAction`].
pub use crate::reply::PaperAction as ButtonAction;

/// One inline button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    pub data: String,
}

/// One message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TelegramMessage {
    pub html: String,
    /// Rows of inline buttons under the message.
    pub buttons: Vec<Vec<Button>>,
}

/// A piece of a message: its HTML and its length as Telegram counts it.
struct Unit {
    html: String,
    length: usize,
    buttons: Vec<Button>,
}

/// Escapes text for HTML parse mode: Telegram needs `<`, `>` and `&` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value (a link), which also must not hold a bare `"`.
fn escape_attribute(text: &str) -> String {
    escape(text).replace('"', "&quot;")
}

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Builds a unit from `(text, tag)` pieces: each piece's text is escaped and wrapped in its
/// tag (`b`, `i`, or an `a href`), and counted as its visible text.
struct UnitBuilder {
    html: String,
    length: usize,
}

impl UnitBuilder {
    fn new() -> Self {
        UnitBuilder {
            html: String::new(),
            length: 0,
        }
    }

    fn plain(&mut self, text: &str) -> &mut Self {
        self.html.push_str(&escape(text));
        self.length += utf16_len(text);
        self
    }

    fn tagged(&mut self, tag: &str, text: &str) -> &mut Self {
        self.html
            .push_str(&format!("<{tag}>{}</{tag}>", escape(text)));
        self.length += utf16_len(text);
        self
    }

    fn link(&mut self, url: &str, text: &str) -> &mut Self {
        self.html.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            escape_attribute(url),
            escape(text)
        ));
        self.length += utf16_len(text);
        self
    }

    fn unit(self, buttons: Vec<Button>) -> Unit {
        Unit {
            html: self.html,
            length: self.length,
            buttons,
        }
    }
}

/// Renders a reply. With `buttons`, each paper item gets a row: Related, 👍, 👎.
pub fn render(reply: &Reply, buttons: bool) -> Vec<TelegramMessage> {
    let mut units = Vec::new();
    let mut number = 0;
    for block in &reply.blocks {
        match block {
            Block::Heading(text) => {
                let mut unit = UnitBuilder::new();
                unit.tagged("b", text);
                units.push(unit.unit(Vec::new()));
            }
            Block::Text(text) => units.extend(text_units(text, None)),
            Block::Hint(text) => units.extend(text_units(text, Some("i"))),
            Block::List(items) => {
                for item in items {
                    units.extend(text_units(&format!("• {item}"), None));
                }
            }
            Block::Papers(items) => {
                for item in items {
                    number += 1;
                    units.push(paper_unit(number, item, buttons));
                }
            }
        }
    }
    pack(units)
}

fn paper_unit(number: usize, item: &PaperItem, buttons: bool) -> Unit {
    let mut unit = UnitBuilder::new();
    unit.plain(&format!("{number}. "));
    unit.html.push_str("<b>");
    unit.link(&item.url, &item.title);
    unit.html.push_str("</b>");
    unit.plain("\n").plain(&item.authors);
    let mut facts = Vec::new();
    if !item.matched.is_empty() {
        facts.push(format!("matched: {}", item.matched.join(", ")));
    }
    if !item.shared.is_empty() {
        facts.push(format!("shares: {}", item.shared.join(", ")));
    }
    if let Some(upvotes) = item.upvotes {
        facts.push(format!("▲ {upvotes}"));
    }
    if !facts.is_empty() {
        unit.plain("\n").tagged("i", &facts.join(" · "));
    }
    if !item.snippet.is_empty() {
        unit.plain("\n").plain(&item.snippet);
    }
    let row = if buttons {
        [
            ButtonAction::Related(item.id.clone()),
            ButtonAction::Up(item.id.clone()),
            ButtonAction::Down(item.id.clone()),
        ]
        .into_iter()
        .filter(|action| action.encode().len() <= MAX_CALLBACK_BYTES)
        .map(|action| Button {
            label: match action {
                ButtonAction::Related(_) => format!("{number}. Related"),
                ButtonAction::Up(_) => format!("{number}. 👍"),
                ButtonAction::Down(_) => format!("{number}. 👎"),
            },
            data: action.encode(),
        })
        .collect()
    } else {
        Vec::new()
    };
    unit.unit(row)
}

/// A text as units that each fit a message: whole lines where they fit, else pieces of
/// lines cut between characters.
fn text_units(text: &str, tag: Option<&str>) -> Vec<Unit> {
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.split('\n') {
        let candidate = if current.is_empty() {
            line.to_owned()
        } else {
            format!("{current}\n{line}")
        };
        if utf16_len(&candidate) <= MAX_MESSAGE_UTF16 {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        let mut rest = line;
        while utf16_len(rest) > MAX_MESSAGE_UTF16 {
            let cut = cut_at_utf16(rest, MAX_MESSAGE_UTF16);
            pieces.push(rest[..cut].to_owned());
            rest = &rest[cut..];
        }
        current = rest.to_owned();
    }
    if !current.is_empty() || pieces.is_empty() {
        pieces.push(current);
    }
    pieces
        .iter()
        .map(|piece| {
            let mut unit = UnitBuilder::new();
            match tag {
                Some(tag) => unit.tagged(tag, piece),
                None => unit.plain(piece),
            };
            unit.unit(Vec::new())
        })
        .collect()
}

/// The largest char boundary of `text` whose prefix has at most `limit` UTF-16 units.
fn cut_at_utf16(text: &str, limit: usize) -> usize {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += c.len_utf16();
        if used > limit {
            return at.max(c.len_utf8().min(text.len()));
        }
    }
    text.len()
}

/// Units into messages, in order; blank lines between units count towards the limit.
fn pack(units: Vec<Unit>) -> Vec<TelegramMessage> {
    const SEPARATOR: &str = "\n\n";
    let mut messages = Vec::new();
    let mut html = String::new();
    let mut length = 0;
    let mut buttons: Vec<Vec<Button>> = Vec::new();
    for unit in units {
        let added = if html.is_empty() {
            unit.length
        } else {
            unit.length + SEPARATOR.len()
        };
        if !html.is_empty() && length + added > MAX_MESSAGE_UTF16 {
            messages.push(TelegramMessage {
                html: std::mem::take(&mut html),
                buttons: std::mem::take(&mut buttons),
            });
            length = 0;
        }
        if !html.is_empty() {
            html.push_str(SEPARATOR);
            length += SEPARATOR.len();
        }
        html.push_str(&unit.html);
        length += unit.length;
        if !unit.buttons.is_empty() {
            buttons.push(unit.buttons);
        }
    }
    if !html.is_empty() {
        messages.push(TelegramMessage { html, buttons });
    }
    messages
}

/// The visible text of rendered HTML as Telegram's parser sees it: tags dropped, the four
/// entities decoded. For tests of the limit.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, title: &str) -> PaperItem {
        PaperItem {
            id: id.to_owned(),
            title: title.to_owned(),
            authors: "Ada <Lovelace> & Co".to_owned(),
            url: format!("https://arxiv.org/abs/{id}"),
            matched: vec!["diffusion".to_owned()],
            shared: Vec::new(),
            upvotes: Some(3),
            snippet: "We show x < y & z > w.".to_owned(),
        }
    }

    #[test]
    fn everything_from_papers_is_escaped() {
        let reply = Reply::new()
            .with(Block::Heading("1 < 2 & <b>".into()))
            .with(Block::Papers(vec![item(
                "2403.01234",
                "A <script> & \"title\"",
            )]));
        let messages = render(&reply, true);
        assert_eq!(messages.len(), 1);
        let html = &messages[0].html;
        assert!(html.contains("<b>1 &lt; 2 &amp; &lt;b&gt;</b>"), "{html}");
        assert!(html.contains("A &lt;script&gt; &amp; \"title\""), "{html}");
        assert!(html.contains("Ada &lt;Lovelace&gt; &amp; Co"), "{html}");
        assert!(html.contains("x &lt; y &amp; z &gt; w"), "{html}");
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn each_item_gets_related_up_and_down_buttons() {
        let reply = Reply::new().with(Block::Papers(vec![
            item("2403.01234", "One"),
            item("hep-th/9901001", "Two"),
        ]));
        let messages = render(&reply, true);
        let rows = &messages[0].buttons;
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].iter().map(|b| b.data.as_str()).collect::<Vec<_>>(),
            ["r:hep-th/9901001", "u:hep-th/9901001", "d:hep-th/9901001"]
        );
        assert_eq!(rows[0][1].label, "1. 👍");
        for button in rows.iter().flatten() {
            assert!(button.data.len() <= MAX_CALLBACK_BYTES);
            assert!(ButtonAction::decode(&button.data).is_some());
        }
        assert!(render(&reply, false)[0].buttons.is_empty());
    }

    #[test]
    fn callback_data_round_trips_and_garbage_is_refused() {
        for action in [
            ButtonAction::Related("2403.01234".into()),
            ButtonAction::Up("math/0309136".into()),
            ButtonAction::Down("2403.01234".into()),
        ] {
            assert_eq!(ButtonAction::decode(&action.encode()), Some(action));
        }
        for garbage in [
            "",
            "r",
            "r:",
            "x:2403.01234",
            ":",
            &format!("r:{}", "9".repeat(70)),
        ] {
            assert_eq!(ButtonAction::decode(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn long_digests_split_between_items_within_the_limit() {
        let long_title = "Ω".repeat(200) + &"&".repeat(100);
        let items: Vec<PaperItem> = (0..40)
            .map(|i| {
                let mut it = item(&format!("2403.{:05}", i), &long_title);
                it.snippet = "😀".repeat(150);
                it
            })
            .collect();
        let reply = Reply::new()
            .with(Block::Heading("Digest".into()))
            .with(Block::Papers(items));
        let messages = render(&reply, true);
        assert!(messages.len() > 1);
        let mut seen = 0;
        for message in &messages {
            let visible = visible_text(&message.html);
            assert!(
                utf16_len(&visible) <= MAX_MESSAGE_UTF16,
                "{}",
                utf16_len(&visible)
            );
            // Every item starts and ends within one message, with its buttons.
            let starts = message.html.matches("<b><a href=").count();
            assert_eq!(starts, message.html.matches("</a></b>").count());
            assert_eq!(starts, message.buttons.len());
            seen += starts;
        }
        assert_eq!(seen, 40);
    }

    #[test]
    fn a_huge_text_block_is_cut_without_breaking_entities() {
        let text = "a&b<".repeat(3000) + "\n" + &"line\n".repeat(2000);
        let messages = render(&Reply::text(text.clone()), false);
        let mut rebuilt = String::new();
        for message in &messages {
            let visible = visible_text(&message.html);
            assert!(utf16_len(&visible) <= MAX_MESSAGE_UTF16);
            assert!(!message.html.contains("&am\n") && !message.html.ends_with('&'));
            rebuilt.push_str(&visible);
        }
        let squeeze = |s: &str| s.replace('\n', "");
        assert_eq!(squeeze(&rebuilt), squeeze(&text));
    }
}
