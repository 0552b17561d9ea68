//! Printing: aligned tables and the units the benchmarks report in.

use std::time::Duration;

/// Prints a table with a header row; columns are padded to their widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.len());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}", w = *w)).collect();
        println!("| {} |", padded.join(" | "));
    };
    line(headers.to_vec());
    println!("|{}|", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("|"));
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    println!();
}

/// A latency in milliseconds with enough digits for sub-millisecond figures.
pub fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1_000.0;
    if v < 10.0 { format!("{v:.2} ms") } else { format!("{v:.1} ms") }
}

/// A rate with thousands separators (`12,345/s`).
pub fn per_sec(v: f64) -> String {
    format!("{}/s", thousands(v.round() as u64))
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `a / b` as `0.42x` (`n/a` when `b` is zero).
pub fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 { format!("{:.2}x", a / b) } else { "n/a".to_owned() }
}

/// "met" / "MISSED" for a goal.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// The first lines of every report: what ran, when, where.
pub fn banner(title: &str) {
    println!("== {title} ==");
    println!(
        "date {} UTC; {} CPU(s) visible; load generator and server on this machine (127.0.0.1)",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(per_sec(1234.4), "1,234/s");
        assert_eq!(ratio(1.0, 4.0), "0.25x");
        assert_eq!(ratio(1.0, 0.0), "n/a");
        assert_eq!(ms(Duration::from_micros(420)), "0.42 ms");
    }
}
