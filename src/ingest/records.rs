//! Splits a DOJ research file into records and checks each one as a strict CSV reader would
//! (RFC 4180 quoting, like Go's `encoding/csv` without lazy quotes), streaming, with the
//! physical line number of every record.
//!
//! The same pass finds where every field starts, so that the fields clearstat uses are taken
//! out of a well-formed record without reading it again ([`Record::field`]). It never keeps
//! more than one record in memory, and it never puts a field value into a message.

use std::borrow::Cow;
use std::io::{self, BufRead};

use super::layout::{self, FIELD_COUNT};
use super::separators::split_plain;

/// The longest record accepted, in bytes; longer ones are rejected (a stray quote must not
/// swallow the rest of a multi-gigabyte file).
pub const MAX_RECORD_BYTES: usize = 16 << 20;
/// The most physical lines one record may span through quoted line breaks.
pub const MAX_RECORD_LINES: u64 = 100;
/// How much of a rejected record is kept for `rejected_rows.csv`.
pub const MAX_REJECTED_TEXT: usize = 64 << 10;

/// What is wrong with a record. Describes positions, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The record does not have 95 fields.
    WrongFieldCount { found: usize },
    /// A `"` inside a field that does not start with a quote.
    BareQuote { field: usize },
    /// A closing quote followed by something other than a separator or line end.
    TextAfterClosingQuote { field: usize },
    /// A quoted field still open at the end of the file or after [`MAX_RECORD_LINES`] lines.
    UnterminatedQuote { field: usize },
    /// Bytes that are not UTF-8 (use `--encoding latin1` for Latin-1 extracts).
    InvalidUtf8,
    /// A NUL byte: binary data, not text (a damaged or wrongly exported file).
    NulByte { field: usize },
    /// More than [`MAX_RECORD_BYTES`] bytes.
    TooLong,
}

impl Problem {
    /// A one-line description for messages and `rejected_rows.csv`.
    pub fn describe(&self) -> String {
        match self {
            Problem::WrongFieldCount { found } => {
                format!("wrong field count: expected {FIELD_COUNT} fields, found {found}")
            }
            Problem::BareQuote { field } => {
                format!("bare quote in unquoted field {}", field_label(*field))
            }
            Problem::TextAfterClosingQuote { field } => format!(
                "text after the closing quote of field {}",
                field_label(*field)
            ),
            Problem::UnterminatedQuote { field } => {
                format!("quoted field {} is never closed", field_label(*field))
            }
            Problem::InvalidUtf8 => {
                "invalid UTF-8 (if the file is Latin-1, rerun with --encoding latin1)".to_string()
            }
            Problem::NulByte { field } => format!(
                "NUL byte in field {} (binary data: is the file damaged or not a CSV export?)",
                field_label(*field)
            ),
            Problem::TooLong => format!("record longer than {} MiB", MAX_RECORD_BYTES >> 20),
        }
    }
}

