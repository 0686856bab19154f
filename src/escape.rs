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
    let _ = write_escaped(out, bytes);
}

/// Like [`escape_bytes`], writing to any `fmt::Write` (a `Formatter`, a JSON string) without
/// allocating.
pub fn write_escaped<W: Write + ?Sized>(out: &mut W, bytes: &[u8]) -> std::fmt::Result {
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        // Runs of harmless characters are written whole: the common case is all of it.
        let mut start = 0;
        for (i, c) in valid.char_indices() {
            if needs_escape(c) {
                out.write_str(&valid[start..i])?;
                write_char_escaped(out, c)?;
                start = i + c.len_utf8();
            }
        }
        out.write_str(&valid[start..])?;
        for b in chunk.invalid() {
            write_byte_escape(out, *b)?;
        }
    }
    Ok(())
}

fn needs_escape(c: char) -> bool {
    c == '\\' || c.is_ascii_control() || is_dangerous(c)
}

fn write_byte_escape<W: Write + ?Sized>(out: &mut W, b: u8) -> std::fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let buf = [
        b'\\',
        b'x',
        HEX[usize::from(b >> 4)],
        HEX[usize::from(b & 0xf)],
    ];
    out.write_str(std::str::from_utf8(&buf).map_err(|_| std::fmt::Error)?)
}

fn write_char_escaped<W: Write + ?Sized>(out: &mut W, c: char) -> std::fmt::Result {
    match c {
        '\\' => out.write_str("\\\\"),
        c if (c as u32) < 0x80 => write_byte_escape(out, c as u8),
        c => write!(out, "\\u{{{:04x}}}", c as u32),
    }
}

/// A `fmt::Write` that escapes what is written through it (as [`escape_str`]) before passing
/// it on: `write!(Escaping(out), "{w}")` shows any `Display` safely without a `String`.
pub struct Escaping<'a, W: Write + ?Sized>(pub &'a mut W);

impl<W: Write + ?Sized> Write for Escaping<'_, W> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        write_escaped(self.0, s.as_bytes())
    }
}

/// A `fmt::Write` that appends to a `String` as the inside of a JSON string literal, with
/// serde_json's escapes: text written through it becomes valid JSON without an intermediate
/// `String`.
pub struct JsonStr<'a>(pub &'a mut String);

impl Write for JsonStr<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let out = &mut *self.0;
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            let esc: &str = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..=0x1f => "",
                _ => continue,
            };
            out.push_str(&s[start..i]);
            if esc.is_empty() {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            } else {
                out.push_str(esc);
            }
            start = i + 1;
        }
        out.push_str(&s[start..]);
        Ok(())
    }
}

/// Appends `s` as a JSON string literal (quotes included).
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let _ = JsonStr(out).write_str(s);
    out.push('"');
}

/// Appends wire bytes as a JSON string literal: escaped for a terminal first (as
/// [`escape_bytes`]), then for JSON.
pub fn push_json_escaped(out: &mut String, bytes: &[u8]) {
    out.push('"');
    let _ = write_escaped(&mut JsonStr(out), bytes);
    out.push('"');
}

/// Escapes an already-decoded string (e.g. a DNS name we assembled).
pub fn escape_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = write_escaped(&mut out, s.as_bytes());
    out
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
    fn json_strings_match_serde_json() {
        for raw in [
            &b"plain"[..],
            b"a\x1b[31m\"q\"\\\x00\xff\xe2\x80\xae\x7f\t",
            "café \u{9b}".as_bytes(),
        ] {
            let mut ours = String::new();
            push_json_escaped(&mut ours, raw);
            assert_eq!(
                ours,
                serde_json::to_string(&escape_bytes(raw)).unwrap(),
                "{raw:?}"
            );
        }
        let tricky = "\"\\\n\r\t\x08\x0c\x01\x1f\x7f é";
        let mut ours = String::new();
        push_json_str(&mut ours, tricky);
        assert_eq!(ours, serde_json::to_string(tricky).unwrap());
    }

    #[test]
    fn c1_controls_are_escaped() {
        assert_eq!(escape_str("\u{9b}2J"), "\\u{009b}2J");
        assert!(!is_clean("\u{9b}"));
        assert!(is_clean("plain"));
    }
}
