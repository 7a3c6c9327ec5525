//! Accepted records gathered, as they are checked, into frames of the columns clearstat uses:
//! the one place row-level text enters Polars.

use polars::prelude::*;

use super::layout::{COLUMNS, LAYOUT, Reading};
use super::records::{Encoding, Record, decode};
use super::{FILE_INDEX, SOURCE_LINE};

/// Rows in one frame: large enough that a frame costs Polars little, small enough that the
/// rows of one are normalized while the next are read.
pub const ROWS: usize = 1 << 17;

/// The text of the chosen DOJ columns of accepted records, a frame of [`ROWS`] rows at a time.
pub struct Chunk<'a> {
    columns: &'a [usize],
    file_index: u32,
    /// Rows each frame's builders make room for.
    rows: usize,
    text: Vec<StringChunkedBuilder>,
    lines: Vec<u64>,
    /// A decoded field (Latin-1 only: UTF-8 fields go in as they are).
    decoded: String,
}

impl<'a> Chunk<'a> {
    /// An empty chunk of `columns` (indices into [`COLUMNS`]) for the file `file_index`,
    /// with room for `rows` rows (at most [`ROWS`]).
    pub fn new(columns: &'a [usize], file_index: u32, rows: usize) -> Self {
        let rows = rows.min(ROWS);
        Chunk {
            columns,
            file_index,
            rows,
            text: Self::builders(columns, rows),
            lines: Vec::with_capacity(rows),
            decoded: String::new(),
        }
    }

    fn builders(columns: &[usize], rows: usize) -> Vec<StringChunkedBuilder> {
        columns
            .iter()
            .map(|&i| StringChunkedBuilder::new(COLUMNS[i].into(), rows))
            .collect()
    }

    /// Adds a well-formed record, each field as its column's [`Reading`] says.
    pub fn push(&mut self, record: &Record, encoding: Encoding) {
        for (builder, &i) in self.text.iter_mut().zip(self.columns) {
            let field = record.field(i);
            let text = if record.ascii {
                // SAFETY: every byte of the record is ASCII, and so is every byte of a field
                // of it (unquoting only drops quotes): valid UTF-8, and the same text in
                // Latin-1. Checking it again cost 3% of a padded run's CPU.
                unsafe { std::str::from_utf8_unchecked(&field) }
            } else {
                match (encoding, std::str::from_utf8(&field)) {
                    (Encoding::Utf8, Ok(text)) => text,
                    _ => {
                        self.decoded.clear();
                        decode(&field, encoding, &mut self.decoded);
                        &self.decoded
                    }
                }
            };
            match LAYOUT[i].reading {
                Reading::Text => match trim(text, record.ascii) {
                    "" | "-" => builder.append_null(),
                    trimmed => builder.append_value(trimmed),
                },
                _ => builder.append_value(text),
            }
        }
        self.lines.push(record.line);
    }

    /// Rows gathered since the last [`Chunk::take`].
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when no row is waiting.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// True when the chunk holds [`ROWS`] rows.
    pub fn is_full(&self) -> bool {
        self.len() >= ROWS
    }

    /// The rows gathered as a frame (text columns, [`FILE_INDEX`], [`SOURCE_LINE`]); the
    /// chunk is empty again.
    pub fn take(&mut self) -> PolarsResult<DataFrame> {
        let height = self.len();
        let text = std::mem::replace(&mut self.text, Self::builders(self.columns, self.rows));
        let lines = std::mem::replace(&mut self.lines, Vec::with_capacity(self.rows));
        let mut columns: Vec<Column> = text
            .into_iter()
            .map(|builder| builder.finish().into_column())
            .collect();
        columns.push(Column::new(
            FILE_INDEX.into(),
            vec![self.file_index; height],
        ));
        columns.push(Column::new(SOURCE_LINE.into(), lines));
        DataFrame::new(height, columns)
    }
}

/// `text` without the white space around it, as [`str::trim`] gives it; ASCII text is
/// trimmed byte by byte (the white space of ASCII is tab to carriage return, and the space).
fn trim(text: &str, ascii: bool) -> &str {
    if !ascii {
        return text.trim();
    }
    let space = |b: &u8| matches!(b, b'\t'..=b'\r' | b' ');
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|b| !space(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !space(b))
        .map_or(start, |last| last + 1);
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::trim;

    #[test]
    fn ascii_text_is_trimmed_as_str_trim_trims_it() {
        let ascii: Vec<char> = (0u8..0x80).map(char::from).collect();
        for &a in &ascii {
            for &b in &ascii {
                for text in [
                    format!("{a}x{b}"),
                    format!("{a}{b}"),
                    format!("{a}{b} -{b}{a}"),
                ] {
                    assert_eq!(trim(&text, true), text.trim(), "{text:?}");
                }
            }
        }
        assert_eq!(trim("\u{a0}x\u{2003}", false), "x");
    }
}