/// "12 (PRI_NAME)": 1-based field number and, where it exists, its DOJ column name.
fn field_label(index: usize) -> String {
    if index < FIELD_COUNT {
        format!("{} ({})", index + 1, layout::name(index))
    } else {
        format!("{}", index + 1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Outcome of feeding one physical line to a [`FieldCounter`].
#[derive(Debug, PartialEq, Eq)]
enum Fed {
    /// The record ended with this line; it has this many fields.
    Complete(usize),
    /// A quoted field is still open: the record goes on on the next line.
    Open,
}

/// CSV tokenizer state carried across the physical lines of one record: where its separators
/// are.
struct FieldCounter {
    /// Offsets in the record of the separators found so far (a buffer reused between records).
    commas: Vec<usize>,
    /// Offset in the record of the line being fed.
    base: usize,
    state: State,
}

impl FieldCounter {
    fn new(mut commas: Vec<usize>) -> Self {
        commas.clear();
        FieldCounter {
            commas,
            base: 0,
            state: State::FieldStart,
        }
    }

    /// Separators so far: the index of the field being read.
    fn separators(&self) -> usize {
        self.commas.len()
    }

    /// Feeds one physical line (with its `\n`, or without it at the end of the file) that
    /// starts at offset `base` of the record.
    fn feed(&mut self, line: &[u8], base: usize) -> Result<Fed, Problem> {
        self.base = base;
        let mut i = 0;
        while i < line.len() {
            let b = line[i];
            match self.state {
                State::Quoted => {
                    // Fast path: skip to the next quote.
                    match memchr::memchr(b'"', &line[i..]) {
                        Some(pos) => {
                            i += pos;
                            self.state = State::QuoteInQuoted;
                        }
                        None => return Ok(Fed::Open),
                    }
                }
                State::QuoteInQuoted => match b {
                    b'"' => self.state = State::Quoted,
                    b',' => self.next_field(i),
                    b'\n' => return Ok(Fed::Complete(self.separators() + 1)),
                    b'\r' if is_line_end(line, i) => {}
                    _ => {
                        return Err(Problem::TextAfterClosingQuote {
                            field: self.separators(),
                        });
                    }
                },
                State::FieldStart | State::Unquoted => {
                    if b == b'"' && self.state == State::FieldStart {
                        self.state = State::Quoted;
                    } else {
                        // Fast path: jump to the next byte that matters in an unquoted field.
                        match memchr::memchr3(b',', b'"', b'\n', &line[i..]) {
                            None => {
                                self.state = State::Unquoted;
                                break;
                            }
                            Some(pos) => {
                                i += pos;
                                match line[i] {
                                    b',' => self.next_field(i),
                                    b'"' => {
                                        return Err(Problem::BareQuote {
                                            field: self.separators(),
                                        });
                                    }
                                    _ => return Ok(Fed::Complete(self.separators() + 1)),
                                }
                            }
                        }
                    }
                }
            }
            i += 1;
        }
        // End of input without a line feed: the end of the file.
        match self.state {
            State::Quoted => Ok(Fed::Open),
            _ => Ok(Fed::Complete(self.separators() + 1)),
        }
    }

    /// A separator at offset `i` of the line.
    fn next_field(&mut self, i: usize) {
        self.commas.push(self.base + i);
        self.state = State::FieldStart;
    }
}

/// True when `line[i]` is a `\r` that ends the line (`\r\n`, or a final `\r`).
fn is_line_end(line: &[u8], i: usize) -> bool {
    matches!(line.get(i + 1), None | Some(b'\n'))
}

/// The text encoding of an input file.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8 (ASCII included); a row with other bytes is a bad row.
    #[default]
    Utf8,
    /// ISO-8859-1, transcoded to UTF-8 while reading.
    Latin1,
}

/// One record as found in the file.
pub struct Record<'a> {
    /// Physical line (1-based) where the record starts.
    pub line: u64,
    /// Physical lines the record spans (more than one only through quoted line breaks).
    pub lines: u64,
    /// The record's bytes, line terminator excluded.
    pub bytes: &'a [u8],
    /// `Ok` for a well-formed data row, or what is wrong with it.
    pub verdict: Result<(), Problem>,
    /// The record was still inside a quoted field at the end of the input: with more input,
    /// it might have been read otherwise.
    pub cut_by_end: bool,
    /// Offsets in `bytes` of the separators (all of them when the verdict is `Ok`).
    commas: &'a [usize],
    /// Every byte is ASCII (and none NUL): the same text in either encoding.
    pub ascii: bool,
}

impl<'a> Record<'a> {
    /// Field `i` of a well-formed record, unquoted (`""` standing for one quote), as
    /// [`Fields::split`] gives it before decoding; empty when there is no such field.
    pub fn field(&self, i: usize) -> Cow<'a, [u8]> {
        field_of(self.bytes, self.commas, i)
    }
}

/// A well-formed record copied out of the reader's buffer, to be handed to another thread.
#[derive(Debug, Default, Clone)]
pub struct RecordCopy {
    /// Physical line (1-based) where the record starts.
    pub line: u64,
    /// The record's bytes, line terminator excluded.
    pub bytes: Vec<u8>,
    commas: Vec<usize>,
    /// Whether `bytes` hold a carriage return.
    returns: bool,
}

