//! The web page's HTML (pure): plain `format!` with every piece of text escaped by
//! [`escape_html`] and every link built from the configured base URL. Pages work without
//! JavaScript; `/static/app.js` only pre-fills the time zone and shows a live preview count.
//! No external assets: one stylesheet and one script, both served by paperboy.

use crate::email::render::{escape_html, safe_href};
use crate::reply::{Block, PaperItem, Reply};
use crate::subscription::FieldError;

/// What every page needs to know.
#[derive(Clone, Copy, Debug)]
pub struct PageContext<'a> {
    /// The base URL's path ("" or e.g. `/paperboy`), for same-site links and form actions.
    pub base_path: &'a str,
}

impl PageContext<'_> {
    fn href(&self, path: &str) -> String {
        escape_html(&format!("{}{path}", self.base_path))
    }
}

/// A whole page around `body`.
pub fn layout(ctx: &PageContext<'_>, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"color-scheme\" content=\"light dark\">\
<title>{title} · paperboy</title>\
<link rel=\"stylesheet\" href=\"{css}\"></head>\n<body>\
<header><a class=\"brand\" href=\"{home}\">paperboy</a><nav><a href=\"{home}\">Subscribe</a> <a href=\"{search}\">Search</a> <a href=\"{related}\">Related</a></nav></header>\n\
<main>\n{body}\n</main>\n<script src=\"{js}\" defer></script></body></html>\n",
        title = escape_html(title),
        css = ctx.href("/static/app.css"),
        js = ctx.href("/static/app.js"),
        home = ctx.href("/"),
        search = ctx.href("/search"),
        related = ctx.href("/related"),
    )
}

/// What the subscribe form shows: the values typed so far, problems, a preview.
#[derive(Clone, Debug, Default)]
pub struct SubscribeView<'a> {
    pub email: &'a str,
    pub follows: &'a str,
    pub schedule: &'a str,
    pub time_zone: &'a str,
    pub form_token: &'a str,
    pub errors: &'a [FieldError],
    /// The `/preview` reply for the follows, when the reader asked for one.
    pub preview: Option<&'a Reply>,
}

/// Schedules offered in the list; any other friendly form or crontab is typed in.
const SCHEDULES: &[(&str, &str)] = &[
    ("daily 08:00", "Every day at 08:00"),
    ("weekdays 07:30", "Weekdays at 07:30"),
    ("weekly mon 09:00", "Mondays at 09:00"),
    ("daily 18:00", "Every day at 18:00"),
];

