//! A [`Reply`] as an email: a plain-text part and an HTML part (pure).
//!
//! The HTML is what mail clients render reliably: one centred table 600 px wide, inline
//! styles, no external images, fonts or scripts, and colours chosen to stay readable when
//! Gmail, Outlook or Apple Mail apply their dark modes (a `color-scheme` meta tag plus a
//! `prefers-color-scheme` block for clients that honour it). Every piece of text is
//! escaped; links are only ever http(s). Header values are made single-line here too, and
//! encoded again by the message builder.

use crate::reply::{Block, PaperItem, Reply};

/// The two bodies of one mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailBody {
    pub text: String,
    pub html: String,
}

/// The links under every digest.
#[derive(Clone, Copy, Debug)]
pub struct DigestFooter<'a> {
    pub manage_url: &'a str,
    pub unsubscribe_url: &'a str,
    pub search_url: &'a str,
}

/// A short mail that asks for one action (confirm, manage).
#[derive(Clone, Copy, Debug)]
pub struct Notice<'a> {
    pub heading: &'a str,
    pub paragraphs: &'a [String],
    pub action_label: &'a str,
    pub action_url: &'a str,
    /// Said below the button, in small print.
    pub footnote: &'a str,
}

/// Characters that mean something in HTML text and attributes, escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A link target fit for an `href`: http(s) only, escaped; anything else is no link.
pub fn safe_href(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| escape_html(url.trim()))
}

/// A header value on one line: control characters (CR, LF) become spaces, runs of
/// whitespace one space, and it is cut at `max_chars`.
pub fn header_text(text: &str, max_chars: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let single = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::text::truncate_chars(&single, max_chars).to_owned()
}

const TEXT_COLOUR: &str = "#1f2328";
const MUTED_COLOUR: &str = "#57606a";
const LINK_COLOUR: &str = "#0b57d0";
const BORDER_COLOUR: &str = "#d0d7de";
const FONT: &str = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

/// A digest mail: the reply's blocks, then the manage / unsubscribe footer.
pub fn render_digest(subject: &str, reply: &Reply, footer: &DigestFooter<'_>) -> EmailBody {
    let mut text = String::new();
    let mut html = String::new();
    for block in &reply.blocks {
        match block {
            Block::Heading(heading) => {
                text.push_str(&format!(
                    "{heading}\n{}\n\n",
                    "=".repeat(heading.chars().count().min(60))
                ));
                html.push_str(&row(&format!(
                    "<h2 style=\"margin:8px 0 4px;font-size:18px;line-height:1.3;color:{TEXT_COLOUR};\">{}</h2>",
                    escape_html(heading)
                )));
            }
            Block::Text(paragraph) => {
                text.push_str(&format!("{paragraph}\n\n"));
                html.push_str(&row(&paragraph_html(paragraph, TEXT_COLOUR)));
            }
            Block::Hint(hint) => {
                text.push_str(&format!("{hint}\n\n"));
                html.push_str(&row(&paragraph_html(hint, MUTED_COLOUR)));
            }
            Block::List(lines) => {
                let mut items = String::new();
                for line in lines {
                    text.push_str(&format!("- {line}\n"));
                    items.push_str(&format!("<li>{}</li>", escape_html(line)));
                }
                text.push('\n');
                html.push_str(&row(&format!(
                    "<ul style=\"margin:0 0 12px;padding-left:20px;color:{TEXT_COLOUR};\">{items}</ul>"
                )));
            }
            Block::Papers(items) => {
                for item in items {
                    text.push_str(&item_text(item));
                    html.push_str(&row(&item_html(item)));
                }
            }
        }
    }
    text.push_str(&format!(
        "--\nManage your follows, schedule and time zone: {}\nUnsubscribe: {}\nSearch papers: {}\n",
        footer.manage_url, footer.unsubscribe_url, footer.search_url
    ));
    let links = [
        ("Manage follows and schedule", footer.manage_url),
        ("Search papers", footer.search_url),
        ("Unsubscribe", footer.unsubscribe_url),
    ]
    .iter()
    .filter_map(|(label, url)| {
        safe_href(url)
            .map(|href| format!("<a href=\"{href}\" style=\"color:{LINK_COLOUR};\">{label}</a>"))
    })
    .collect::<Vec<_>>()
    .join(" &middot; ");
    html.push_str(&row(&format!(
        "<p style=\"margin:16px 0 0;padding-top:12px;border-top:1px solid {BORDER_COLOUR};font-size:13px;color:{MUTED_COLOUR};\">You get this because you subscribed to paperboy digests. {links}</p>"
    )));
    EmailBody {
        text,
        html: page(subject, &html),
    }
}

