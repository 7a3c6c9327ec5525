//! Ingest: DOJ research files → the text of the columns clearstat uses, for every accepted
//! row, plus the rows rejected.
//!
//! Each file is read once, on every core ([`blocks`]): cut into blocks at line ends, each
//! block's records are checked by [`records`] (field count, quoting, encoding), which finds
//! their fields, and [`chunk`] gathers the fields used into frames, handed on in file order
//! while the next blocks are read. Bad rows, records spanning lines (and cuts), blank lines,
//! a BOM and Latin-1 are all handled in that one pass.

pub mod blocks;
pub mod chunk;
pub mod inputs;
pub mod layout;
pub mod records;
mod separators;

use std::fs::File;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::direct::BufferedReader;
pub use inputs::expand_inputs;
use layout::{COLUMNS, FIELD_COUNT};
pub use records::Encoding;
use records::{Problem, Records};

/// Column added to every row: position of the input file in the command line (0-based).
pub const FILE_INDEX: &str = "file_index";
/// Column added to every row: the physical line (1-based) where the row starts in its file.
pub const SOURCE_LINE: &str = "source_line";

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const HEADER_START: &[u8] = b"RECORD_ID";

/// What to do with a malformed row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnBadRows {
    /// Stop with an error naming the file, line and problem.
    #[default]
    Fail,
    /// Write the row to `rejected_rows.csv` and go on.
    Skip,
}

/// Errors of the ingest stage. None of them carries a field value.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: no such file")]
    Missing { path: PathBuf },
    #[error("{path}: is a directory, not a DOJ research file")]
    Directory { path: PathBuf },
    #[error("{path}: is not a regular file (inputs are read twice: save a stream to a file first)")]
    NotAFile { path: PathBuf },
    #[error("{path}: cannot be read: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the file is empty")]
    Empty { path: PathBuf },
    #[error("{path}: holds only a header, no data rows")]
    HeaderOnly { path: PathBuf },
    #[error("no input file given")]
    NoInput,
    #[error("input pattern '{pattern}' matches no file")]
    NoMatch { pattern: String },
    #[error("input pattern '{pattern}' is not a valid glob: {reason}")]
    BadPattern { pattern: String, reason: String },
    #[error(
        "{path} line {line}: {problem}. Rerun with --on-bad-rows skip to write such rows to \
         rejected_rows.csv and continue"
    )]
    BadRow {
        path: PathBuf,
        line: u64,
        problem: String,
    },
    #[error(
        "{path}: normalizing kept {read} rows where the check accepted {accepted}; please \
         report this as a bug"
    )]
    Disagreement {
        path: PathBuf,
        read: usize,
        accepted: u64,
    },
    #[error("reading {path}: {message}")]
    Polars { path: PathBuf, message: String },
    #[error("{path}: {problem}. Prepare it again from the research files with `clearstat ingest`")]
    Prepared { path: PathBuf, problem: String },
    #[error(
        "{path} is a prepared input (made by `clearstat ingest`): give it alone, not with other \
         files"
    )]
    PreparedWithOthers { path: PathBuf },
}

/// Settings of the ingest stage.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub on_bad_rows: OnBadRows,
    pub encoding: Encoding,
    /// Show a progress bar on a terminal (see [`crate::progress`]).
    pub progress: bool,
    /// Bytes read at a time; `None` for [`blocks::BLOCK_BYTES`]. Tests make it tiny, so that
    /// the cuts between blocks fall everywhere.
    pub block_bytes: Option<usize>,
    /// Rows typed at a time before they are reduced (`None`: the run's default). Tests make
    /// it small, so that subjects fall across batches.
    pub batch_rows: Option<usize>,
}

/// A row that was not accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RejectedRow {
    pub file: PathBuf,
    pub line: u64,
    pub reason: String,
    /// The raw text of the row (lossily decoded, at most [`records::MAX_REJECTED_TEXT`] bytes).
    pub raw: String,
}

/// Row accounting for one input file: `rows_read = rows_accepted + rows_rejected`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileAccount {
    pub path: String,
    /// SHA-256 of the file's bytes, so a reader of the report can check which file was read.
    pub sha256: String,
    pub has_header: bool,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    pub blank_lines: u64,
}

