//! clearstat: California DOJ criminal-history research files → Proposition 64 relief decisions
//! and the statistics published about them.
//!
//! The modules follow the pipeline: [`ingest`] → [`normalize`] → [`outputs`], driven by
//! [`pipeline`]; [`generate`] makes synthetic research files, [`population`] holds the census
//! baselines, and [`cli`] is the command line.

pub mod analytics;
pub mod charts;
pub mod dates;
pub mod eligibility;
#[doc(hidden)]
pub mod fuzzing;
pub mod ingest;
pub mod normalize;
pub mod outputs;
pub mod pipeline;
pub mod prepared;
pub mod progress;
pub mod redact;
pub mod report;
pub mod suggest;

pub mod generate;
pub mod population;

pub mod cli;