impl RecordCopy {
    /// Makes `self` a copy of `record`, reusing the buffers.
    pub fn copy_from(&mut self, record: &Record) {
        self.line = record.line;
        self.bytes.clear();
        self.bytes.extend_from_slice(record.bytes);
        self.commas.clear();
        self.commas.extend_from_slice(record.commas);
        // Looked for here, where the bytes were just copied, once for every pass that asks.
        self.returns = memchr::memchr(b'\r', &self.bytes).is_some();
    }

    /// Whether a field holds a carriage return (Go's CSV writer quotes those).
    pub fn holds_return(&self) -> bool {
        self.returns
    }

    /// Field `i`, as [`Record::field`].
    pub fn field(&self, i: usize) -> Cow<'_, [u8]> {
        field_of(&self.bytes, &self.commas, i)
    }

    /// The offset in [`Self::bytes`] where each field starts.
    pub fn field_starts(&self) -> impl Iterator<Item = usize> {
        std::iter::once(0).chain(self.commas.iter().map(|&at| at + 1))
    }

    /// Field `i` as it stands in the file, quotes included (empty when there is none).
    pub fn raw_field(&self, i: usize) -> &[u8] {
        let start = match i {
            0 => 0,
            _ => self
                .commas
                .get(i - 1)
                .map_or(self.bytes.len(), |&at| at + 1),
        };
        let end = self.commas.get(i).copied().unwrap_or(self.bytes.len());
        &self.bytes[start.min(end)..end]
    }
}

/// Field `i` of the record `bytes` whose separators are at `commas`: see [`Record::field`].
fn field_of<'a>(bytes: &'a [u8], commas: &[usize], i: usize) -> Cow<'a, [u8]> {
    let start = match i {
        0 => 0,
        _ => commas.get(i - 1).map_or(bytes.len(), |&at| at + 1),
    };
    // Clamped: a rejected record may have been cut short after its separators were found.
    let end = commas.get(i).map_or(bytes.len(), |&at| at.min(bytes.len()));
    let raw = &bytes[start.min(end)..end];
    match raw {
        [b'"', inner @ .., b'"'] if memchr::memchr(b'"', inner).is_some() => {
            let mut text = Vec::with_capacity(inner.len());
            let mut rest = inner;
            while let Some(at) = memchr::memchr(b'"', rest) {
                // A quote inside a well-formed quoted field is always doubled.
                text.extend_from_slice(&rest[..=at]);
                rest = rest.get(at + 2..).unwrap_or_default();
            }
            text.extend_from_slice(rest);
            Cow::Owned(text)
        }
        [b'"', inner @ .., b'"'] => Cow::Borrowed(inner),
        // A lone quote is an unterminated field (never in an accepted record).
        [b'"'] => Cow::Borrowed(&[]),
        _ => Cow::Borrowed(raw),
    }
}

/// Reads physical lines, with a pushback buffer so that a bad multi-line record can be
/// re-read from its second line.
struct Lines<R> {
    reader: R,
    pushback: Vec<u8>,
    pushback_pos: usize,
    /// Bytes taken from `reader` so far.
    consumed: usize,
}

/// A physical line read into a buffer.
enum LineRead {
    Eof,
    /// `bytes` were appended; `too_long` means the rest of the line was skipped.
    Line {
        too_long: bool,
    },
}

