//! Prepared input: what `clearstat ingest` writes and `clearstat run` reads in place of the
//! research files. One Parquet file holds the typed rows of [`crate::normalize::records`] and,
//! in its key-value metadata, the row accounting of the files they came from (rejected rows
//! included), so that a run from it reports exactly what a run from the files would, without
//! checking, parsing and normalizing them again.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Encoding, FileAccount, IngestError, OnBadRows, RejectedRow};
use crate::outputs::{self, OutputError};

/// The metadata key the provenance is stored under.
const KEY: &str = "clearstat.prepared";
/// The layout written; a run refuses any other.
const FORMAT: u32 = 1;

/// Where the rows came from and how they were read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    pub format: u32,
    pub clearstat_version: String,
    pub on_bad_rows: OnBadRows,
    pub encoding: Encoding,
    /// Every research file read, with its SHA-256 and row accounting.
    pub files: Vec<FileAccount>,
    pub rejected: Vec<RejectedRow>,
}

impl Provenance {
    /// The provenance of rows read now by this clearstat.
    pub fn new(
        on_bad_rows: OnBadRows,
        encoding: Encoding,
        files: Vec<FileAccount>,
        rejected: Vec<RejectedRow>,
    ) -> Self {
        Provenance {
            format: FORMAT,
            clearstat_version: env!("CARGO_PKG_VERSION").to_string(),
            on_bad_rows,
            encoding,
            files,
            rejected,
        }
    }
}

/// True when `path` starts as a Parquet file does (research files are text).
pub fn is_prepared(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"PAR1"
}

/// Writes the typed rows and their provenance to `path` (readable by its owner only).
pub fn write(
    path: &Path,
    records: &mut DataFrame,
    provenance: &Provenance,
) -> Result<(), OutputError> {
    let text = serde_json::to_string(provenance).map_err(|e| OutputError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    outputs::write_parquet_with_metadata(records, path, vec![(KEY.to_string(), text)])
}

/// Reads a prepared input: its rows (checked against the columns this clearstat makes) and
/// their provenance.
pub fn read(path: &Path, expected: &Schema) -> Result<(DataFrame, Provenance), IngestError> {
    let problem = |problem: String| IngestError::Prepared {
        path: path.to_path_buf(),
        problem,
    };
    let file = File::open(path).map_err(|source| IngestError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = ParquetReader::new(file);
    let metadata = reader
        .get_metadata()
        .map_err(|e| problem(format!("not a readable Parquet file ({e})")))?;
    let stored = metadata
        .key_value_metadata()
        .as_ref()
        .and_then(|pairs| pairs.iter().find(|pair| pair.key == KEY))
        .and_then(|pair| pair.value.clone())
        .ok_or_else(|| problem("a Parquet file, but not one `clearstat ingest` wrote".into()))?;
    let provenance: Provenance = serde_json::from_str(&stored)
        .map_err(|_| problem("its provenance cannot be read".into()))?;
    if provenance.format != FORMAT {
        return Err(problem(format!(
            "written by clearstat {} in layout {}; this clearstat reads layout {FORMAT}",
            provenance.clearstat_version, provenance.format
        )));
    }
    let rows = reader
        .finish()
        .map_err(|e| problem(crate::redact::polars_message(&e)))?;
    if let Some(difference) = schema_difference(rows.schema(), expected) {
        return Err(problem(format!(
            "its columns are not those clearstat {} makes ({difference})",
            env!("CARGO_PKG_VERSION")
        )));
    }
    Ok((rows, provenance))
}

/// The first column where `found` differs from `expected`, in words.
fn schema_difference(found: &Schema, expected: &Schema) -> Option<String> {
    for (i, (name, dtype)) in expected.iter().enumerate() {
        match found.get_at_index(i) {
            Some((n, d)) if n == name && d == dtype => {}
            Some((n, d)) => {
                return Some(format!(
                    "column {}: {n} ({d}), expected {name} ({dtype})",
                    i + 1
                ));
            }
            None => return Some(format!("column {name} missing")),
        }
    }
    (found.len() > expected.len())
        .then(|| format!("{} extra columns", found.len() - expected.len()))
}
