//! Messages in and out of the shell: reading them from stdin (lines, separated parts, raw frames) and
//! printing them (text, hex, JSON, raw frames).

use std::io::{self, BufRead, Read, Write};

use bytes::Bytes;
use clap::ValueEnum;

/// A message: its frames (parts), in order.
pub(crate) type Message = Vec<Bytes>;

/// How received messages are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// The frames as they are, joined by the separator, one message per line.
    Text,
    /// Each frame in lower-case hexadecimal, joined by the separator, one message per line.
    Hex,
    /// One JSON array per line: a frame is a string if it is UTF-8, else `{"hex": "..."}`.
    Json,
    /// ZMTP 3 frame encoding (flags byte, 1- or 8-byte size, body): what `--raw` reads.
    Raw,
}

/// How input messages are split into frames.
#[derive(Debug, Clone)]
pub(crate) enum InputMode {
    /// One single-frame message per line.
    Lines,
    /// One message per line, frames separated by this byte string.
    Multipart(Vec<u8>),
    /// Binary frames in ZMTP 3 encoding.
    Raw,
}

impl InputMode {
    /// Splits one line (without its line ending) into a message.
    pub(crate) fn split_line(&self, line: &[u8]) -> Message {
        match self {
            Self::Multipart(sep) if !sep.is_empty() => split(line, sep)
                .into_iter()
                .map(Bytes::copy_from_slice)
                .collect(),
            _ => vec![Bytes::copy_from_slice(line)],
        }
    }
}

fn split<'a>(mut s: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(i) = s.windows(sep.len()).position(|w| w == sep) {
        parts.push(&s[..i]);
        s = &s[i + sep.len()..];
    }
    parts.push(s);
    parts
}

/// Reads messages from a byte stream in the given mode.
#[derive(Debug)]
pub(crate) struct MessageReader<R> {
    input: R,
    mode: InputMode,
}

impl<R: BufRead> MessageReader<R> {
    /// A reader of `input`.
    pub(crate) fn new(input: R, mode: InputMode) -> Self {
        Self { input, mode }
    }

    /// The next message, or `None` at the end of the input.
    ///
    /// # Errors
    /// Read errors, and raw input that ends inside a message.
    pub(crate) fn next_message(&mut self) -> io::Result<Option<Message>> {
        if let InputMode::Raw = self.mode {
            return read_raw_message(&mut self.input);
        }
        let mut line = Vec::new();
        if self.input.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        Ok(Some(self.mode.split_line(&line)))
    }
}

impl<R: BufRead> Iterator for MessageReader<R> {
    type Item = io::Result<Message>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_message().transpose()
    }
}

const MORE: u8 = 0x01;
const LONG: u8 = 0x02;

/// Reads one message of ZMTP-encoded frames; `None` at a clean end of input (between messages).
fn read_raw_message(input: &mut impl Read) -> io::Result<Option<Message>> {
    let mut parts = Vec::new();
    loop {
        let mut flags = [0u8; 1];
        if input.read(&mut flags)? == 0 {
            if parts.is_empty() {
                return Ok(None);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "raw input ended inside a multipart message",
            ));
        }
        let flags = flags[0];
        if flags & !(MORE | LONG) != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("raw input: bad frame flags 0x{flags:02x} (only MORE 0x01 and LONG 0x02 are allowed)"),
            ));
        }
        let size = if flags & LONG != 0 {
            let mut b = [0u8; 8];
            input.read_exact(&mut b)?;
            u64::from_be_bytes(b)
        } else {
            let mut b = [0u8; 1];
            input.read_exact(&mut b)?;
            u64::from(b[0])
        };
        let size = usize::try_from(size).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, "raw input: frame too large")
        })?;
        let mut body = vec![0u8; size];
        input.read_exact(&mut body)?;
        parts.push(Bytes::from(body));
        if flags & MORE == 0 {
            return Ok(Some(parts));
        }
    }
}

/// Writes a message as ZMTP-encoded frames.
pub(crate) fn write_raw_message(out: &mut impl Write, msg: &[Bytes]) -> io::Result<()> {
    for (i, part) in msg.iter().enumerate() {
        let more = if i + 1 < msg.len() { MORE } else { 0 };
        if let Ok(small) = u8::try_from(part.len()) {
            out.write_all(&[more, small])?;
        } else {
            out.write_all(&[more | LONG])?;
            out.write_all(&(part.len() as u64).to_be_bytes())?;
        }
        out.write_all(part)?;
    }
    Ok(())
}

