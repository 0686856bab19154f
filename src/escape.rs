//! Making bytes from the wire safe for a terminal, a text report or JSON.
//!
//! Everything a DHCP packet carries is attacker-controlled: hostnames, vendor classes, domain
//! names, sname/file. Control characters (C0, DEL, C1), escape sequences and bidirectional
//! overrides must never reach a terminal raw, so they are rendered as visible escapes.

use std::fmt::Write;

/// Escapes `bytes` for display: printable UTF-8 passes, everything else becomes `\xNN` or
/// `\u{NNNN}`, and a backslash becomes `\\` so the escaping is unambiguous.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    push_escaped(&mut out, bytes);
    out
}

/// Like [`escape_bytes`], appending to `out`.
pub fn push_escaped(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

/// Escapes an already-decoded string (e.g. a DNS name we assembled).
pub fn escape_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_char(&mut out, c);
    }
    out
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        c if (c as u32) < 0x80 && (c.is_ascii_control()) => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if is_dangerous(c) => {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// C1 controls, bidi embeddings/overrides/isolates and marks, line/paragraph separators,
/// zero-width and BOM characters: invisible or layout-changing in a terminal.
fn is_dangerous(c: char) -> bool {
    matches!(c as u32,
        0x80..=0x9f
        | 0x061c
        | 0x200b..=0x200f
        | 0x2028..=0x202e
        | 0x2060..=0x2069
        | 0xfeff
        | 0xfff9..=0xfffb)
}

/// True when `s` would be shown unchanged by [`escape_str`].
pub fn is_clean(s: &str) -> bool {
    !s.chars()
        .any(|c| c == '\\' || c.is_ascii_control() || is_dangerous(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_passes_unchanged() {
        assert_eq!(escape_bytes(b"laptop-42.example"), "laptop-42.example");
        assert_eq!(escape_bytes("café".as_bytes()), "café");
    }

    #[test]
    fn control_sequences_and_bidi_are_made_visible() {
        let hostile = b"a\x1b[31mred\x1b]52;c;aGVsbG8=\x07\xe2\x80\xaebidi\r\n\x00\xff\\";
        let shown = escape_bytes(hostile);
        assert_eq!(
            shown,
            "a\\x1b[31mred\\x1b]52;c;aGVsbG8=\\x07\\u{202e}bidi\\x0d\\x0a\\x00\\xff\\\\"
        );
        assert!(!shown.chars().any(|c| c.is_control()));
    }

    #[test]
    fn c1_controls_are_escaped() {
        assert_eq!(escape_str("\u{9b}2J"), "\\u{009b}2J");
        assert!(!is_clean("\u{9b}"));
        assert!(is_clean("plain"));
    }
}
