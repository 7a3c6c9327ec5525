//! The checking pass of one file on every core.
//!
//! One thread reads the file ahead (straight from the device where it can: [`ReadAhead`]);
//! another cuts it into blocks of about [`BLOCK_BYTES`] after a line end and hashes them;
//! workers check and gather the records of each block (`read_block`) as if a record started
//! at its first line, numbering its lines from 1; the calling thread takes the results in
//! file order and moves each block's line numbers to where the block starts (`merge`).
//! The guess is wrong only when a quoted field holds a line break across the cut: the worker
//! then sees a record still open at the end of its block and says where it started, and the
//! calling thread reads that record and the next block again, itself, as one (and so on, until
//! a block ends where a record ends). The rows, line numbers, rejected rows and errors are
//! those of reading the file from start to end on one thread: the same [`Records`] reader does
//! the work, on a block instead of the file.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::chunk::Chunk;
use super::records::{Encoding, Records};
use super::{
    HEADER_START, IngestError, OnBadRows, RejectedRow, SOURCE_LINE, UTF8_BOM, polars_error,
    rejected_row,
};
use crate::direct::ReadAhead;

/// Bytes read at a time (a block holds more when one line is longer).
pub const BLOCK_BYTES: usize = 8 << 20;

/// What the workers need besides the block.
pub struct Reading<'a> {
    pub path: &'a Path,
    pub file_index: u32,
    pub columns: &'a [usize],
    pub encoding: Encoding,
    pub on_bad_rows: OnBadRows,
    /// Bytes read at a time ([`BLOCK_BYTES`] unless a test cuts records everywhere).
    pub block_bytes: usize,
}

/// A block's buffer, handed back to the thread reading ahead when its last holder drops it.
struct Buffer {
    /// The block's bytes from `from` (before it, room that puts what was read from the
    /// file at an aligned address: see [`direct::padding`]).
    bytes: Vec<u8>,
    from: usize,
    spare: Sender<Vec<u8>>,
}

impl std::ops::Deref for Buffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[self.from..]
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        let _ = self.spare.send(std::mem::take(&mut self.bytes));
    }
}

/// A part of the file whose first line starts a record (or is believed to).
struct Block {
    bytes: Arc<Buffer>,
    /// Where reading starts in `bytes` (after a BOM).
    start: usize,
    /// The physical line of the file at `start`; 1 for a block the workers read (see
    /// [`BlockRead::shifted`]).
    first_line: u64,
    /// The header is still to be skipped.
    header: bool,
    /// The block ends where the file ends.
    last: bool,
}

/// A record still open at the end of a block, to be read again with the next block.
struct Open {
    offset: usize,
    line: u64,
    header: bool,
}

/// What the records of one block came to.
#[derive(Default)]
pub struct BlockRead {
    pub frames: Vec<DataFrame>,
    pub rejected: Vec<RejectedRow>,
    pub read: u64,
    pub accepted: u64,
    pub blank_lines: u64,
    /// The first bad row when bad rows stop the run, or a failure to make a frame.
    pub failure: Option<IngestError>,
    open: Option<Open>,
    /// The line after the block's last, when it was read to its end.
    next_line: u64,
}

impl BlockRead {
    /// Its line numbers `by` lines on: those of a block read from line 1 that starts at
    /// line `by + 1` of the file. (Counting a block's lines before it is read, to know where
    /// it starts, was a pass of its own over every byte: 0.16 CPU-s at 1M padded rows.)
    fn shifted(mut self, by: u64, reading: &Reading) -> BlockRead {
        if by == 0 {
            return self;
        }
        for frame in &mut self.frames {
            let shifted = frame
                .column(SOURCE_LINE)
                .and_then(|lines| Ok(lines.u64()? + by))
                .and_then(|lines| frame.with_column(lines.into_column()).map(|_| ()));
            if let Err(e) = shifted {
                self.failure = Some(polars_error(reading.path, e));
            }
        }
        for row in &mut self.rejected {
            row.line += by;
        }
        if let Some(IngestError::BadRow { line, .. }) = &mut self.failure {
            *line += by;
        }
        if let Some(open) = &mut self.open {
            open.line += by;
        }
        self.next_line += by;
        self
    }
}

/// Bytes a row in the blocks read so far, for the room each block's rows are given.
#[derive(Default)]
struct RowBytes {
    bytes: AtomicU64,
    rows: AtomicU64,
}

impl RowBytes {
    /// Room for the rows of `bytes` bytes: as many as the blocks before held in as many, an
    /// eighth more; before any, a guess (research rows are 300 to 900 bytes).
    fn rows_in(&self, bytes: usize) -> usize {
        let (seen, rows) = (
            self.bytes.load(Ordering::Relaxed),
            self.rows.load(Ordering::Relaxed),
        );
        let rows = match (seen, rows) {
            (0, _) | (_, 0) => bytes as u64 / 256,
            _ => (bytes as u64).saturating_mul(rows) / seen * 9 / 8,
        };
        usize::try_from(rows)
            .unwrap_or(usize::MAX)
            .saturating_add(16)
    }

