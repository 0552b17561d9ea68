//! Server-rendered pages (OAuth outcomes the SPA cannot show: a sign-in that could not be
//! verified, too many attempts, "switch account?"), in the SPA's look: they link the stylesheet
//! and icons the frontend build puts at the root of `SPA_DIR` (`/server-pages.css`,
//! `/favicon.svg`, `/logo.svg`; markup documented in `frontend/SERVER_PAGES.md`).
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
    let app = crate::APP_NAME;
    let mut body = String::with_capacity(1024);
    for p in paragraphs {
        body.push_str(&format!("<p>{}</p>", escape(p)));
    }
    let mut buttons = String::new();
    for action in actions {
        let class = |primary: bool| {
            if primary { "sp-button sp-button--primary" } else { "sp-button sp-button--secondary" }
        };
        match action {
            Action::Link { label, href, primary } => buttons.push_str(&format!(
                "<a class=\"{}\" href=\"{}\">{}</a>",
                class(*primary),
                escape(href),
                escape(label)
            )),
            Action::Post { label, action, fields, primary } => {
                let hidden: String = fields
                    .iter()
                    .map(|(k, v)| {
                        format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(k), escape(v))
                    })
                    .collect();
                buttons.push_str(&format!(
                    "<form method=\"post\" action=\"{}\">{hidden}<button class=\"{}\" type=\"submit\">{}</button></form>",
                    escape(action),
                    class(*primary),
                    escape(label)
                ));
            }
        }
    }
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {app}</title><link rel=\"icon\" href=\"/favicon.svg\">\
         <link rel=\"stylesheet\" href=\"/server-pages.css\"></head>\
         <body><header class=\"sp-header\"><img src=\"/logo.svg\" alt=\"\" width=\"28\" height=\"28\"><span>{app}</span></header>\
         <main class=\"sp-main\"><section class=\"sp-card\"><h1>{heading}</h1>{body}\
         <div class=\"sp-actions\">{buttons}</div></section></main></body></html>",
        title = escape(title),
        heading = escape(heading),
    );
    let mut res = (status, Html(html)).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