/// A one-action mail (confirmation, manage link).
pub fn render_notice(subject: &str, notice: &Notice<'_>) -> EmailBody {
    let mut text = format!("{}\n\n", notice.heading);
    let mut html = row(&format!(
        "<h2 style=\"margin:8px 0 12px;font-size:20px;color:{TEXT_COLOUR};\">{}</h2>",
        escape_html(notice.heading)
    ));
    for paragraph in notice.paragraphs {
        text.push_str(&format!("{paragraph}\n\n"));
        html.push_str(&row(&paragraph_html(paragraph, TEXT_COLOUR)));
    }
    text.push_str(&format!(
        "{}:\n{}\n\n{}\n",
        notice.action_label, notice.action_url, notice.footnote
    ));
    if let Some(href) = safe_href(notice.action_url) {
        html.push_str(&row(&format!(
            "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr><td style=\"border-radius:6px;background:{LINK_COLOUR};\"><a href=\"{href}\" style=\"display:inline-block;padding:12px 20px;font-size:16px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:6px;\">{}</a></td></tr></table>",
            escape_html(notice.action_label)
        )));
        html.push_str(&row(&format!(
            "<p style=\"margin:12px 0 0;font-size:13px;color:{MUTED_COLOUR};word-break:break-all;\">Or open this link: <a href=\"{href}\" style=\"color:{LINK_COLOUR};\">{href}</a></p>"
        )));
    }
    html.push_str(&row(&format!(
        "<p style=\"margin:16px 0 0;font-size:13px;color:{MUTED_COLOUR};\">{}</p>",
        escape_html(notice.footnote)
    )));
    EmailBody {
        text,
        html: page(subject, &html),
    }
}

fn paragraph_html(text: &str, colour: &str) -> String {
    format!(
        "<p style=\"margin:0 0 12px;font-size:15px;line-height:1.5;color:{colour};\">{}</p>",
        escape_html(text).replace('\n', "<br>")
    )
}

fn item_text(item: &PaperItem) -> String {
    let mut out = format!("* {}\n  {}\n  {}\n", item.title, item.authors, item.url);
    let facts = facts(item);
    if !facts.is_empty() {
        out.push_str(&format!("  {}\n", facts.join(" · ")));
    }
    if !item.snippet.is_empty() {
        out.push_str(&format!("  {}\n", item.snippet));
    }
    out.push('\n');
    out
}

fn facts(item: &PaperItem) -> Vec<String> {
    let mut facts = Vec::new();
    if !item.matched.is_empty() {
        facts.push(format!("matched: {}", item.matched.join(", ")));
    }
    if !item.shared.is_empty() {
        facts.push(format!("shares: {}", item.shared.join(", ")));
    }
    if let Some(upvotes) = item.upvotes {
        facts.push(format!(
            "{upvotes} upvote{}",
            if upvotes == 1 { "" } else { "s" }
        ));
    }
    facts
}

fn item_html(item: &PaperItem) -> String {
    let title = escape_html(&item.title);
    let title = match safe_href(&item.url) {
        Some(href) => format!(
            "<a href=\"{href}\" style=\"color:{LINK_COLOUR};text-decoration:none;\">{title}</a>"
        ),
        None => title,
    };
    let mut out = format!(
        "<div style=\"padding:12px 0;border-bottom:1px solid {BORDER_COLOUR};\"><div style=\"font-size:16px;font-weight:bold;line-height:1.35;\">{title}</div><div style=\"font-size:14px;color:{MUTED_COLOUR};margin-top:2px;\">{}</div>",
        escape_html(&item.authors)
    );
    let facts = facts(item);
    if !facts.is_empty() {
        out.push_str(&format!(
            "<div style=\"font-size:13px;color:{MUTED_COLOUR};margin-top:4px;\">{}</div>",
            escape_html(&facts.join(" · "))
        ));
    }
    if !item.snippet.is_empty() {
        out.push_str(&format!(
            "<div style=\"font-size:14px;line-height:1.45;color:{TEXT_COLOUR};margin-top:6px;\">{}</div>",
            escape_html(&item.snippet)
        ));
    }
    out.push_str("</div>");
    out
}

fn row(content: &str) -> String {
    format!("<tr><td class=\"pb-cell\" style=\"padding:0 24px;\">{content}</td></tr>\n")
}

