//! Derives the list of Jobber's webhook topics (`src/topics.rs` includes it) from
//! `WebHookTopicEnum` in the vendored 2023 schema and in the newer fragments, so the list cannot
//! drift from the schema files: a topic added to either file is in the next build.

use std::{env, fs, path::PathBuf};

const SOURCES: [&str; 2] = ["schema/jobber.graphql", "schema/current-fragments.graphql"];

fn main() {
    let mut topics: Vec<String> = Vec::new();
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
        let sdl = fs::read_to_string(source).unwrap_or_else(|e| panic!("reading {source}: {e}"));
        let values = enum_values(&sdl, "WebHookTopicEnum")
            .unwrap_or_else(|| panic!("{source} has no `enum WebHookTopicEnum`"));
        for value in values {
            if !topics.contains(&value) {
                topics.push(value);
            }
        }
    }
    let mut out =
        String::from("/// Every `WebHookTopicEnum` value: the 2023 schema's, then the newer ones.\n");
    out.push_str(&format!("pub const WEBHOOK_TOPICS: [&str; {}] = [\n", topics.len()));
    for topic in &topics {
        out.push_str(&format!("    {topic:?},\n"));
    }
    out.push_str("];\n");
    let path = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("webhook_topics.rs");
    fs::write(path, out).expect("writing the topic list");
}

/// The values of `enum NAME { … }` in SDL: descriptions (`"""…"""`, `"…"`), comments (`#`) and
/// directives (`@deprecated(…)`) skipped.
fn enum_values(sdl: &str, name: &str) -> Option<Vec<String>> {
    let start = sdl.find(&format!("enum {name} {{"))?;
    let body = &sdl[start..];
    let body = &body[body.find('{')? + 1..];
    let mut values = Vec::new();
    let mut rest = body;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("\"\"\"") {
            rest = &after[after.find("\"\"\"")? + 3..];
        } else if let Some(after) = rest.strip_prefix('"') {
            rest = &after[after.find('"')? + 1..];
        } else if rest.starts_with('#') {
            rest = rest.find('\n').map_or("", |i| &rest[i..]);
        } else if rest.starts_with('}') {
            return Some(values);
        } else if let Some(after) = rest.strip_prefix('@') {
            let end = after.find(|c: char| c.is_whitespace() || c == '(' || c == '}').unwrap_or(after.len());
            rest = &after[end..];
            if let Some(args) = rest.trim_start().strip_prefix('(') {
                rest = &args[args.find(')')? + 1..];
            }
        } else {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            values.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
}
