use crate::ingest::{Encoding, IngestOptions, OnBadRows};

/// How research files are read: the options `run` and `ingest` share.
#[derive(Debug, clap::Args)]
pub struct ReadingArgs {
    /// What to do with a malformed row: stop at it (fail) or write it to
    /// rejected_rows.csv and go on (skip). A prepared input keeps the choice.
    #[arg(long, value_enum, default_value_t = OnBadRows::Fail)]
    pub on_bad_rows: OnBadRows,
    /// Text encoding of the input files.
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    pub encoding: Encoding,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Rows typed at a time before they are reduced to convictions (for tests).
    #[arg(long, hide = true, value_name = "ROWS")]
    pub batch_rows: Option<usize>,
}

impl ReadingArgs {
    /// The library's reading options (a progress bar unless `--quiet`).
    pub fn options(&self) -> IngestOptions {
        IngestOptions {
            on_bad_rows: self.on_bad_rows,
            encoding: self.encoding,
            progress: !self.quiet,
            block_bytes: None,
            batch_rows: self.batch_rows,
        }
    }
}