impl<R: BufRead> Lines<R> {
    /// Appends the next physical line (with its `\n`) to `buf`, keeping at most `limit`
    /// bytes in `buf`.
    fn read_line(&mut self, buf: &mut Vec<u8>, limit: usize) -> io::Result<LineRead> {
        if self.pushback_pos < self.pushback.len() {
            let rest = &self.pushback[self.pushback_pos..];
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |p| p + 1);
            buf.extend_from_slice(&rest[..end]);
            self.pushback_pos += end;
            if self.pushback_pos == self.pushback.len() {
                self.pushback.clear();
                self.pushback_pos = 0;
            }
            return Ok(LineRead::Line {
                too_long: buf.len() > limit,
            });
        }
        let mut read_any = false;
        let mut too_long = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            read_any = true;
            let (chunk, done) = match memchr::memchr(b'\n', available) {
                Some(p) => (&available[..=p], true),
                None => (available, false),
            };
            let n = chunk.len();
            if buf.len() + n <= limit {
                buf.extend_from_slice(chunk);
            } else {
                too_long = true;
            }
            self.reader.consume(n);
            self.consumed += n;
            if done {
                break;
            }
        }
        if !read_any {
            return Ok(LineRead::Eof);
        }
        Ok(LineRead::Line { too_long })
    }

    /// Bytes of the input before the next line to be read.
    fn position(&self) -> usize {
        self.consumed - (self.pushback.len() - self.pushback_pos)
    }

    /// Puts `bytes` back in front of what is still to be read.
    fn push_back(&mut self, bytes: &[u8]) {
        let mut rest = bytes.to_vec();
        rest.extend_from_slice(&self.pushback[self.pushback_pos..]);
        self.pushback = rest;
        self.pushback_pos = 0;
    }
}

/// Iterates over the records of one file. Blank lines are skipped and counted.
pub struct Records<R> {
    lines: Lines<R>,
    buf: Vec<u8>,
    commas: Vec<usize>,
    next_line: u64,
    blank_lines: u64,
    /// The last record was cut short by the end of the input, inside a quoted field.
    cut_by_end: bool,
}

impl<R: BufRead> Records<R> {
    /// Starts reading at physical line `first_line`.
    pub fn new(reader: R, first_line: u64) -> Self {
        Records {
            lines: Lines {
                reader,
                pushback: Vec::new(),
                pushback_pos: 0,
                consumed: 0,
            },
            buf: Vec::new(),
            commas: Vec::new(),
            next_line: first_line,
            blank_lines: 0,
            cut_by_end: false,
        }
    }

    /// The reader, once every record has been read.
    pub fn into_reader(self) -> R {
        self.lines.reader
    }

    /// Blank lines skipped so far.
    pub fn blank_lines(&self) -> u64 {
        self.blank_lines
    }

    /// Bytes of the input before the next record (blank lines included).
    pub fn position(&self) -> usize {
        self.lines.position()
    }

    /// The physical line where the next record (or blank line) starts.
    pub fn next_line(&self) -> u64 {
        self.next_line
    }

