//! The one page shell every HTML page of the sandbox uses (consent screen, its error page, the
//! dashboard): `<html lang="en">`, a viewport for phones, `header`/`main`/`footer` landmarks,
//! and a small stylesheet with AA contrast, visible focus and no horizontal scrolling at
//! 390 px. Pages put only escaped text into it.
//!
//! Hand-written rather than a template engine: three small pages, no logic beyond loops, and
//! `format!` keeps the markup next to the code that fills it.

/// Escapes text for HTML content and double- or single-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
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

/// Colours: body text #1f2933 on white (14.7:1), secondary text #52606d (6.4:1), the primary
/// button white on #0b6e4f (6.3:1), the header white on #1f2933; focus is a 3 px outline.
/// Only the dashboard's table may scroll sideways, inside a focusable named region; `pre`
/// wraps instead (a scrolling `pre` would have to be focusable, and cannot be named).
const STYLE: &str = "\
*,*::before,*::after{box-sizing:border-box}\
html{-webkit-text-size-adjust:100%}\
body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:1rem;\
line-height:1.5;color:#1f2933;background:#fff;overflow-wrap:anywhere}\
header{background:#1f2933;color:#fff;padding:.75rem 1rem}\
header p{margin:0;font-weight:600}\
main{max-width:40rem;margin:0 auto;padding:1rem}\
main.wide,footer.wide{max-width:72rem}\
footer{max-width:40rem;margin:0 auto;padding:1rem;color:#52606d;font-size:.875rem}\
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}\
h2{font-size:1.125rem;margin:1.5rem 0 .5rem}\
label{display:block;font-weight:600;margin:1rem 0 .25rem}\
select{display:block;width:100%;max-width:100%;font:inherit;padding:.5rem;border:1px solid #52606d;\
border-radius:4px;background:#fff;color:#1f2933}\
button{font:inherit;min-height:44px;padding:.5rem 1rem;border-radius:4px;border:1px solid #52606d;\
background:#fff;color:#1f2933;cursor:pointer}\
button.primary{background:#0b6e4f;border-color:#0b6e4f;color:#fff;font-weight:600}\
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}\
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.25rem}\
.hint{color:#52606d;font-size:.875rem;margin:.25rem 0 .75rem}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;width:100%}\
caption{text-align:left;font-weight:600;padding:.25rem 0}\
th,td{border:1px solid #cbd2d9;padding:.5rem;text-align:left;vertical-align:top}\
code{font-size:.8125rem;word-break:break-all}\
pre{background:#f5f7fa;padding:.75rem;font-size:.8125rem;white-space:pre-wrap}\
.state{font-weight:600}\
form.inline{display:inline}";

/// A whole page. `title`, `brand` and `footer` are plain text (escaped here); `main` is markup
/// built from escaped parts; `wide` lets tables use a desktop's width.
pub(crate) fn page(title: &str, brand: &str, main: &str, footer: &str, wide: bool) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <header><p>{brand}</p></header>\
         <main{class}>{main}</main>\
         <footer{class}><p>{footer}</p></footer></body></html>",
        title = escape(title),
        brand = escape(brand),
        class = if wide { " class=\"wide\"" } else { "" },
        footer = escape(footer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        let html = page("T <1>", "B", "<p>x</p>", "F", false);
        assert!(html.starts_with("<!doctype html><html lang=\"en\">"));
        assert!(html.contains("<title>T &lt;1&gt;</title>"));
    }
}
