//! A [`Reply`] as Discord messages: plain blocks as Markdown content, each paper as an embed
//! with a row of buttons under it, split over as many messages as Discord's limits need.
//! Pure: no serenity types, so it is tested alone.
//!
//! Discord refuses a message whose content is over 2,000 characters, that has more than 10
//! embeds or 5 rows of components, or whose embeds hold more than 6,000 characters together;
//! an embed's title may have 256 and its description 4,096. Lengths are counted here in
//! UTF-16 units, never fewer than Discord's count, so a message that fits here fits there.
//! Blocks and papers are whole units: a message is cut between them. A single text block
//! longer than a message is cut between lines, or between characters as a last resort,
//! after escaping, so no escape is ever cut in half.

use crate::reply::{Block, PaperItem, Reply};

/// Characters of a message's content.
pub const MAX_CONTENT: usize = 2000;
/// Characters of an embed's title.
pub const MAX_EMBED_TITLE: usize = 256;
/// Characters of an embed's description.
pub const MAX_EMBED_DESCRIPTION: usize = 4096;
/// Fields in one embed (paperboy uses none; the fake checks it all the same).
pub const MAX_EMBED_FIELDS: usize = 25;
/// Embeds in one message.
pub const MAX_EMBEDS: usize = 10;
/// Characters of all of a message's embeds together.
pub const MAX_EMBEDS_TOTAL: usize = 6000;
/// Rows of components (buttons) under one message.
pub const MAX_ROWS: usize = 5;
/// A button's `custom_id`.
pub const MAX_CUSTOM_ID: usize = 100;
/// A button's label.
pub const MAX_BUTTON_LABEL: usize = 80;

/// What a button under a paper does: the core's [`PaperAction`].
pub use crate::reply::PaperAction as ButtonAction;

/// One button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    pub custom_id: String,
}

/// One embed: a linked title over a Markdown description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embed {
    pub title: String,
    pub url: Option<String>,
    pub description: String,
}

impl Embed {
    /// What the embed counts towards the 6,000 characters of a message.
    pub fn length(&self) -> usize {
        units(&self.title) + units(&self.description)
    }
}

/// One message to send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiscordMessage {
    /// Markdown, escaped.
    pub content: String,
    pub embeds: Vec<Embed>,
    /// Rows of buttons, one per paper that has them.
    pub rows: Vec<Vec<Button>>,
}

/// A message's length as this module counts it: UTF-16 units, never fewer than Discord's
/// count of characters.
pub fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Escapes Discord Markdown (and mention syntax) so text shows as written.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    if matches!(
        c,
        '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '(' | ')' | '<' | '@' | '-'
    ) {
        out.push('\\');
    }
    out.push(c);
}

/// `text` escaped and cut to at most `limit` units, ending in "…" when cut.
fn escape_within(text: &str, limit: usize) -> String {
    let escaped = escape(text);
    if units(&escaped) <= limit {
        return escaped;
    }
    let budget = limit.saturating_sub(1);
    let mut out = String::new();
    for c in text.chars() {
        let mut piece = String::new();
        push_escaped(&mut piece, c);
        if units(&out) + units(&piece) > budget {
            break;
        }
        out.push_str(&piece);
    }
    out.push('…');
    out
}

