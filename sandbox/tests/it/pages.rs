//! The HTML pages' markup: the consent screen (the app's real name, `lang`, landmarks,
//! labelled controls, a phone viewport, no fixed widths), its error page and the dashboard.
//! Contrast and axe run in the frontend's browser tests; this checks what markup can show.

use jobber_sandbox::SandboxConfig;

use crate::support::{REDIRECT, TestSandbox};

/// The start tags named `tag` in `html`, e.g. every `<select ...>`.
fn tags<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    html.match_indices(&open)
        .filter(|(i, _)| html[i + open.len()..].starts_with([' ', '>']))
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap() + 1])
        .collect()
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

/// What every page must have: English, a phone viewport, one h1, header + main landmarks, a
/// title, every visible control labelled, every button named, no fixed width beyond 390 px.
fn assert_accessible_shell(html: &str) {
    assert!(html.starts_with("<!doctype html><html lang=\"en\">"), "{html}");
    assert!(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
    assert!(html.contains("<title>") && !html.contains("<title></title>"));
    assert_eq!(tags(html, "main").len(), 1, "one main landmark");
    assert_eq!(tags(html, "header").len(), 1, "one banner");
    assert_eq!(tags(html, "h1").len(), 1, "one h1");
    let header = html.find("<header").unwrap();
    assert!(
        header < html.find("<main").unwrap() && html.find("</main>").unwrap() < html.find("<footer").unwrap()
    );
    for control in tags(html, "select").into_iter().chain(tags(html, "input")) {
        if attr(control, "type") == Some("hidden") {
            continue;
        }
        let id = attr(control, "id").unwrap_or_else(|| panic!("{control} has no id"));
        assert!(html.contains(&format!("<label for=\"{id}\">")), "{control} has no label");
    }
    for (i, _) in html.match_indices("<button") {
        let rest = &html[i..];
        let text = &rest[rest.find('>').unwrap() + 1..rest.find("</button>").unwrap()];
        assert!(!text.trim().is_empty() || attr(&rest[..rest.find('>').unwrap()], "aria-label").is_some());
    }
    for (i, _) in html.match_indices("width:") {
        let value: String = html[i + 6..].chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(px) = value.parse::<u32>() {
            assert!(px <= 390 || !html[i + 6 + value.len()..].starts_with("px"), "a {px}px width");
        }
    }
    assert!(!html.contains(" style=\""), "styles live in the stylesheet");
}

async fn consent_page(t: &TestSandbox) -> String {
    t.http
        .get(t.url("/api/oauth/authorize"))
        .query(&[("client_id", "sandbox-client-id"), ("redirect_uri", REDIRECT), ("state", "s")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_consent_page_names_the_app_and_is_accessible_markup() {
    let t = TestSandbox::start(SandboxConfig { app_name: "Fieldsync".into(), ..Default::default() }).await;
    let html = consent_page(&t).await;
    assert_accessible_shell(&html);
    assert!(html.contains("<title>Connect Fieldsync to Jobber</title>"), "{html}");
    assert!(html.contains("<h1>Connect Fieldsync to your Jobber account</h1>"));
    assert!(!html.contains("Sandbox App"), "the configured name, not the default");
    assert!(html.contains("<label for=\"account\">Account and user</label>"));
    assert!(html.contains("<select id=\"account\" name=\"account\">"));
    assert!(html.contains("value=\"allow\">Allow Access</button>"));
    assert!(html.contains("value=\"deny\">Deny</button>"));
    assert!(html.contains("<input type=\"hidden\" name=\"state\" value=\"s\">"));
    // The app's name is text, never markup.
    let odd =
        TestSandbox::start(SandboxConfig { app_name: "<b>Odd & Co</b>".into(), ..Default::default() }).await;
    let html = consent_page(&odd).await;
    assert!(html.contains("Connect &lt;b&gt;Odd &amp; Co&lt;/b&gt; to your Jobber account"));
}

#[tokio::test]
async fn the_error_page_uses_the_same_shell() {
    let t = TestSandbox::default().await;
    let html = t
        .http
        .get(t.url("/api/oauth/authorize"))
        .query(&[("client_id", "nobody"), ("redirect_uri", REDIRECT)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_accessible_shell(&html);
    assert!(html.contains("<h1>An error has occurred</h1><p id=\"error\">"));
}

#[tokio::test]
async fn the_dashboard_is_tidy_markup() {
    let t = TestSandbox::default().await;
    t.sandbox.add_user(&t.green(), "Jordan", "Lee", "jordan@greenthumb.example").unwrap();
    let html = t.http.get(t.url("/sandbox")).send().await.unwrap().text().await.unwrap();
    assert_accessible_shell(&html);
    assert!(html.contains("<h2 id=\"webhooks-h\">Webhook deliveries</h2>"));
    assert!(html.contains("<th scope=\"col\">Account</th>"));
    assert!(html.contains("<th scope=\"row\">Green Thumb Landscaping</th>"));
    assert!(html.contains("Jordan Lee &lt;jordan@greenthumb.example&gt;"));
    // The wide table scrolls inside a focusable, named region, never the page.
    assert!(
        html.contains("<div class=\"scroll\" role=\"region\" aria-label=\"Accounts table\" tabindex=\"0\">")
    );
}
