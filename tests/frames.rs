//! Reading frames back in tests.

use std::path::Path;

use polars::prelude::*;

/// A column as text, null as `None`.
pub fn strings(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    let s = df.column(name).unwrap().cast(&DataType::String).unwrap();
    s.str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// A Parquet file, read whole.
pub fn read_parquet(path: &Path) -> DataFrame {
    LazyFrame::scan_parquet(
        PlRefPath::from(path.to_string_lossy().as_ref()),
        Default::default(),
    )
    .unwrap()
    .collect()
    .unwrap()
}
