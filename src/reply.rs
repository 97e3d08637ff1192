//! What paperboy says back, as data. Handlers and digest building produce a [`Reply`];
//! each transport renders it in its own markup (plain text, Markdown, Telegram HTML, Discord
//! embeds, email). Nothing here knows any markup: text fields are plain, unescaped text.

use serde::{Deserialize, Serialize};

/// A message: a sequence of blocks, rendered in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    /// A short title line.
    Heading(String),
    /// A paragraph of plain text.
    Text(String),
    /// A bulleted list of plain-text lines.
    List(Vec<String>),
    /// Papers, each rendered as a compact item.
    Papers(Vec<PaperItem>),
    /// A usage hint or error explanation, rendered less prominently where possible.
    Hint(String),
}

/// One paper as shown to a reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperItem {
    pub id: String,
    pub title: String,
    /// Shortened author list, e.g. "Ada Lovelace, Alan Turing et al.".
    pub authors: String,
    pub url: String,
    /// The follows that matched it, in the subscriber's words.
    pub matched: Vec<String>,
    /// For related papers: the terms it shares with what was asked about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<String>,
    pub upvotes: Option<u32>,
    /// A short piece of the abstract.
    pub snippet: String,
}

/// What a button under a paper asks for. Front ends put it in the button's data as a letter
/// and the paper id (`r:2403.01234`): well under every platform's limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaperAction {
    Related(String),
    Up(String),
    Down(String),
}

/// Longest button data any platform takes (Telegram's `callback_data`).
pub const MAX_ACTION_BYTES: usize = 64;

impl PaperAction {
    pub fn encode(&self) -> String {
        match self {
            PaperAction::Related(id) => format!("r:{id}"),
            PaperAction::Up(id) => format!("u:{id}"),
            PaperAction::Down(id) => format!("d:{id}"),
        }
    }

    /// Reads button data back; anything else (an old or forged button) is `None`.
    pub fn decode(data: &str) -> Option<PaperAction> {
        let (kind, id) = data.split_once(':')?;
        if id.is_empty() || data.len() > MAX_ACTION_BYTES {
            return None;
        }
        let id = id.to_owned();
        match kind {
            "r" => Some(PaperAction::Related(id)),
            "u" => Some(PaperAction::Up(id)),
            "d" => Some(PaperAction::Down(id)),
            _ => None,
        }
    }
}

impl Reply {
    pub fn new() -> Reply {
        Reply::default()
    }

    pub fn text(text: impl Into<String>) -> Reply {
        Reply::new().with(Block::Text(text.into()))
    }

    pub fn with(mut self, block: Block) -> Reply {
        self.blocks.push(block);
        self
    }

    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The reply as plain text, for the console, logs, tests and transports without markup.
    pub fn to_plain_text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            if !out.is_empty() {
                out.push('\n');
            }
            match block {
                Block::Heading(text) | Block::Text(text) | Block::Hint(text) => {
                    out.push_str(text);
                    out.push('\n');
                }
                Block::List(lines) => {
                    for line in lines {
                        out.push_str("- ");
                        out.push_str(line);
                        out.push('\n');
                    }
                }
                Block::Papers(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push('\n');
                        }
                        out.push_str(&plain_item(item));
                    }
                }
            }
        }
        out
    }
}

fn plain_item(item: &PaperItem) -> String {
    let mut out = format!("* {}\n  {}\n  {}\n", item.title, item.authors, item.url);
    let mut facts = Vec::new();
    if !item.matched.is_empty() {
        facts.push(format!("matched: {}", item.matched.join(", ")));
    }
    if !item.shared.is_empty() {
        facts.push(format!("shares: {}", item.shared.join(", ")));
    }
    if let Some(upvotes) = item.upvotes {
        facts.push(format!("{upvotes} upvotes"));
    }
    if !facts.is_empty() {
        out.push_str(&format!("  {}\n", facts.join(" · ")));
    }
    if !item.snippet.is_empty() {
        out.push_str(&format!("  {}\n", item.snippet));
    }
    out
}
