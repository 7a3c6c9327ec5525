//! The one integration-test binary (each extra top-level file would link Polars again).

// A fresh directory per test and the real binary run inside it.
mod testdir;
// DOJ rows built from defaults, with the few fields a test cares about.
mod doj;
// Reading frames back: a column as text, a Parquet file.
mod frames;

// Reading research files: headers, encodings, bad rows, row accounting.
mod ingest;
// Normalization rules, each with a positive and a negative example.
mod normalize;
// The synthetic data generator: determinism, layout, distributions.
mod generate;
// The front door: the README's commands, exit codes, output files.
mod run;
// Flows, gogen conformance, options and flow files.
mod eligibility;
// An independent row-at-a-time model of the configurable flow against the engine.
mod model;
// The SQL breakdowns in queries/ and `clearstat query`.
mod analytics;
// Tables, charts and the report: fact sheet citations, the browser, the example, suppression.
mod report;
// A second engine (DuckDB) recomputes every published table from the run's files.
mod engines;
// The suppression audit: every published count from the rows, nothing withheld recoverable.
mod disclosure;
// `clearstat ingest` and runs from a prepared input.
mod prepared;
// Same inputs and options, same bytes: twice, and with one thread or two.
mod reproducible;
// The bad-input corpus (tests/corpus/): exact messages, exit codes, no PII, no half files.
mod corpus;
// --pseudonymize: identifiers replaced, statistics unchanged, the key written nowhere.
mod privacy;
// The fuzz targets' regression inputs (fuzz/regressions/).
mod fuzz;