pub fn subscribe_page(ctx: &PageContext<'_>, view: &SubscribeView<'_>) -> String {
    let error_for = |field: &str| {
        let messages: Vec<String> = view
            .errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| escape_html(&e.message))
            .collect();
        if messages.is_empty() {
            String::new()
        } else {
            format!(
                "<p class=\"error\" id=\"{field}-error\" role=\"alert\">{}</p>",
                messages.join("<br>")
            )
        }
    };
    let invalid = |field: &str| {
        if view.errors.iter().any(|e| e.field == field) {
            format!(" aria-invalid=\"true\" aria-describedby=\"{field}-error {field}-help\"")
        } else {
            format!(" aria-describedby=\"{field}-help\"")
        }
    };
    let schedule_options: String = SCHEDULES
        .iter()
        .map(|(value, label)| format!("<option value=\"{value}\">{label}</option>"))
        .collect();
    let preview = match view.preview {
        Some(reply) => format!(
            "<section class=\"preview\" aria-live=\"polite\"><h2>Preview</h2>{}</section>",
            reply_html(reply)
        ),
        None => String::new(),
    };
    let body = format!(
        "<h1>Paper alerts for the topics you choose</h1>\
<p class=\"lead\">New arXiv and Hugging Face papers that match your follows, in your inbox on your schedule.</p>\
<form method=\"post\" action=\"{action}\" class=\"card\" novalidate>\
<input type=\"hidden\" name=\"form_token\" value=\"{token}\">\
<div class=\"field\"><label for=\"email\">Email address</label>\
<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required value=\"{email}\"{email_invalid}>\
<p class=\"help\" id=\"email-help\">We send one confirmation mail; nothing else until you confirm.</p>{email_error}</div>\
<div class=\"field two\"><div><label for=\"follows\">Follows, one per line</label>\
<textarea id=\"follows\" name=\"follows\" rows=\"5\" required placeholder=\"diffusion models&#10;au:lecun&#10;&quot;state space model&quot; -survey\"{follows_invalid}>{follows}</textarea>\
<p class=\"help\" id=\"follows-count\" aria-live=\"polite\"></p>{follows_error}</div>\
<aside class=\"help\" id=\"follows-help\"><strong>The follow language</strong><ul>\
<li><code>diffusion model</code>: every word, anywhere</li>\
<li><code>\"diffusion model\"</code>: the words side by side</li>\
<li><code>diffusion OR flow</code>, <code>(a OR b) c</code></li>\
<li><code>-survey</code>: without that word</li>\
<li><code>ti:word</code>, <code>abs:word</code>: in the title / abstract</li>\
<li><code>au:karpathy</code>: by that author</li>\
<li><code>cat:cs.CV</code>: in that arXiv category</li></ul></aside></div>\
<div class=\"field two\"><div><label for=\"schedule\">Schedule</label>\
<input id=\"schedule\" name=\"schedule\" list=\"schedules\" value=\"{schedule}\" required{schedule_invalid}>\
<datalist id=\"schedules\">{schedule_options}</datalist>\
<p class=\"help\" id=\"schedule-help\"><code>daily 08:00</code>, <code>weekdays 07:30</code>, <code>weekly mon 09:00</code> or a crontab such as <code>0 8 * * 1-5</code>.</p>{schedule_error}</div>\
<div><label for=\"time_zone\">Time zone</label>\
<input id=\"time_zone\" name=\"time_zone\" value=\"{time_zone}\" required autocomplete=\"off\"{zone_invalid}>\
<p class=\"help\" id=\"time_zone-help\">An IANA name such as <code>Europe/Berlin</code>.</p>{zone_error}</div></div>\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"subscribe\">Subscribe</button>\
<button type=\"submit\" name=\"action\" value=\"preview\" class=\"secondary\">Preview matches</button></div>\
</form>{preview}",
        action = ctx.href("/subscribe"),
        token = escape_html(view.form_token),
        email = escape_html(view.email),
        follows = escape_html(view.follows),
        schedule = escape_html(view.schedule),
        time_zone = escape_html(view.time_zone),
        email_invalid = invalid("email"),
        follows_invalid = invalid("follows"),
        schedule_invalid = invalid("schedule"),
        zone_invalid = invalid("time_zone"),
        email_error = error_for("email"),
        follows_error = error_for("follows"),
        schedule_error = error_for("schedule"),
        zone_error = error_for("time_zone"),
    );
    layout(ctx, "Subscribe", &body)
}

/// A page with a heading, paragraphs and optional extra HTML (already safe).
pub fn message_page(
    ctx: &PageContext<'_>,
    title: &str,
    paragraphs: &[&str],
    extra_html: &str,
) -> String {
    let text: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape_html(p)))
        .collect();
    layout(
        ctx,
        title,
        &format!(
            "<section class=\"card\"><h1>{}</h1>{text}{extra_html}</section>",
            escape_html(title)
        ),
    )
}

/// A form with one button posting hidden fields to `action` (an absolute URL built by us).
pub fn button_form(action: &str, fields: &[(&str, &str)], label: &str, class: &str) -> String {
    let hidden: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape_html(name),
                escape_html(value)
            )
        })
        .collect();
    format!(
        "<form method=\"post\" action=\"{}\" class=\"inline\">{hidden}<button type=\"submit\" class=\"{class}\">{}</button></form>",
        escape_html(action),
        escape_html(label)
    )
}

/// A link (http(s) only) with its label.
pub fn link(url: &str, label: &str) -> String {
    match safe_href(url) {
        Some(href) => format!("<a href=\"{href}\">{}</a>", escape_html(label)),
        None => escape_html(label),
    }
}

/// What the manage page shows.
#[derive(Clone, Debug)]
pub struct ManageView<'a> {
    pub email: &'a str,
    pub follows: &'a [String],
    pub schedule: &'a str,
    pub time_zone: &'a str,
    pub paused: bool,
    pub active: bool,
    /// The manage URL with its token (forms post back to it).
    pub action_url: &'a str,
    pub form_token: &'a str,
    /// What the last change said.
    pub notice: Option<&'a str>,
}

