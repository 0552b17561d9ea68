//! Jobber's `EncodedId`s: standard base64 of `gid://Jobber/<Type>/<n>`, and page cursors.
//! Pure functions; no state.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

/// `gid://Jobber/<ty>/<n>` base64-encoded, e.g. `Z2lkOi8vSm9iYmVyL0NsaWVudC8x` for Client 1.
pub fn encode(ty: &str, n: u64) -> String {
    STANDARD.encode(format!("gid://Jobber/{ty}/{n}"))
}

/// The number inside an EncodedId of type `ty`, or `None` for anything else.
pub fn decode(ty: &str, id: &str) -> Option<u64> {
    let raw = STANDARD.decode(id).or_else(|_| STANDARD_NO_PAD.decode(id)).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let rest = text.strip_prefix("gid://Jobber/")?;
    let (found_ty, n) = rest.split_once('/')?;
    if found_ty != ty {
        return None;
    }
    n.parse().ok()
}

/// A cursor for the 1-based position `pos`: unpadded base64 of the number, as Jobber's `"MQ"`.
pub fn cursor(pos: usize) -> String {
    STANDARD_NO_PAD.encode(pos.to_string())
}

/// The position inside a cursor.
pub fn decode_cursor(cursor: &str) -> Option<usize> {
    let raw = STANDARD_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    String::from_utf8(raw).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_jobber() {
        assert_eq!(encode("Client", 1), "Z2lkOi8vSm9iYmVyL0NsaWVudC8x");
        assert_eq!(decode("Client", "Z2lkOi8vSm9iYmVyL0NsaWVudC8x"), Some(1));
        assert_eq!(decode("Job", "Z2lkOi8vSm9iYmVyL0NsaWVudC8x"), None);
        assert_eq!(encode("Account", 430114), "Z2lkOi8vSm9iYmVyL0FjY291bnQvNDMwMTE0");
        assert_eq!(cursor(1), "MQ");
        assert_eq!(decode_cursor("MQ"), Some(1));
        assert_eq!(decode_cursor("garbage!"), None);
    }
}