    fn add(&self, bytes: usize, rows: u64) {
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        self.rows.fetch_add(rows, Ordering::Relaxed);
    }
}

/// Checks and gathers the records of `block`, as [`super::read`] does for a file.
fn read_block(block: &Block, reading: &Reading, sizes: &RowBytes) -> BlockRead {
    let mut out = BlockRead::default();
    let bytes = &block.bytes[block.start..];
    let mut records = Records::new(bytes, block.first_line);
    let room = sizes.rows_in(bytes.len());
    let mut chunk = Chunk::new(reading.columns, reading.file_index, room);
    let mut header = block.header;
    loop {
        let (offset, line, blank) = (
            records.position(),
            records.next_line(),
            records.blank_lines(),
        );
        let encoding = if header {
            // The header is never validated: gogen accepted one with a trailing comma.
            Encoding::Latin1
        } else {
            reading.encoding
        };
        // Reading a slice cannot fail.
        let Ok(Some(record)) = records.next_record(encoding) else {
            break;
        };
        if record.cut_by_end && !block.last {
            out.blank_lines = blank;
            out.open = Some(Open {
                offset: block.start + offset,
                line,
                header,
            });
            return finish(out, chunk, reading);
        }
        if std::mem::take(&mut header) {
            continue;
        }
        out.read += 1;
        match record.verdict {
            Ok(()) => {
                out.accepted += 1;
                chunk.push(&record, reading.encoding);
                if chunk.is_full() {
                    match chunk.take() {
                        Ok(frame) => out.frames.push(frame),
                        Err(e) => {
                            out.failure = Some(polars_error(reading.path, e));
                            return out;
                        }
                    }
                }
            }
            Err(problem) if reading.on_bad_rows == OnBadRows::Fail => {
                out.failure = Some(IngestError::BadRow {
                    path: reading.path.to_path_buf(),
                    line: record.line,
                    problem: problem.describe(),
                });
                return out;
            }
            Err(problem) => {
                let row = rejected_row(reading.path, record.line, &problem, record.bytes);
                out.rejected.push(row);
            }
        }
    }
    out.blank_lines = records.blank_lines();
    out.next_line = records.next_line();
    sizes.add(bytes.len(), out.read);
    finish(out, chunk, reading)
}

fn finish(mut out: BlockRead, mut chunk: Chunk, reading: &Reading) -> BlockRead {
    if !chunk.is_empty() {
        match chunk.take() {
            Ok(frame) => out.frames.push(frame),
            Err(e) => out.failure = Some(polars_error(reading.path, e)),
        }
    }
    out
}

/// What the whole file came to, besides the blocks' rows.
pub struct FileRead {
    pub has_header: bool,
    pub sha256: String,
}

/// Reads `path` on every core. `visit` gets each block's result and size in file order, on
/// the calling thread, and returns false to stop reading (then `None`).
pub fn read_blocks(
    path: &Path,
    reading: &Reading,
    mut visit: impl FnMut(BlockRead, usize) -> Result<bool, IngestError>,
) -> Result<Option<FileRead>, IngestError> {
    // One per thread of rayon's global pool: one per core, or `--threads`.
    let workers = rayon::current_num_threads();
    let (to_workers, jobs) = sync_channel::<(Block, SyncSender<BlockRead>)>(workers);
    let jobs = Mutex::new(jobs);
    // Blocks in file order with their results to come; bounded, so that reading stays a few
    // blocks ahead at most.
    let (in_order, ordered) = sync_channel::<(Block, Receiver<BlockRead>)>(workers);
    let sizes = RowBytes::default();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (jobs, sizes) = (&jobs, &sizes);
            scope.spawn(move || {
                loop {
                    let job = jobs.lock().map(|jobs| jobs.recv());
                    let Ok(Ok((block, result))) = job else { break };
                    let read = read_block(&block, reading, sizes);
                    drop(block);
                    let _ = result.send(read);
                }
            });
        }
        let reader = scope.spawn(move || read_file_blocks(path, reading, to_workers, in_order));
        let merged = merge(ordered, (reading, &sizes), &mut visit);
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let stopped = merged?;
        let (has_header, sha256) = read?;
        Ok((!stopped).then_some(FileRead { has_header, sha256 }))
    })
}