pub fn manage_page(ctx: &PageContext<'_>, view: &ManageView<'_>) -> String {
    let form = |action: &str, inner: &str, label: &str, class: &str| {
        format!(
            "<form method=\"post\" action=\"{url}\" class=\"inline\"><input type=\"hidden\" name=\"form_token\" value=\"{token}\"><input type=\"hidden\" name=\"action\" value=\"{action}\">{inner}<button type=\"submit\" class=\"{class}\">{label}</button></form>",
            url = escape_html(view.action_url),
            token = escape_html(view.form_token),
        )
    };
    let notice = view
        .notice
        .map(|n| {
            format!(
                "<p class=\"notice\" role=\"status\">{}</p>",
                escape_html(n).replace('\n', "<br>")
            )
        })
        .unwrap_or_default();
    if !view.active {
        let body = format!(
            "<section class=\"card\"><h1>Unsubscribed</h1>{notice}<p>{} gets no more digests. Your follows are kept in case you come back.</p>{}</section>",
            escape_html(view.email),
            form("resubscribe", "", "Subscribe again", "")
        );
        return layout(ctx, "Manage your subscription", &body);
    }
    let follows: String = if view.follows.is_empty() {
        "<p>No follows yet: add one below.</p>".to_owned()
    } else {
        let items: String = view
            .follows
            .iter()
            .enumerate()
            .map(|(i, follow)| {
                format!(
                    "<li><code>{}</code> {}</li>",
                    escape_html(follow),
                    form(
                        "unfollow",
                        &format!("<input type=\"hidden\" name=\"value\" value=\"{}\">", i + 1),
                        "Remove",
                        "secondary small"
                    )
                )
            })
            .collect();
        format!("<ul class=\"follows\">{items}</ul>")
    };
    let pause = if view.paused {
        form("resume", "", "Resume digests", "")
    } else {
        form("pause", "", "Pause digests", "secondary")
    };
    let body = format!(
        "<h1>Your subscription</h1>{notice}<section class=\"card\"><p>Digests for <strong>{email}</strong>: {schedule} ({zone}){paused}.</p></section>\
<section class=\"card\"><h2>Follows</h2>{follows}\
{add}</section>\
<section class=\"card\"><h2>Schedule and time zone</h2>{schedule_form}{zone_form}</section>\
<section class=\"card\"><h2>Pause or leave</h2>{pause} {unsubscribe}</section>",
        email = escape_html(view.email),
        schedule = escape_html(view.schedule),
        zone = escape_html(view.time_zone),
        paused = if view.paused { ", paused" } else { "" },
        add = form(
            "follow",
            "<label for=\"new-follow\">Add a follow</label> <input id=\"new-follow\" name=\"value\" required placeholder=\"diffusion models\"> ",
            "Follow",
            ""
        ),
        schedule_form = form(
            "schedule",
            &format!(
                "<label for=\"schedule\">Schedule</label> <input id=\"schedule\" name=\"value\" value=\"{}\" required> ",
                escape_html(view.schedule)
            ),
            "Save schedule",
            ""
        ),
        zone_form = form(
            "timezone",
            &format!(
                "<label for=\"time_zone\">Time zone</label> <input id=\"time_zone\" name=\"value\" value=\"{}\" required> ",
                escape_html(view.time_zone)
            ),
            "Save time zone",
            ""
        ),
        unsubscribe = form("unsubscribe", "", "Unsubscribe", "danger"),
    );
    layout(ctx, "Manage your subscription", &body)
}

/// The search or related page: a box, and the reply's results.
pub fn search_page(
    ctx: &PageContext<'_>,
    related: bool,
    query: &str,
    reply: Option<&Reply>,
) -> String {
    let (title, path, label, hint) = if related {
        (
            "Related papers",
            "/related",
            "An arXiv id, a link, a title or a few words",
            "e.g. 2403.01234 or sparse attention for long context",
        )
    } else {
        (
            "Search papers",
            "/search",
            "A query in the follow language",
            "e.g. \"state space model\" -survey",
        )
    };
    let results = reply.map(reply_html).unwrap_or_default();
    let body = format!(
        "<h1>{title}</h1><form method=\"get\" action=\"{action}\" class=\"card\" role=\"search\"><label for=\"q\">{label}</label>\
<div class=\"row\"><input id=\"q\" name=\"q\" value=\"{query}\" required aria-describedby=\"q-help\"><button type=\"submit\">{title_button}</button></div>\
<p class=\"help\" id=\"q-help\">{hint}</p></form><section aria-live=\"polite\">{results}</section>",
        action = ctx.href(path),
        query = escape_html(query),
        hint = escape_html(hint),
        title_button = if related { "Find related" } else { "Search" },
    );
    layout(ctx, title, &body)
}