/// The accounting of the ingest stage: every file, every row rejected.
#[derive(Debug, Default)]
pub struct Ingested {
    pub files: Vec<FileAccount>,
    pub rejected: Vec<RejectedRow>,
}

impl Ingested {
    /// Rows read, accepted and rejected over all files.
    pub fn totals(&self) -> (u64, u64, u64) {
        self.files.iter().fold((0, 0, 0), |(r, a, j), f| {
            (r + f.rows_read, a + f.rows_accepted, j + f.rows_rejected)
        })
    }

    /// Checks the accepted counts against the typed rows kept per file.
    pub fn reconcile(&self, rows_per_file: &[usize]) -> Result<(), IngestError> {
        for (i, f) in self.files.iter().enumerate() {
            let read = rows_per_file.get(i).copied().unwrap_or(0);
            if read as u64 != f.rows_accepted {
                return Err(IngestError::Disagreement {
                    path: PathBuf::from(&f.path),
                    read,
                    accepted: f.rows_accepted,
                });
            }
        }
        Ok(())
    }
}

/// Reads every input file once: checks each record and hands the accepted ones on, a frame
/// of at most [`chunk::ROWS`] rows at a time holding the text of `columns` (indices into
/// [`COLUMNS`]) with [`FILE_INDEX`] and [`SOURCE_LINE`], to `visit`. `visit` runs on the
/// calling thread while the next rows are read on another; the frames come in file order.
pub fn read<E: From<IngestError>>(
    paths: &[PathBuf],
    options: &IngestOptions,
    columns: &[usize],
    mut visit: impl FnMut(DataFrame) -> Result<(), E>,
) -> Result<Ingested, E> {
    if paths.is_empty() {
        return Err(IngestError::NoInput.into());
    }
    // Two frames in flight: the reader never waits for long, and never runs far ahead.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<DataFrame>(2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut ingested = Ingested::default();
            let mut send = |frame| sender.send(frame).is_ok();
            for (index, path) in paths.iter().enumerate() {
                let received = read_file(
                    path,
                    index as u32,
                    options,
                    columns,
                    &mut ingested,
                    &mut send,
                )?;
                if !received {
                    break;
                }
            }
            Ok::<_, IngestError>(ingested)
        });
        let mut visited = Ok(());
        for frame in receiver.iter() {
            visited = visit(frame);
            if visited.is_err() {
                break;
            }
        }
        // The reader stops at its next frame once nobody receives it.
        drop(receiver);
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        visited?;
        Ok(read?)
    })
}

fn polars_error(path: &Path, e: PolarsError) -> IngestError {
    IngestError::Polars {
        path: path.to_path_buf(),
        message: crate::redact::polars_message(&e),
    }
}

