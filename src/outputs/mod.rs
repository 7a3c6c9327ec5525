//! Outputs: files written into the run's output folder. Every file is written under a
//! temporary name and renamed into place, so a failed run leaves no half-written file.

pub mod export;
pub mod gogen;
pub mod pseudonym;

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::direct::DirectFile;
use crate::ingest::{RejectedRow, private_file};

/// The file names written by a run.
pub mod files {
    pub const CONVICTIONS: &str = "convictions.parquet";
    pub const SUBJECTS: &str = "subjects.parquet";
    pub const SUMMARY: &str = "summary.json";
    pub const REJECTED: &str = "rejected_rows.csv";
    pub const GOGEN: &str = "gogen";
    pub const GOGEN_SUMMARY: &str = "gogen.json";
    pub const TABLES: &str = "tables";
    /// The population figures the tables compare with (public aggregates).
    pub const BASELINE: &str = "population_baseline.parquet";
    /// Every population table the run could compare with, all years (public aggregates): the
    /// residents of each period's rates.
    pub const POPULATION: &str = "population.parquet";
    /// The race mapping the tables used.
    pub const RACE_MAP: &str = "race_map.csv";
    pub const CHARTS: &str = "charts";
    pub const REPORT_HTML: &str = "report.html";
    pub const REPORT_MD: &str = "report.md";
    /// Everything a run writes at the top of its folder.
    pub const ALL: [&str; 12] = [
        CONVICTIONS,
        SUBJECTS,
        SUMMARY,
        REJECTED,
        GOGEN,
        TABLES,
        BASELINE,
        POPULATION,
        RACE_MAP,
        CHARTS,
        REPORT_HTML,
        REPORT_MD,
    ];
}

/// Errors of the output stage.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot create the output folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error(
        "{path} holds the outputs of an earlier run; choose another --out, or pass --force to \
         replace them"
    )]
    PreviousRun { path: PathBuf },
    #[error("{path} already exists; choose another --out, or pass --force to replace it")]
    Exists { path: PathBuf },
}