/// Lower-case hexadecimal of `data`.
pub(crate) fn hex(data: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(data.len() * 2);
    for b in data {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `s` as a JSON string literal, quotes included.
pub(crate) fn json_string(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A message as a JSON array: UTF-8 frames as strings, others as `{"hex": "..."}`.
pub(crate) fn json_message(msg: &[Bytes]) -> String {
    let parts: Vec<String> = msg
        .iter()
        .map(|p| match std::str::from_utf8(p) {
            Ok(s) => json_string(s),
            Err(_) => format!("{{\"hex\":\"{}\"}}", hex(p)),
        })
        .collect();
    format!("[{}]", parts.join(","))
}

/// The frames of `msg` after its routing envelope: everything up to and including the first empty
/// frame. A message without an empty frame loses its first frame if `router` (a ROUTER's peer id),
/// else nothing.
pub(crate) fn strip_envelope(msg: &[Bytes], router: bool) -> &[Bytes] {
    match msg.iter().position(|p| p.is_empty()) {
        Some(i) => &msg[i + 1..],
        None if router && !msg.is_empty() => &msg[1..],
        None => msg,
    }
}

/// The routing envelope of `msg`, the complement of [`strip_envelope`].
pub(crate) fn envelope(msg: &[Bytes], router: bool) -> &[Bytes] {
    let body = strip_envelope(msg, router).len();
    &msg[..msg.len() - body]
}

/// Prints received messages in one format.
#[derive(Debug)]
pub(crate) struct Printer<W> {
    out: W,
    format: Format,
    separator: Vec<u8>,
}

impl<W: Write> Printer<W> {
    /// A printer to `out`; `separator` goes between the frames of a message in text and hex.
    pub(crate) fn new(out: W, format: Format, separator: &str) -> Self {
        Self {
            out,
            format,
            separator: separator.as_bytes().to_vec(),
        }
    }

    /// Prints one message and flushes, so that a reader at the other end of a pipe sees it at once.
    ///
    /// # Errors
    /// Write errors (a closed pipe...).
    pub(crate) fn print(&mut self, msg: &[Bytes]) -> io::Result<()> {
        match self.format {
            Format::Text => {
                for (i, part) in msg.iter().enumerate() {
                    if i > 0 {
                        self.out.write_all(&self.separator)?;
                    }
                    self.out.write_all(part)?;
                }
                self.out.write_all(b"\n")?;
            }
            Format::Hex => {
                for (i, part) in msg.iter().enumerate() {
                    if i > 0 {
                        self.out.write_all(&self.separator)?;
                    }
                    self.out.write_all(hex(part).as_bytes())?;
                }
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                self.out.write_all(json_message(msg).as_bytes())?;
                self.out.write_all(b"\n")?;
            }
            Format::Raw => write_raw_message(&mut self.out, msg)?,
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(parts: &[&str]) -> Message {
        parts
            .iter()
            .map(|p| Bytes::copy_from_slice(p.as_bytes()))
            .collect()
    }

    #[test]
    fn lines_and_multipart() {
        let input: &[u8] = b"a|b\r\n\nlast|";
        let lines: Vec<_> = MessageReader::new(input, InputMode::Lines)
            .map(Result::unwrap)
            .collect();
        assert_eq!(lines, vec![msg(&["a|b"]), msg(&[""]), msg(&["last|"])]);
        let parts: Vec<_> = MessageReader::new(input, InputMode::Multipart(b"|".to_vec()))
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            parts,
            vec![msg(&["a", "b"]), msg(&[""]), msg(&["last", ""])]
        );
    }

    #[test]
    fn raw_round_trip() {
        let big = "x".repeat(300);
        let messages = vec![msg(&["one"]), msg(&["", "two", &big])];
        let mut encoded = Vec::new();
        for m in &messages {
            write_raw_message(&mut encoded, m).unwrap();
        }
        let decoded: Vec<_> = MessageReader::new(&encoded[..], InputMode::Raw)
            .map(Result::unwrap)
            .collect();
        assert_eq!(decoded, messages);
        let truncated = &encoded[..encoded.len() - 1];
        assert!(MessageReader::new(truncated, InputMode::Raw).any(|r| r.is_err()));
    }

    #[test]
    fn formats() {
        let m = vec![
            Bytes::from_static(b"id"),
            Bytes::new(),
            Bytes::from_static(b"h\"i\n"),
            Bytes::from_static(b"\xff"),
        ];
        let mut out = Vec::new();
        let mut p = Printer::new(&mut out, Format::Json, "|");
        p.print(&m).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[\"id\",\"\",\"h\\\"i\\n\",{\"hex\":\"ff\"}]\n"
        );
        let mut out = Vec::new();
        Printer::new(&mut out, Format::Hex, " ").print(&m).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "6964  6822690a ff\n");
        assert_eq!(strip_envelope(&m, true), &m[2..]);
        assert_eq!(envelope(&m, true), &m[..2]);
        assert_eq!(strip_envelope(&m[2..], true), &m[3..]);
        assert_eq!(strip_envelope(&m[2..], false), &m[2..]);
    }
}