    /// The next record, or `None` at the end of the file.
    ///
    /// About 85 lines, kept in one piece: it is the per-record loop of every pass over a
    /// file, read top to bottom (a line, its separators, the quoted lines after it, the
    /// verdict).
    pub fn next_record(&mut self, encoding: Encoding) -> io::Result<Option<Record<'_>>> {
        self.cut_by_end = false;
        loop {
            self.buf.clear();
            let line = self.next_line;
            let too_long = match self.lines.read_line(&mut self.buf, MAX_RECORD_BYTES)? {
                LineRead::Eof => return Ok(None),
                LineRead::Line { too_long } => too_long,
            };
            self.next_line += 1;
            if matches!(self.buf.as_slice(), b"\n" | b"\r\n") {
                self.blank_lines += 1;
                continue;
            }
            if too_long {
                return Ok(Some(self.record(line, 1, Err(Problem::TooLong))));
            }
            let body = trim_line_end(&self.buf);
            if let Some(plain) = split_plain(body, &mut self.commas)
                && self.commas.len() == FIELD_COUNT - 1
            {
                let verdict = if plain.ascii {
                    Ok(())
                } else {
                    self.bytes_verdict(encoding)
                };
                let mut record = self.record(line, 1, verdict);
                record.ascii = plain.ascii;
                return Ok(Some(record));
            }
            let mut counter = FieldCounter::new(std::mem::take(&mut self.commas));
            let mut lines = 1;
            let mut fed_from = 0;
            let verdict = loop {
                match counter.feed(&self.buf[fed_from..], fed_from) {
                    Err(p) => break Err(p),
                    Ok(Fed::Complete(FIELD_COUNT)) => break Ok(()),
                    Ok(Fed::Complete(found)) => break Err(Problem::WrongFieldCount { found }),
                    Ok(Fed::Open) => {
                        let field = counter.separators();
                        if lines >= MAX_RECORD_LINES {
                            break Err(Problem::UnterminatedQuote { field });
                        }
                        fed_from = self.buf.len();
                        match self.lines.read_line(&mut self.buf, MAX_RECORD_BYTES)? {
                            LineRead::Eof => {
                                self.cut_by_end = true;
                                break Err(Problem::UnterminatedQuote { field });
                            }
                            LineRead::Line { too_long: true } => {
                                self.buf.truncate(fed_from);
                                break Err(Problem::TooLong);
                            }
                            LineRead::Line { too_long: false } => {}
                        }
                        lines += 1;
                        self.next_line += 1;
                    }
                }
            };
            self.commas = counter.commas;
            let verdict = verdict.and_then(|()| self.bytes_verdict(encoding));
            let bad_bytes = matches!(verdict, Err(Problem::NulByte { .. } | Problem::InvalidUtf8));
            if verdict.is_err() && lines > 1 && !bad_bytes {
                // A stray quote must not take good rows with it: reject the first line only and
                // read the following lines again as records of their own.
                let first_end = memchr::memchr(b'\n', &self.buf).map_or(self.buf.len(), |p| p + 1);
                let rest = self.buf[first_end..].to_vec();
                self.lines.push_back(&rest);
                self.buf.truncate(first_end);
                self.next_line = line + 1;
                let problem = match verdict {
                    Err(Problem::TooLong) => Problem::TooLong,
                    _ => Problem::UnterminatedQuote {
                        field: first_line_fields(&self.buf),
                    },
                };
                return Ok(Some(self.record(line, 1, Err(problem))));
            }
            return Ok(Some(self.record(line, lines, verdict)));
        }
    }

    /// What the bytes of a well-formed record make of it: no NUL, and UTF-8 unless Latin-1.
    fn bytes_verdict(&self, encoding: Encoding) -> Result<(), Problem> {
        if let Some(at) = memchr::memchr(0, &self.buf) {
            return Err(Problem::NulByte {
                field: first_line_fields(&self.buf[..at]),
            });
        }
        match encoding {
            Encoding::Utf8 if std::str::from_utf8(&self.buf).is_err() => Err(Problem::InvalidUtf8),
            _ => Ok(()),
        }
    }

    fn record(&self, line: u64, lines: u64, verdict: Result<(), Problem>) -> Record<'_> {
        Record {
            line,
            lines,
            bytes: trim_line_end(&self.buf),
            verdict,
            cut_by_end: self.cut_by_end,
            commas: &self.commas,
            ascii: false,
        }
    }
}

/// The index of the field left open at the end of a one-line record with an unclosed quote.
fn first_line_fields(line: &[u8]) -> usize {
    let mut counter = FieldCounter::new(Vec::new());
    let _ = counter.feed(line, 0);
    counter.separators()
}

/// The field values of one record, unquoted, as text, in one buffer (no allocation per
/// field: the gogen bundle splits every row of the input).
#[derive(Debug, Default)]
pub struct Fields {
    text: String,
    ends: Vec<usize>,
}

