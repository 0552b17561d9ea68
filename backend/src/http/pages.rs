//! Server-rendered pages (OAuth outcomes the SPA cannot show: a sign-in that could not be
//! verified, too many attempts, "switch account?", an expired confirmation), in the SPA's look:
//! they link the stylesheet and icons the frontend build puts at the root of `SPA_DIR`
//! (`/server-pages.css`, `/favicon.svg`, `/logo.svg`). The markup is the one
//! `frontend/SERVER_PAGES.md` documents: `lang`, a header linking home, `main` with one card
//! labelled by its `h1`, and a footer with the version; a test here holds the two together.
//!
//! A handful of fixed pages with a few interpolated values do not need a template engine: every
//! interpolated value goes through [`escape`]. No inline script or style (the CSP forbids them).

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

/// What a page offers at its end.
pub enum Action<'a> {
    /// A link styled as a button.
    Link { label: &'a str, href: &'a str, primary: bool },
    /// A same-origin POST with hidden fields, as a button.
    Post { label: &'a str, action: &'a str, fields: &'a [(&'a str, &'a str)], primary: bool },
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page with a title, a heading, paragraphs (plain text, escaped) and actions.
pub fn render(
    status: StatusCode,
    title: &str,
    heading: &str,
    paragraphs: &[&str],
    actions: &[Action<'_>],
) -> Response {
    let mut res = (status, Html(page_html(title, heading, paragraphs, actions))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The document [`render`] answers with.
fn page_html(title: &str, heading: &str, paragraphs: &[&str], actions: &[Action<'_>]) -> String {
    let app = crate::APP_NAME;
    let version = env!("CARGO_PKG_VERSION");
    let mut body = String::with_capacity(1024);
    for p in paragraphs {
        body.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if !actions.is_empty() {
        body.push_str("<div class=\"sp-actions\">");
        for action in actions {
            body.push_str(&action_html(action));
        }
        body.push_str("</div>");
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {app}</title>\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/server-pages.css\"></head>\
         <body><header class=\"sp-header\">\
         <a href=\"/\"><img src=\"/logo.svg\" alt=\"\" width=\"28\" height=\"28\"><span>{app}</span></a></header>\
         <main class=\"sp-main\"><section class=\"sp-card\" aria-labelledby=\"sp-title\">\
         <h1 id=\"sp-title\">{heading}</h1>{body}</section></main>\
         <footer class=\"sp-footer\"><span>{app} {version}</span></footer></body></html>",
        title = escape(title),
        heading = escape(heading),
    )
}

fn action_html(action: &Action<'_>) -> String {
    let class = |primary: bool| {
        if primary { "sp-button sp-button--primary" } else { "sp-button sp-button--secondary" }
    };
    match action {
        Action::Link { label, href, primary } => {
            format!("<a class=\"{}\" href=\"{}\">{}</a>", class(*primary), escape(href), escape(label))
        }
        Action::Post { label, action, fields, primary } => {
            let hidden: String = fields
                .iter()
                .map(|(k, v)| {
                    format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(k), escape(v))
                })
                .collect();
            format!(
                "<form method=\"post\" action=\"{}\">{hidden}<button class=\"{}\" type=\"submit\">{}</button></form>",
                escape(action),
                class(*primary),
                escape(label)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    /// The example in `frontend/SERVER_PAGES.md` without its optional lines (notice, quieter
    /// line, Sandbox badge), its `…` filled in order, the whitespace between tags dropped.
    fn documented(fill: &[&str]) -> String {
        let doc = include_str!("../../../frontend/SERVER_PAGES.md");
        let (_, rest) = doc.split_once("```html\n").expect("SERVER_PAGES.md has an html block");
        let (block, _) = rest.split_once("```").expect("the html block ends");
        let optional = ["sp-notice", "sp-subdued", "sp-badge"];
        let mut html = String::new();
        for line in block.lines().filter(|l| !optional.iter().any(|o| l.contains(o))) {
            let line = match line.find("<!--") {
                Some(at) => &line[..at],
                None => line,
            };
            html.push_str(line.trim());
        }
        let mut parts = html.split('…');
        let mut out = parts.next().unwrap_or_default().to_owned();
        for (i, part) in parts.enumerate() {
            out.push_str(fill.get(i).expect("a value for every …"));
            out.push_str(part);
        }
        out.replace("Fieldsync 0.1.0", &format!("{} {}", crate::APP_NAME, env!("CARGO_PKG_VERSION")))
    }

    #[test]
    fn renders_the_documented_markup() {
        let html = page_html(
            "Switch account?",
            "Continue as Green Thumb Landscaping?",
            &["You're signed in to another account."],
            &[
                Action::Post {
                    label: "Continue",
                    action: "/auth/jobber/confirm",
                    fields: &[("token", "t0k3n")],
                    primary: true,
                },
                Action::Link { label: "Cancel", href: "/manage", primary: false },
            ],
        );
        let want = documented(&[
            "Switch account?",
            "Continue as Green Thumb Landscaping?",
            "You&#39;re signed in to another account.",
            "/auth/jobber/confirm",
            "t0k3n",
            "Continue",
        ]);
        assert_eq!(html, want);
    }

    #[test]
    fn a_page_without_actions_has_no_empty_row() {
        let html = page_html("Gone", "Gone", &["Nothing here."], &[]);
        assert!(!html.contains("sp-actions"), "{html}");
        assert!(html.contains("<p>Nothing here.</p></section>"), "{html}");
    }
}