/// Plain text cut to at most `limit` units, ending in "…" when cut.
fn cut_within(text: &str, limit: usize) -> String {
    if units(text) <= limit {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if units(&out) + c.len_utf16() > limit.saturating_sub(1) {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// A piece of a reply: Markdown for the content, or a paper's embed and buttons.
enum Unit {
    Text(String),
    Paper(Embed, Vec<Button>),
}

/// Renders a reply. With `buttons`, each paper gets a row: Related, 👍, 👎.
pub fn render(reply: &Reply, buttons: bool) -> Vec<DiscordMessage> {
    let mut units = Vec::new();
    let mut number = 0;
    for block in &reply.blocks {
        match block {
            Block::Heading(text) => text_units(&mut units, text, "**"),
            Block::Text(text) => text_units(&mut units, text, ""),
            Block::Hint(text) => text_units(&mut units, text, "*"),
            Block::List(items) => {
                for item in items {
                    text_units(&mut units, &format!("• {item}"), "");
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
    let title = cut_within(&format!("{number}. {}", item.title), MAX_EMBED_TITLE);
    let url = (item.url.starts_with("https://") || item.url.starts_with("http://"))
        .then(|| item.url.clone());
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
    let mut description = escape_within(&item.authors, 512);
    if !facts.is_empty() {
        description.push_str(&format!("\n*{}*", escape_within(&facts.join(" · "), 1024)));
    }
    if !item.snippet.is_empty() {
        let room = MAX_EMBED_DESCRIPTION - units(&description) - 1;
        description.push('\n');
        description.push_str(&escape_within(&item.snippet, room));
    }
    let row = if buttons {
        [
            (ButtonAction::Related(item.id.clone()), "Related"),
            (ButtonAction::Up(item.id.clone()), "👍"),
            (ButtonAction::Down(item.id.clone()), "👎"),
        ]
        .into_iter()
        .map(|(action, label)| Button {
            label: format!("{number}. {label}"),
            custom_id: action.encode(),
        })
        .filter(|button| button.custom_id.len() <= MAX_CUSTOM_ID)
        .collect()
    } else {
        Vec::new()
    };
    Unit::Paper(
        Embed {
            title,
            url,
            description,
        },
        row,
    )
}

/// A block of text as content pieces that each fit a message, wrapped in `mark` (`**` bold,
/// `*` italic): whole lines where they fit, else pieces of lines.
fn text_units(out: &mut Vec<Unit>, text: &str, mark: &str) {
    let budget = MAX_CONTENT - 2 * units(mark);
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.split('\n') {
        let line = escape(line);
        let joined = if current.is_empty() {
            units(&line)
        } else {
            units(&current) + 1 + units(&line)
        };
        if joined <= budget {
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&line);
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        // A line longer than a message: cut between characters, never inside an escape.
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            let mut piece = c.to_string();
            if c == '\\'
                && let Some(escaped) = chars.next()
            {
                piece.push(escaped);
            }
            if units(&current) + units(&piece) > budget {
                pieces.push(std::mem::take(&mut current));
            }
            current.push_str(&piece);
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    for piece in pieces {
        let piece = if mark.is_empty() || piece.trim().is_empty() {
            piece
        } else {
            format!("{mark}{piece}{mark}")
        };
        out.push(Unit::Text(piece));
    }
}

/// Units into messages, in order. Text that follows a paper starts a new message, so the
/// content (shown above the embeds) stays in reading order.
fn pack(units_in_order: Vec<Unit>) -> Vec<DiscordMessage> {
    let mut messages = Vec::new();
    let mut current = DiscordMessage::default();
    let mut embeds_length = 0;
    for unit in units_in_order {
        match unit {
            Unit::Text(piece) => {
                let full = !current.embeds.is_empty()
                    || (!current.content.is_empty()
                        && units(&current.content) + 1 + units(&piece) > MAX_CONTENT);
                if full {
                    messages.push(std::mem::take(&mut current));
                    embeds_length = 0;
                }
                if !current.content.is_empty() {
                    current.content.push('\n');
                }
                current.content.push_str(&piece);
            }
            Unit::Paper(embed, row) => {
                let full = current.embeds.len() == MAX_EMBEDS
                    || embeds_length + embed.length() > MAX_EMBEDS_TOTAL
                    || (!row.is_empty() && current.rows.len() == MAX_ROWS);
                if full {
                    messages.push(std::mem::take(&mut current));
                    embeds_length = 0;
                }
                embeds_length += embed.length();
                current.embeds.push(embed);
                if !row.is_empty() {
                    current.rows.push(row);
                }
            }
        }
    }
    if !current.content.is_empty() || !current.embeds.is_empty() {
        messages.push(current);
    }
    messages
}

/// Why a message breaks one of Discord's limits, if it does. Tests use it; the fake Discord
/// keeps its own copy of the rules.
pub fn limit_broken(message: &DiscordMessage) -> Option<String> {
    if message.content.is_empty() && message.embeds.is_empty() {
        return Some("an empty message".into());
    }
    if units(&message.content) > MAX_CONTENT {
        return Some(format!("content of {}", units(&message.content)));
    }
    if message.embeds.len() > MAX_EMBEDS {
        return Some(format!("{} embeds", message.embeds.len()));
    }
    let total: usize = message.embeds.iter().map(Embed::length).sum();
    if total > MAX_EMBEDS_TOTAL {
        return Some(format!("embeds of {total} together"));
    }
    for embed in &message.embeds {
        if units(&embed.title) > MAX_EMBED_TITLE {
            return Some(format!("a title of {}", units(&embed.title)));
        }
        if units(&embed.description) > MAX_EMBED_DESCRIPTION {
            return Some(format!("a description of {}", units(&embed.description)));
        }
    }
    if message.rows.len() > MAX_ROWS || message.rows.iter().any(|row| row.len() > 5) {
        return Some("too many buttons".into());
    }
    let bad_button = message.rows.iter().flatten().any(|button| {
        button.custom_id.len() > MAX_CUSTOM_ID || units(&button.label) > MAX_BUTTON_LABEL
    });
    bad_button.then(|| "a button's id or label is too long".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, title: &str) -> PaperItem {
        PaperItem {
            id: id.to_owned(),
            title: title.to_owned(),
            authors: "Ada *Lovelace* & <@everyone>".to_owned(),
            url: format!("https://arxiv.org/abs/{id}"),
            matched: vec!["diffusion".to_owned()],
            shared: Vec::new(),
            upvotes: Some(3),
            snippet: "We show x_1 < y ~ z.".to_owned(),
        }
    }

    #[test]
    fn markdown_and_mentions_from_papers_are_escaped() {
        let reply = Reply::new()
            .with(Block::Heading("1 * 2 _ 3".into()))
            .with(Block::Papers(vec![item("2403.01234", "A *bold* title")]));
        let messages = render(&reply, true);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].content, "**1 \\* 2 \\_ 3**");
        let embed = &messages[0].embeds[0];
        assert_eq!(embed.title, "1. A *bold* title");
        assert_eq!(
            embed.url.as_deref(),
            Some("https://arxiv.org/abs/2403.01234")
        );
        assert_eq!(
            embed.description,
            "Ada \\*Lovelace\\* & \\<\\@everyone\\>\n*matched: diffusion · ▲ 3*\nWe show x\\_1 \\< y \\~ z."
        );
    }

    #[test]
    fn each_paper_gets_related_up_and_down_buttons() {
        let reply = Reply::new().with(Block::Papers(vec![
            item("2403.01234", "One"),
            item("hep-th/9901001", "Two"),
        ]));
        let messages = render(&reply, true);
        let rows = &messages[0].rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1]
                .iter()
                .map(|b| b.custom_id.as_str())
                .collect::<Vec<_>>(),
            ["r:hep-th/9901001", "u:hep-th/9901001", "d:hep-th/9901001"]
        );
        assert_eq!(rows[0][1].label, "1. 👍");
        for button in rows.iter().flatten() {
            assert!(ButtonAction::decode(&button.custom_id).is_some());
        }
        assert!(render(&reply, false)[0].rows.is_empty());
    }

    #[test]
    fn custom_ids_round_trip_and_garbage_is_refused() {
        for action in [
            ButtonAction::Related("2403.01234".into()),
            ButtonAction::Up("math/0309136".into()),
            ButtonAction::Down("2403.01234".into()),
        ] {
            assert_eq!(ButtonAction::decode(&action.encode()), Some(action));
        }
        let long = format!("r:{}", "9".repeat(120));
        for garbage in ["", "r", "r:", "x:2403.01234", ":", long.as_str()] {
            assert_eq!(ButtonAction::decode(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn forty_long_papers_split_into_valid_messages_in_order() {
        let title = "Ω".repeat(150) + &"*".repeat(150);
        let items: Vec<PaperItem> = (0..40)
            .map(|i| {
                let mut it = item(&format!("2403.{i:05}"), &title);
                it.snippet = "😀_".repeat(1500);
                it
            })
            .collect();
        let reply = Reply::new()
            .with(Block::Heading("Digest".into()))
            .with(Block::Papers(items))
            .with(Block::Hint("and 3 more".into()));
        let messages = render(&reply, true);
        let mut numbers = Vec::new();
        for message in &messages {
            assert_eq!(limit_broken(message), None, "{message:?}");
            assert_eq!(message.rows.len(), message.embeds.len());
            for embed in &message.embeds {
                numbers.push(embed.title.split('.').next().unwrap().to_owned());
                assert!(embed.title.ends_with('…'));
            }
        }
        let expected: Vec<String> = (1..=40).map(|n| n.to_string()).collect();
        assert_eq!(numbers, expected);
        assert_eq!(messages[0].content, "**Digest**");
        assert_eq!(messages.last().unwrap().content, "*and 3 more*");
    }

    #[test]
    fn a_huge_text_block_is_cut_without_breaking_escapes() {
        let text = "a*b_".repeat(1500) + "\n" + &"line\n".repeat(900);
        let messages = render(&Reply::text(text.clone()), false);
        assert!(messages.len() > 2);
        let mut rebuilt = String::new();
        for message in &messages {
            assert_eq!(limit_broken(message), None);
            assert!(!message.content.ends_with('\\'));
            rebuilt.push_str(&message.content);
        }
        let squeeze = |s: &str| s.replace(['\n', '\\'], "");
        assert_eq!(squeeze(&rebuilt), squeeze(&text));
    }

    #[test]
    fn cut_text_ends_in_an_ellipsis_within_the_limit() {
        assert_eq!(escape_within("a*b", 10), "a\\*b");
        assert_eq!(escape_within("a*bcdef", 4), "a\\*…");
        assert_eq!(escape_within("**", 2), "…");
        assert_eq!(cut_within("abcdef", 4), "abc…");
        assert_eq!(cut_within("😀😀😀", 4), "😀…");
    }
}
