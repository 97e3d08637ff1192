//! A [`Reply`] as Markdown, for digest files. Pure. Text from papers is escaped so a title
//! with `*` or `[` cannot restyle the document or forge a link.

use crate::reply::{Block, PaperItem, Reply};

pub fn render(subject: &str, reply: &Reply) -> String {
    let mut out = format!("# {}\n", escape(subject));
    for block in &reply.blocks {
        out.push('\n');
        match block {
            Block::Heading(text) => out.push_str(&format!("## {}\n", escape(text))),
            Block::Text(text) => out.push_str(&format!("{}\n", escape(text))),
            Block::Hint(text) => out.push_str(&format!("_{}_\n", escape(text))),
            Block::List(lines) => {
                for line in lines {
                    out.push_str(&format!("- {}\n", escape(line)));
                }
            }
            Block::Papers(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(&paper(item));
                }
            }
        }
    }
    out
}

fn paper(item: &PaperItem) -> String {
    let mut out = format!(
        "- **[{}]({})**  \n  {}",
        escape(&item.title),
        item.url,
        escape(&item.authors)
    );
    let mut facts = Vec::new();
    if !item.matched.is_empty() {
        facts.push(format!("matched: {}", escape(&item.matched.join(", "))));
    }
    if !item.shared.is_empty() {
        facts.push(format!("shares: {}", escape(&item.shared.join(", "))));
    }
    if let Some(upvotes) = item.upvotes {
        facts.push(format!("▲ {upvotes}"));
    }
    if !facts.is_empty() {
        out.push_str(&format!("  \n  {}", facts.join(" · ")));
    }
    if !item.snippet.is_empty() {
        out.push_str(&format!("  \n  {}", escape(&item.snippet)));
    }
    out.push('\n');
    out
}

/// Backslash-escapes the characters that carry meaning in Markdown.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_digest_with_escaped_paper_text() {
        let reply = Reply::new()
            .with(Block::Heading("1 new paper for your follows".into()))
            .with(Block::Papers(vec![PaperItem {
                id: "2601.00001".into(),
                title: "Attention *is* [all] you need".into(),
                authors: "Ada Lovelace and Alan Turing".into(),
                url: "https://arxiv.org/abs/2601.00001".into(),
                matched: vec!["attention".into()],
                shared: Vec::new(),
                upvotes: Some(12),
                snippet: "We show_that <b>x</b>.".into(),
            }]))
            .with(Block::Hint("and 2 more".into()));
        assert_eq!(
            render("paperboy: 3 new papers for attention", &reply),
            "# paperboy: 3 new papers for attention\n\
             \n\
             ## 1 new paper for your follows\n\
             \n\
             - **[Attention \\*is\\* \\[all\\] you need](https://arxiv.org/abs/2601.00001)**  \n  \
             Ada Lovelace and Alan Turing  \n  \
             matched: attention · ▲ 12  \n  \
             We show\\_that \\<b\\>x\\</b\\>.\n\
             \n\
             _and 2 more_\n"
        );
    }
}