fn write_error(path: &Path, message: impl ToString) -> OutputError {
    OutputError::Write {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Prepares the output folder of a run: creates it, or, when it holds an earlier run's files,
/// refuses (old and new files must never mix) unless `force`, which removes those files
/// (and only those: other files in the folder are left alone).
pub fn prepare_run_folder(path: &Path, force: bool) -> Result<(), OutputError> {
    let earlier: Vec<PathBuf> = files::ALL
        .iter()
        .map(|name| path.join(name))
        .filter(|p| p.exists())
        .collect();
    if !earlier.is_empty() {
        if !force {
            return Err(OutputError::PreviousRun {
                path: path.to_path_buf(),
            });
        }
        for p in earlier {
            let removed = if p.is_dir() {
                fs::remove_dir_all(&p)
            } else {
                fs::remove_file(&p)
            };
            removed.map_err(|e| write_error(&p, e))?;
        }
    }
    create_folder(path)
}

/// Creates a folder (and its parents).
pub fn create_folder(path: &Path) -> Result<(), OutputError> {
    fs::create_dir_all(path).map_err(|source| OutputError::Folder {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `path` through `write`, atomically: a temporary file beside it, then a rename.
/// The file is readable by its owner only (outputs may hold row-level data).
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut Sink) -> Result<(), String>,
) -> Result<(), OutputError> {
    let mut file = AtomicFile::create(path)?;
    write(file.writer()).map_err(|message| write_error(path, message))?;
    file.finish()
}

/// A file being written under a temporary name beside its final one; [`AtomicFile::finish`]
/// renames it into place, and dropping it unfinished removes it, so that no half-written
/// file is ever left under the final name. For writing several files in one pass.
pub struct AtomicFile {
    path: PathBuf,
    temporary: PathBuf,
    out: Option<Sink>,
}

/// Where an output's bytes go: through the page cache, or, for a large file, straight to the
/// device ([`crate::direct`]).
pub enum Sink {
    Cached(BufWriter<fs::File>),
    Direct(DirectFile),
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Cached(out) => out.write(data),
            Sink::Direct(out) => out.write(data),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Cached(out) => out.write_all(data),
            Sink::Direct(out) => out.write_all(data),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Cached(out) => out.flush(),
            Sink::Direct(out) => out.flush(),
        }
    }
}

impl AtomicFile {
    /// Starts writing `path` (readable by its owner only: outputs may hold row-level data).
    pub fn create(path: &Path) -> Result<AtomicFile, OutputError> {
        let temporary = temporary_path(path);
        let file = private_file(&temporary).map_err(|e| write_error(path, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            temporary,
            out: Some(Sink::Cached(BufWriter::with_capacity(1 << 20, file))),
        })
    }

    /// [`AtomicFile::create`] for a large file, written straight to the device where the
    /// system offers it (see [`crate::direct`]).
    pub fn create_large(path: &Path) -> Result<AtomicFile, OutputError> {
        let temporary = temporary_path(path);
        match DirectFile::create(&temporary) {
            Some(file) => Ok(AtomicFile {
                path: path.to_path_buf(),
                temporary,
                out: Some(Sink::Direct(file)),
            }),
            None => AtomicFile::create(path),
        }
    }

    /// Where to write.
    pub fn writer(&mut self) -> &mut Sink {
        self.out
            .as_mut()
            .expect("an AtomicFile is written until finished")
    }

    /// The final path, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes and renames the file into place. No fsync: the rename protects against a run
    /// that fails, which is the promise; syncing every output cost 1.4 s of a 1M-row run,
    /// for protection against a power cut that a rerun repairs.
    pub fn finish(mut self) -> Result<(), OutputError> {
        let written = match self.out.take().expect("finished once") {
            Sink::Cached(out) => out
                .into_inner()
                .map(drop)
                .map_err(|e| e.error().to_string()),
            Sink::Direct(out) => out.finish().map_err(|e| e.to_string()),
        };
        let done = written
            .and_then(|()| fs::rename(&self.temporary, &self.path).map_err(|e| e.to_string()));
        done.map_err(|message| {
            let _ = fs::remove_file(&self.temporary);
            write_error(&self.path, message)
        })
    }
}

/// The temporary name `path` is written under: hidden, beside it.
fn temporary_path(path: &Path) -> PathBuf {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{file_name}.partial"))
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.is_some() {
            // Unfinished (an error on the way): leave nothing behind.
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

/// Writes a frame as Parquet (zstd, with each column's minimum, maximum and null count: what
/// readers use to skip row groups; distinct counts cost a hash of every value and no reader
/// here uses them).
pub fn write_parquet(frame: &DataFrame, path: &Path) -> Result<(), OutputError> {
    write_parquet_with_metadata(frame, path, Vec::new())
}

/// [`write_parquet`] with key-value pairs in the file's metadata.
pub fn write_parquet_with_metadata(
    frame: &DataFrame,
    path: &Path,
    metadata: Vec<(String, String)>,
) -> Result<(), OutputError> {
    write_parquet_shaped(frame, path, metadata, &Ok)
}

/// [`write_parquet_with_metadata`], each row group passed through `shape` first (a table
/// held compactly in memory is written as it reads).
pub fn write_parquet_shaped(
    frame: &DataFrame,
    path: &Path,
    metadata: Vec<(String, String)>,
    shape: &dyn Fn(DataFrame) -> PolarsResult<DataFrame>,
) -> Result<(), OutputError> {
    let metadata = (!metadata.is_empty()).then(|| KeyValueMetadata::from_static(metadata));
    write_atomically(path, |out| {
        let write = || -> PolarsResult<()> {
            let schema = shape(frame.clear())?.schema().clone();
            let mut writer = ParquetWriter::new(out)
                .with_compression(ParquetCompression::Zstd(None))
                .with_statistics(StatisticsOptions::default())
                .with_key_value_metadata(metadata)
                .batched(&schema)?;
            // Row groups of a fixed number of rows, each one chunk: the file follows from
            // the rows alone, not from how they were chunked in memory (a run reduces its
            // rows in batches).
            let mut offset = 0;
            while offset < frame.height() {
                let mut group = shape(frame.slice(offset as i64, ROW_GROUP_ROWS))?;
                group.rechunk_mut();
                writer.write_batch(&group)?;
                offset += ROW_GROUP_ROWS;
            }
            writer.finish().map(|_| ())
        };
        write().map_err(|e| e.to_string())
    })
}

/// Rows in each row group of the Parquet files (Polars' default).
const ROW_GROUP_ROWS: usize = 512 * 512;

/// Writes a frame as CSV with a header.
pub fn write_csv(frame: &mut DataFrame, path: &Path) -> Result<(), OutputError> {
    write_atomically(path, |out| {
        CsvWriter::new(out)
            .include_header(true)
            .finish(frame)
            .map_err(|e| e.to_string())
    })
}

/// Writes `text` to `path`.
pub fn write_text(path: &Path, text: &str) -> Result<(), OutputError> {
    write_atomically(path, |out| {
        out.write_all(text.as_bytes()).map_err(|e| e.to_string())
    })
}

/// Writes the rejected rows (file, line, reason, raw text) as CSV.
/// Writes `rejected_rows.csv`; the raw text only when `text_kept` (not with `--pseudonymize`).
pub fn write_rejected(
    rows: &[RejectedRow],
    path: &Path,
    text_kept: bool,
) -> Result<(), OutputError> {
    let withheld = "(withheld: --pseudonymize)";
    let mut frame = df!(
        "file" => rows.iter().map(|r| r.file.display().to_string()).collect::<Vec<_>>(),
        "line" => rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        "reason" => rows.iter().map(|r| r.reason.clone()).collect::<Vec<_>>(),
        "raw_text" => rows
            .iter()
            .map(|r| if text_kept { r.raw.clone() } else { withheld.to_string() })
            .collect::<Vec<_>>(),
    )
    .map_err(|e| write_error(path, e))?;
    write_csv(&mut frame, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_is_in_place_once_finished_and_nowhere_if_dropped() -> std::io::Result<()> {
        let dir = std::env::temp_dir().join(format!("clearstat-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir)?;
        let (done, dropped) = (dir.join("done.csv"), dir.join("dropped.csv"));
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut file = AtomicFile::create_large(&done).map_err(std::io::Error::other)?;
        file.writer().write_all(&bytes)?;
        file.finish().map_err(std::io::Error::other)?;
        assert_eq!(fs::read(&done)?, bytes);
        let mut file = AtomicFile::create_large(&dropped).map_err(std::io::Error::other)?;
        file.writer().write_all(&bytes)?;
        drop(file);
        let left: Vec<_> = fs::read_dir(&dir)?
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, ["done.csv"]);
        fs::remove_dir_all(&dir)
    }
}