impl Fields {
    /// Splits a well-formed record (one whose verdict is `Ok`), Latin-1 transcoded when asked.
    pub fn split(&mut self, bytes: &[u8], encoding: Encoding) {
        self.text.clear();
        self.ends.clear();
        let mut i = 0;
        loop {
            if bytes.get(i) == Some(&b'"') {
                // Quoted: up to the closing quote, `""` standing for one quote.
                i += 1;
                while i < bytes.len() {
                    match memchr::memchr(b'"', &bytes[i..]) {
                        None => {
                            self.push_text(&bytes[i..], encoding);
                            i = bytes.len();
                        }
                        Some(pos) => {
                            self.push_text(&bytes[i..i + pos], encoding);
                            i += pos + 1;
                            if bytes.get(i) == Some(&b'"') {
                                self.text.push('"');
                                i += 1;
                            } else {
                                break;
                            }
                        }
                    }
                }
                self.ends.push(self.text.len());
                // After the closing quote: a separator or the end (the verdict checked it).
                match memchr::memchr(b',', &bytes[i..]) {
                    Some(pos) => i += pos + 1,
                    None => return,
                }
            } else {
                let end = memchr::memchr(b',', &bytes[i..]).map(|pos| i + pos);
                self.push_text(&bytes[i..end.unwrap_or(bytes.len())], encoding);
                self.ends.push(self.text.len());
                match end {
                    Some(end) => i = end + 1,
                    None => return,
                }
            }
        }
    }