/// A reply's blocks as HTML.
pub fn reply_html(reply: &Reply) -> String {
    let mut out = String::new();
    for block in &reply.blocks {
        match block {
            Block::Heading(text) => out.push_str(&format!("<h2>{}</h2>", escape_html(text))),
            Block::Text(text) => out.push_str(&format!("<p>{}</p>", escape_html(text))),
            Block::Hint(text) => {
                out.push_str(&format!("<p class=\"help\">{}</p>", escape_html(text)))
            }
            Block::List(lines) => {
                let items: String = lines
                    .iter()
                    .map(|l| format!("<li>{}</li>", escape_html(l)))
                    .collect();
                out.push_str(&format!("<ul>{items}</ul>"));
            }
            Block::Papers(items) => {
                let items: String = items.iter().map(paper_html).collect();
                out.push_str(&format!("<ol class=\"papers\">{items}</ol>"));
            }
        }
    }
    out
}

fn paper_html(item: &PaperItem) -> String {
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
    format!(
        "<li><h3>{}</h3><p class=\"authors\">{}</p><p class=\"facts\">{}</p><p>{}</p></li>",
        link(&item.url, &item.title),
        escape_html(&item.authors),
        escape_html(&facts.join(" · ")),
        escape_html(&item.snippet)
    )
}

/// The stylesheet: readable on phones and desktops, light and dark.
pub const STYLESHEET: &str = r#":root{color-scheme:light dark;--fg:#1f2328;--muted:#57606a;--bg:#f6f8fa;--card:#fff;--line:#d0d7de;--accent:#0b57d0;--danger:#b42318}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--card:#161b22;--line:#30363d;--accent:#79c0ff;--danger:#ff7b72}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:12px;justify-content:space-between;align-items:center;padding:12px 16px;border-bottom:1px solid var(--line);background:var(--card)}
header a{color:var(--fg);text-decoration:none;margin-right:12px}.brand{font-weight:bold}
main{max-width:860px;margin:0 auto;padding:16px}h1{font-size:1.6rem;line-height:1.25}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px;margin:16px 0}
label{display:block;font-weight:600;margin-bottom:4px}input,textarea{width:100%;font:inherit;padding:8px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
.field{margin-bottom:16px}.two{display:grid;grid-template-columns:1fr;gap:16px}@media (min-width:700px){.two{grid-template-columns:1fr 1fr}}
.help{color:var(--muted);font-size:.9rem;margin:4px 0}.help ul{padding-left:18px;margin:4px 0}
.error{color:var(--danger);font-weight:600;margin:4px 0}.notice{background:var(--card);border-left:4px solid var(--accent);padding:8px 12px}
button{font:inherit;font-weight:600;padding:8px 16px;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;margin:4px 4px 4px 0}
@media (prefers-color-scheme:dark){button{color:#0d1117}}
button.secondary{background:transparent;color:var(--accent)}button.danger{background:var(--danger);border-color:var(--danger)}button.small{padding:2px 8px;font-size:.85rem}
form.inline{display:inline}.follows li{margin:6px 0}.row{display:flex;gap:8px}.row input{flex:1}
.papers{padding-left:20px}.papers h3{font-size:1.05rem;margin:12px 0 0}.authors,.facts{color:var(--muted);margin:0;font-size:.9rem}
a{color:var(--accent)}code{font-size:.9em}
"#;

/// The script: pre-fills the time zone from the browser and shows the preview count as
/// the follows are typed. Everything works without it.
pub const SCRIPT: &str = r#"(function(){
var zone=document.getElementById('time_zone');
if(zone&&!zone.dataset.touched&&zone.form&&zone.form.querySelector('[name=email]')){try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;if(z&&(zone.value===''||zone.value==='UTC'))zone.value=z;}catch(e){}}
var box=document.getElementById('follows'),out=document.getElementById('follows-count');
if(!box||!out)return;
var timer=null,base=document.querySelector('link[rel=stylesheet]').getAttribute('href').replace(/\/static\/app\.css$/,'');
function update(){var lines=box.value.split('\n').map(function(l){return l.trim();}).filter(Boolean);
if(!lines.length){out.textContent='';return;}
Promise.all(lines.slice(0,10).map(function(q){return fetch(base+'/api/preview?q='+encodeURIComponent(q)).then(function(r){return r.json();});}))
.then(function(all){out.textContent=all.map(function(p){return p.summary;}).join(' · ');}).catch(function(){});}
box.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(update,400);});
if(box.value)update();
})();
"#;