fn page(title: &str, rows: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\"><meta name=\"supported-color-schemes\" content=\"light dark\"><title>{}</title>\
<style>@media (prefers-color-scheme: dark){{.pb-body,.pb-card{{background:#161b22 !important;}}.pb-card td,.pb-card p,.pb-card div,.pb-card h2,.pb-card li{{color:#e6edf3 !important;}}.pb-card a{{color:#79c0ff !important;}}}}@media (max-width:620px){{.pb-card{{width:100% !important;}}.pb-cell{{padding:0 12px !important;}}}}</style></head>\n\
<body class=\"pb-body\" style=\"margin:0;padding:0;background:#f6f8fa;font-family:{FONT};\">\n\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"background:#f6f8fa;\"><tr><td align=\"center\" style=\"padding:16px 8px;\">\n\
<table role=\"presentation\" class=\"pb-card\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"width:600px;max-width:600px;background:#ffffff;border:1px solid {BORDER_COLOUR};border-radius:8px;font-family:{FONT};color:{TEXT_COLOUR};\">\n\
<tr><td style=\"padding:16px 24px 0;font-size:13px;letter-spacing:0.05em;text-transform:uppercase;color:{MUTED_COLOUR};\">paperboy</td></tr>\n\
{rows}<tr><td style=\"padding:0 0 16px;\"></td></tr></table>\n</td></tr></table>\n</body></html>\n",
        escape_html(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, url: &str) -> PaperItem {
        PaperItem {
            id: "2601.00001".into(),
            title: title.into(),
            authors: "Ada Lovelace and Alan Turing".into(),
            url: url.into(),
            matched: vec!["diffusion".into()],
            shared: vec![],
            upvotes: Some(12),
            snippet: "We <b>show</b> that & more.".into(),
        }
    }

    const FOOTER: DigestFooter<'static> = DigestFooter {
        manage_url: "https://p.example/manage?token=m",
        unsubscribe_url: "https://p.example/unsubscribe?token=u",
        search_url: "https://p.example/search",
    };

    #[test]
    fn a_digest_has_both_parts_with_every_fact_and_the_footer() {
        let reply = Reply::new()
            .with(Block::Heading("New for your follows".into()))
            .with(Block::Papers(vec![item(
                "Diffusion <script>alert(1)</script>",
                "https://arxiv.org/abs/2601.00001",
            )]));
        let body = render_digest("paperboy: 1 new paper for diffusion", &reply, &FOOTER);
        assert_eq!(
            body.text,
            "New for your follows\n====================\n\n\
* Diffusion <script>alert(1)</script>\n  Ada Lovelace and Alan Turing\n  https://arxiv.org/abs/2601.00001\n  matched: diffusion · 12 upvotes\n  We <b>show</b> that & more.\n\n\
--\nManage your follows, schedule and time zone: https://p.example/manage?token=m\nUnsubscribe: https://p.example/unsubscribe?token=u\nSearch papers: https://p.example/search\n"
        );
        assert!(!body.html.contains("<script>"));
        assert!(
            body.html
                .contains("Diffusion &lt;script&gt;alert(1)&lt;/script&gt;")
        );
        assert!(
            body.html
                .contains("We &lt;b&gt;show&lt;/b&gt; that &amp; more.")
        );
        assert!(
            body.html
                .contains("href=\"https://arxiv.org/abs/2601.00001\"")
        );
        assert!(body.html.contains("matched: diffusion · 12 upvotes"));
        assert!(
            body.html
                .contains("href=\"https://p.example/unsubscribe?token=u\"")
        );
        assert!(body.html.contains("color-scheme"));
    }

    #[test]
    fn only_http_links_become_links() {
        let reply = Reply::new().with(Block::Papers(vec![item("T", "javascript:alert(1)")]));
        let body = render_digest("s", &reply, &FOOTER);
        assert!(!body.html.contains("javascript:"));
        assert_eq!(
            safe_href("HTTPS://a.org/?a=1&b=\"2\""),
            Some("HTTPS://a.org/?a=1&amp;b=&quot;2&quot;".into())
        );
        assert_eq!(safe_href("data:text/html,x"), None);
    }

    #[test]
    fn header_text_is_one_line() {
        assert_eq!(
            header_text("a\r\nBcc: evil@x.org\tb", 100),
            "a Bcc: evil@x.org b"
        );
        assert_eq!(header_text("abcdef", 3), "abc");
    }
}