/// Takes the results in file order, moves their lines to where their blocks start, reads
/// again what a cut left open, and hands each on. True when `visit` asked to stop.
fn merge(
    ordered: Receiver<(Block, Receiver<BlockRead>)>,
    (reading, sizes): (&Reading, &RowBytes),
    visit: &mut impl FnMut(BlockRead, usize) -> Result<bool, IngestError>,
) -> Result<bool, IngestError> {
    let mut carried: Option<(Vec<u8>, Open)> = None;
    // The file's line where the next block starts.
    let mut line = 1;
    for (block, result) in ordered {
        let size = block.bytes.len() - block.start;
        // A worker only drops its result when the program is already failing.
        let guessed = result.recv().unwrap_or_default();
        let (mut read, source) = match carried.take() {
            None => (guessed.shifted(line - 1, reading), block.bytes),
            Some((mut bytes, open)) => {
                bytes.extend_from_slice(&block.bytes[block.start..]);
                let joined = Block {
                    bytes: Arc::new(Buffer {
                        bytes,
                        from: 0,
                        spare: block.bytes.spare.clone(),
                    }),
                    start: 0,
                    first_line: open.line,
                    header: open.header,
                    last: block.last,
                };
                (read_block(&joined, reading, sizes), joined.bytes)
            }
        };
        match read.open.take() {
            Some(open) => carried = Some((source[open.offset..].to_vec(), open)),
            None => line = read.next_line,
        }
        if !visit(read, size)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads the file in blocks cut after a line end and sends each to the workers and, in order,
/// to [`merge`]. Whether the file starts with a header, and the SHA-256 of its bytes (so
/// that a reader of the report can check which file was read).
fn read_file_blocks(
    path: &Path,
    reading: &Reading,
    to_workers: SyncSender<(Block, SyncSender<BlockRead>)>,
    in_order: SyncSender<(Block, Receiver<BlockRead>)>,
) -> Result<(bool, String), IngestError> {
    let unreadable = |source| IngestError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    // The device reads the next blocks while this one is hashed: read, then hashed, on this
    // thread alone, a block waited for the device about half the time.
    let front = CARRY_ROOM.min(reading.block_bytes);
    let file = ReadAhead::new(super::open(path)?, path, reading.block_bytes, front);
    let spare = file.recycler();
    let mut rest: Vec<u8> = Vec::new();
    let mut first = true;
    let mut has_header = false;
    let mut sha = Sha256::new();
    loop {
        let Some((bytes, from, eof)) = next_cut(&file, &mut rest, &spare).map_err(unreadable)?
        else {
            continue;
        };
        let mut start = 0;
        if first {
            start = if bytes[from..].starts_with(UTF8_BOM) {
                UTF8_BOM.len()
            } else {
                0
            };
            has_header = bytes[from + start..].starts_with(HEADER_START);
        }
        sha.update(&bytes[from..]);
        let bytes = Arc::new(Buffer {
            bytes,
            from,
            spare: spare.clone(),
        });
        let block = |bytes| Block {
            bytes,
            start,
            first_line: 1,
            header: first && has_header,
            last: eof,
        };
        let (result_tx, result_rx) = sync_channel(1);
        let sent = to_workers
            .send((block(Arc::clone(&bytes)), result_tx))
            .is_ok()
            && in_order.send((block(bytes), result_rx)).is_ok();
        if !sent || eof {
            break;
        }
        first = false;
    }
    let sha256 = sha.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((has_header, sha256))
}

/// Room kept before each block read for the end of the block before (the start of a line
/// it cut); a longer end is copied with the block instead.
const CARRY_ROOM: usize = 64 << 10;

/// The next block read, after `rest` (what the block before left after its last line end),
/// cut after its own last line end, what follows left in `rest`: its buffer, where its
/// bytes start, and whether it ends the file (then it is not cut). None when the block
/// held no line end: all of it is left in `rest`.
fn next_cut(
    file: &ReadAhead,
    rest: &mut Vec<u8>,
    spare: &Sender<Vec<u8>>,
) -> std::io::Result<Option<(Vec<u8>, usize, bool)>> {
    let Some(read) = file.next_block() else {
        return Err(std::io::Error::other(
            "the file's reading stopped before its end",
        ));
    };
    let (mut bytes, at, eof) = read?;
    let from = if rest.len() <= at {
        let from = at - rest.len();
        bytes[from..at].copy_from_slice(rest);
        rest.clear();
        from
    } else {
        rest.extend_from_slice(&bytes[at..]);
        let _ = spare.send(std::mem::replace(&mut bytes, std::mem::take(rest)));
        0
    };
    if eof {
        return Ok(Some((bytes, from, eof)));
    }
    match memchr::memrchr(b'\n', &bytes[from..]) {
        Some(end) => {
            let cut = from + end + 1;
            rest.extend_from_slice(&bytes[cut..]);
            bytes.truncate(cut);
            Ok(Some((bytes, from, eof)))
        }
        None => {
            rest.extend_from_slice(&bytes[from..]);
            let _ = spare.send(bytes);
            Ok(None)
        }
    }
}