    fn push_text(&mut self, raw: &[u8], encoding: Encoding) {
        decode(raw, encoding, &mut self.text);
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is no field.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i` (empty when there is none).
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).copied().unwrap_or(0)
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        &self.text[start..end]
    }

    /// Every field, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Appends the text of `raw`, bytes of a field of an accepted record, to `text`.
pub fn decode(raw: &[u8], encoding: Encoding, text: &mut String) {
    match encoding {
        Encoding::Latin1 => text.extend(raw.iter().map(|&b| b as char)),
        // The verdict checked UTF-8; a lossy decode can only ever replace nothing.
        Encoding::Utf8 => text.push_str(&String::from_utf8_lossy(raw)),
    }
}

/// `bytes` without a final `\n` or `\r\n`.
pub fn trim_line_end(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_split_and_unquoted() {
        let mut fields = Fields::default();
        fields.split(b"a,\"b,\"\"c\"\"\",,\"\",\"x\ny\"", Encoding::Utf8);
        assert_eq!(
            fields.iter().collect::<Vec<_>>(),
            ["a", "b,\"c\"", "", "", "x\ny"]
        );
        fields.split(b"\xe9t\xe9,", Encoding::Latin1);
        assert_eq!(fields.iter().collect::<Vec<_>>(), ["\u{e9}t\u{e9}", ""]);
        assert_eq!(fields.get(7), "");
    }

    #[test]
    fn fields_are_taken_from_where_the_check_found_them() {
        let text = format!(
            "a,\"b,\"\"c\"\"\",,\"\",\"x\ny\",\"\"\"\",{}\r\nnext",
            row(FIELD_COUNT - 6)
        );
        let mut records = Records::new(text.as_bytes(), 1);
        let record = records.next_record(Encoding::Utf8).unwrap().unwrap();
        assert_eq!(record.verdict, Ok(()));
        let fields: Vec<_> = (0..7).map(|i| record.field(i).into_owned()).collect();
        let expected: [&[u8]; 7] = [b"a", b"b,\"c\"", b"", b"", b"x\ny", b"\"", b"x"];
        assert_eq!(fields, expected);
        assert_eq!(
            record.field(FIELD_COUNT - 1).as_ref(),
            b"x",
            "no carriage return"
        );
        assert_eq!(record.field(FIELD_COUNT).as_ref(), b"", "no such field");
    }

    #[test]
    fn each_line_is_split_and_judged() {
        let mut text = format!(
            "{}\r\n\"q,\"\"\",{}\n\"multi\nline\",{}\n{}\n\n",
            row(95),
            row(94),
            row(94),
            row(94)
        )
        .into_bytes();
        text.extend_from_slice(row(95).as_bytes());
        // Line 7's last field: a byte that is not UTF-8.
        *text.last_mut().unwrap() = 0xff;
        let split = || {
            let mut records = Records::new(text.as_slice(), 1);
            let mut out = Vec::new();
            while let Some(r) = records.next_record(Encoding::Utf8).unwrap() {
                let fields: Vec<Vec<u8>> = (0..=r.commas.len())
                    .map(|i| r.field(i).into_owned())
                    .collect();
                out.push((r.line, r.verdict, fields));
            }
            out
        };
        let checked = split();
        let verdicts: Vec<_> = checked
            .iter()
            .map(|(line, v, _)| (*line, v.clone()))
            .collect();
        assert_eq!(
            verdicts,
            [
                (1, Ok(())),
                (2, Ok(())),
                (3, Ok(())),
                (5, Err(Problem::WrongFieldCount { found: 94 })),
                (7, Err(Problem::InvalidUtf8)),
            ]
        );
        assert_eq!(checked[1].2[0], b"q,\"");
        assert_eq!(checked[2].2[0], b"multi\nline");
    }

    fn row(fields: usize) -> String {
        vec!["x"; fields].join(",")
    }

    fn verdicts(text: &str) -> Vec<(u64, Result<(), Problem>)> {
        let mut records = Records::new(text.as_bytes(), 1);
        let mut out = Vec::new();
        while let Some(r) = records.next_record(Encoding::Utf8).unwrap() {
            out.push((r.line, r.verdict));
        }
        out
    }

    #[test]
    fn counts_fields_and_lines() {
        let text = format!("{}\r\n{}\n\n{}", row(95), row(94), row(95));
        assert_eq!(
            verdicts(&text),
            vec![
                (1, Ok(())),
                (2, Err(Problem::WrongFieldCount { found: 94 })),
                (4, Ok(())),
            ]
        );
    }

    #[test]
    fn quoted_fields_may_hold_separators_quotes_and_line_breaks() {
        let text = format!("\"a,\"\"b\"\"\nc\",{}\n{}\n", row(94), row(95));
        assert_eq!(verdicts(&text), vec![(1, Ok(())), (3, Ok(()))]);
    }

    #[test]
    fn bare_quote_names_the_field() {
        let text = format!("x,x,ab\"c,{}\n", row(92));
        assert_eq!(
            verdicts(&text),
            vec![(1, Err(Problem::BareQuote { field: 2 }))]
        );
        assert_eq!(
            Problem::BareQuote { field: 2 }.describe(),
            "bare quote in unquoted field 3 (SUBJECT_ID)"
        );
    }

    #[test]
    fn text_after_closing_quote() {
        let text = format!("\"a\"b,{}\n", row(94));
        assert_eq!(
            verdicts(&text),
            vec![(1, Err(Problem::TextAfterClosingQuote { field: 0 }))]
        );
    }

    #[test]
    fn unterminated_quote_rejects_one_line_and_keeps_the_rest() {
        let text = format!("\"open,{}\n{}\n{}", row(94), row(95), row(95));
        assert_eq!(
            verdicts(&text),
            vec![
                (1, Err(Problem::UnterminatedQuote { field: 0 })),
                (2, Ok(())),
                (3, Ok(())),
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_a_bad_row_unless_latin1() {
        let mut bytes = row(95).into_bytes();
        bytes[0] = 0xE9;
        let mut records = Records::new(bytes.as_slice(), 1);
        let r = records.next_record(Encoding::Utf8).unwrap().unwrap();
        assert_eq!(r.verdict, Err(Problem::InvalidUtf8));
        let mut records = Records::new(bytes.as_slice(), 1);
        let r = records.next_record(Encoding::Latin1).unwrap().unwrap();
        assert_eq!(r.verdict, Ok(()));
    }

    #[test]
    fn final_line_without_newline_and_crlf() {
        let text = format!("{}\r\n{}", row(95), row(95));
        let mut records = Records::new(text.as_bytes(), 1);
        let r = records.next_record(Encoding::Utf8).unwrap().unwrap();
        assert_eq!(r.bytes, row(95).as_bytes());
        let r = records.next_record(Encoding::Utf8).unwrap().unwrap();
        assert_eq!((r.line, r.bytes), (2, row(95).as_bytes()));
        assert!(records.next_record(Encoding::Utf8).unwrap().is_none());
    }
}