fn open(path: &Path) -> Result<File, IngestError> {
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => IngestError::Missing {
            path: path.to_path_buf(),
        },
        _ => IngestError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if meta.is_dir() {
        return Err(IngestError::Directory {
            path: path.to_path_buf(),
        });
    }
    if !meta.is_file() {
        return Err(IngestError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() == 0 {
        return Err(IngestError::Empty {
            path: path.to_path_buf(),
        });
    }
    File::open(path).map_err(|source| IngestError::Unreadable {
        path: path.to_path_buf(),
        source,
    })
}

/// What one pass over a file's accepted records does with each ([`for_each_accepted`]).
pub type Visitor<'a> = Box<dyn FnMut(&records::RecordCopy) -> Result<(), String> + Send + 'a>;

/// Calls every visitor, each on a thread of its own, for every accepted record of `path`, in
/// file order (the rows [`read`] hands on, with all their fields). The file is read and split
/// once, on the calling thread, for all of them. For outputs that are streamed rather than
/// built in memory. Each record is checked again (the same checks give the same verdicts);
/// a visitor sees each record's line to match it with its row. Errors are messages without
/// values.
pub fn for_each_accepted(
    path: &Path,
    encoding: Encoding,
    progress: &mut crate::progress::Progress,
    visitors: Vec<Visitor<'_>>,
) -> Result<(), String> {
    /// Records handed over at a time.
    const BATCH: usize = 1024;
    /// A batch of records and how many of them are in use, shared by the visitors.
    type Shared = std::sync::Arc<(Vec<records::RecordCopy>, usize)>;
    // Visited batches come back, so that their buffers are reused once every visitor is done.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<Shared>();
    std::thread::scope(|scope| {
        let mut passes = Vec::with_capacity(visitors.len());
        let mut to_passes = Vec::with_capacity(visitors.len());
        for mut visit in visitors {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Shared>(4);
            let done = done_tx.clone();
            to_passes.push(tx);
            passes.push(scope.spawn(move || {
                for batch in rx.iter() {
                    let (records, used) = &*batch;
                    records[..*used].iter().try_for_each(&mut visit)?;
                    let _ = done.send(batch);
                }
                Ok(())
            }));
        }
        let read = (|| {
            let send = |batch: Vec<records::RecordCopy>, used| {
                let shared = Shared::new((batch, used));
                to_passes.iter().try_for_each(|pass| {
                    pass.send(shared.clone())
                        .map_err(|_| "a writer stopped".to_string())
                })
            };
            let (mut records, _) = open_records(path).map_err(|e| e.to_string())?;
            let mut batch = Vec::new();
            let mut used = 0;
            while let Some(record) = records
                .next_record(encoding)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?
            {
                progress.advance(record.bytes.len() as u64 + 1);
                if record.verdict.is_err() {
                    continue;
                }
                if used == batch.len() {
                    batch.push(records::RecordCopy::default());
                }
                batch[used].copy_from(&record);
                used += 1;
                if used == BATCH {
                    // The first batch every visitor has given back, if any.
                    let next = done_rx
                        .try_iter()
                        .find_map(|shared| Shared::try_unwrap(shared).ok())
                        .map(|(records, _)| records)
                        .unwrap_or_default();
                    send(std::mem::replace(&mut batch, next), used)?;
                    used = 0;
                }
            }
            if used > 0 {
                send(batch, used)?;
            }
            Ok(())
        })();
        // The passes end when the channels close.
        drop(to_passes);
        let visited: Result<(), String> = passes.into_iter().try_for_each(|pass| {
            pass.join()
                .unwrap_or_else(|_| Err("a writing thread failed".to_string()))
        });
        visited.and(read)
    })
}

type FileRecords = Records<BufferedReader>;

/// Bytes a record-by-record reading takes from the file at a time: blocks of 8 MiB were no
/// faster read straight from the device than through the page cache, where blocks of 1 MiB
/// were (BENCHMARKS.md, session 16).
const RECORD_READING_BYTES: usize = 1 << 20;

/// Opens `path` and returns a reader positioned after the BOM and header (if any), and
/// whether there was a header.
fn open_records(path: &Path) -> Result<(FileRecords, bool), IngestError> {
    let unreadable = |source| IngestError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = BufferedReader::new(open(path)?, path, RECORD_READING_BYTES);
    // The first block holds the BOM and the header's start unless the file is shorter.
    let start = reader.fill_buf().map_err(unreadable)?;
    let has_bom = start.starts_with(UTF8_BOM);
    let has_header = start[if has_bom { UTF8_BOM.len() } else { 0 }..].starts_with(HEADER_START);
    if has_bom {
        reader.consume(UTF8_BOM.len());
    }
    let mut records = Records::new(reader, 1);
    if has_header {
        // The header is never validated: gogen accepted one with a trailing comma (96 fields).
        records.next_record(Encoding::Latin1).map_err(unreadable)?;
    }
    Ok((records, has_header))
}

/// The one pass over a file: checks every record, sends the accepted ones on in frames of
/// about [`chunk::ROWS`] rows and accounts for every row in `ingested`. False when `send`
/// found nobody receiving any more.
fn read_file(
    path: &Path,
    file_index: u32,
    options: &IngestOptions,
    columns: &[usize],
    ingested: &mut Ingested,
    send: &mut dyn FnMut(DataFrame) -> bool,
) -> Result<bool, IngestError> {
    // Only for the progress bar: the reading thread opens the file and reports its errors.
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let mut progress =
        crate::progress::Progress::bytes("reading input rows", size, options.progress);
    let reading = blocks::Reading {
        path,
        file_index,
        columns,
        encoding: options.encoding,
        on_bad_rows: options.on_bad_rows,
        block_bytes: options.block_bytes.unwrap_or(blocks::BLOCK_BYTES),
    };
    let (mut read, mut accepted, mut blank_lines) = (0u64, 0u64, 0u64);
    let mut frames = Joined {
        pending: None,
        send,
    };
    let file = blocks::read_blocks(path, &reading, |block, bytes| {
        progress.advance(bytes as u64);
        if let Some(failure) = block.failure {
            return Err(failure);
        }
        (read, accepted) = (read + block.read, accepted + block.accepted);
        blank_lines += block.blank_lines;
        ingested.rejected.extend(block.rejected);
        for frame in block.frames {
            if !frames.push(frame).map_err(|e| polars_error(path, e))? {
                return Ok(false);
            }
        }
        Ok(true)
    })?;
    progress.finish();
    let Some(file) = file else {
        return Ok(false);
    };
    if read == 0 {
        return Err(if file.has_header {
            IngestError::HeaderOnly {
                path: path.to_path_buf(),
            }
        } else {
            IngestError::Empty {
                path: path.to_path_buf(),
            }
        });
    }
    if !frames.send_pending(0) {
        return Ok(false);
    }
    ingested.files.push(FileAccount {
        path: path.display().to_string(),
        sha256: file.sha256,
        has_header: file.has_header,
        rows_read: read,
        rows_accepted: accepted,
        rows_rejected: read - accepted,
        blank_lines,
    });
    Ok(true)
}

/// The frames of the blocks, joined up to [`chunk::ROWS`] rows (blocks hold fewer rows than
/// a frame should) before they are sent on.
struct Joined<'s> {
    pending: Option<DataFrame>,
    send: &'s mut dyn FnMut(DataFrame) -> bool,
}

impl Joined<'_> {
    /// Adds `frame`; false when nobody receives any more.
    fn push(&mut self, frame: DataFrame) -> PolarsResult<bool> {
        match &mut self.pending {
            Some(all) => {
                all.vstack_mut_owned(frame)?;
            }
            None => self.pending = Some(frame),
        }
        Ok(self.send_pending(chunk::ROWS))
    }

    /// Sends the rows waiting if there are `at_least` of them; false when nobody receives
    /// any more.
    fn send_pending(&mut self, at_least: usize) -> bool {
        match self.pending.take_if(|frame| frame.height() >= at_least) {
            Some(mut frame) => {
                // One chunk per column, as a frame of one block would be: later stages copy
                // less (a frame of many chunks made the run's peak 140 MB higher at 1M rows).
                frame.rechunk_mut();
                (self.send)(frame)
            }
            None => true,
        }
    }
}

