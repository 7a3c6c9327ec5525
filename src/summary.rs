//! `summary.json`: what a run read, what it kept, and the quality of the data.

use serde::{Deserialize, Serialize};

use crate::ingest::FileAccount;
use crate::normalize::quality::QualityCount;

/// Rows read = rows accepted + rows rejected, over all files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowAccounting {
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    /// True when the three numbers add up, per file and in total.
    pub reconciles: bool,
    pub files: Vec<FileAccount>,
}

impl RowAccounting {
    /// Totals over `files`.
    pub fn new(files: Vec<FileAccount>) -> Self {
        let sum = |f: fn(&FileAccount) -> u64| files.iter().map(f).sum::<u64>();
        let (read, accepted, rejected) = (
            sum(|f| f.rows_read),
            sum(|f| f.rows_accepted),
            sum(|f| f.rows_rejected),
        );
        let reconciles = read == accepted + rejected
            && files
                .iter()
                .all(|f| f.rows_read == f.rows_accepted + f.rows_rejected);
        RowAccounting {
            rows_read: read,
            rows_accepted: accepted,
            rows_rejected: rejected,
            reconciles,
            files,
        }
    }
}

/// The whole `summary.json`, written by a run and read back by `clearstat report`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub clearstat_version: String,
    pub county: String,
    pub compute_at: String,
    /// The chosen flow.
    pub flow: String,
    /// Its rules in words (as `clearstat flows` prints them).
    pub flow_rules: String,
    pub on_bad_rows: crate::ingest::OnBadRows,
    pub encoding: crate::ingest::Encoding,
    /// The prepared input the rows were read from (`clearstat ingest`), if any; `rows`
    /// accounts for the research files it was made from.
    pub prepared_input: Option<String>,
    /// True when `gogen/` was written (not with `--no-gogen` or from a prepared input).
    pub gogen_bundle: bool,
    pub rows: RowAccounting,
    pub convictions: u64,
    pub subjects: u64,
    pub prop64_convictions: u64,
    pub prop64_convictions_in_county: u64,
    /// Every gogen summary field (docs/gogen-compatibility.md), computed correctly.
    pub gogen: crate::outputs::gogen::GogenSummary,
    pub data_quality: Vec<QualityCount>,
    /// Counts from 1 to this are withheld in the published tables (0: none).
    pub min_cell: u64,
    /// How the publication was checked for withheld counts that could be worked out (None
    /// until it is published).
    pub suppression_check: Option<crate::analytics::publication::Check>,
    /// What is dated after `compute_at`, the as-of date, and so left out of the review and
    /// of every count.
    pub left_out_as_of: crate::prepared::LeftOut,
    /// The population figures the published tables compare with.
    pub population: Option<crate::population::Baseline>,
    /// True when identifiers in the row-level outputs are keyed pseudonyms (and free text
    /// and the quasi-identifiers clearstat does not read are withheld).
    pub pseudonymized: bool,
    /// True when dates of birth in the row-level outputs are cut to the year.
    pub birth_year_only: bool,
}