fn rejected_row(path: &Path, line: u64, problem: &Problem, bytes: &[u8]) -> RejectedRow {
    let kept = &bytes[..bytes.len().min(records::MAX_REJECTED_TEXT)];
    RejectedRow {
        file: path.to_path_buf(),
        line,
        reason: problem.describe(),
        raw: String::from_utf8_lossy(kept).into_owned(),
    }
}

/// Creates `path` for writing with mode 0600 (row-level data never becomes world-readable).
pub fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn doj_schema() -> SchemaRef {
    let mut schema = Schema::with_capacity(FIELD_COUNT);
    for name in COLUMNS {
        schema.insert(name.into(), DataType::String);
    }
    Arc::new(schema)
}

fn csv_reader(path: &Path) -> LazyCsvReader {
    LazyCsvReader::new(PlRefPath::from(path.to_string_lossy().as_ref()))
        .with_has_header(false)
        .with_schema(Some(doj_schema()))
        .with_missing_is_null(false)
        .with_quote_char(Some(b'"'))
        .with_glob(false)
        .with_raise_if_empty(false)
}

/// The practical floor of reading `path` (a regular research file): Polars parses only the
/// `columns` clearstat uses and counts the rows. For the benchmark.
pub fn scan_floor(path: &Path, has_header: bool, columns: &[usize]) -> PolarsResult<u64> {
    let names: Vec<Expr> = columns.iter().map(|&i| col(COLUMNS[i])).collect();
    let counted = csv_reader(path)
        .with_skip_lines(usize::from(has_header))
        .finish()?
        .select(names)
        .select([len().cast(DataType::UInt64).alias("rows")])
        .collect()?;
    Ok(counted.column("rows")?.u64()?.get(0).unwrap_or(0))
}
