//! A published table (`tables/NAME.parquet`) read back, for the charts and the report.

use std::path::{Path, PathBuf};

use polars::prelude::*;

/// A published table could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the table {path}: {message}")]
pub struct TableError {
    pub path: PathBuf,
    pub message: String,
}

/// A published table read back, with typed access to its columns.
pub struct Published {
    pub frame: DataFrame,
    pub path: PathBuf,
}

impl Published {
    /// Reads `tables/NAME.parquet`.
    pub fn read(tables: &Path, name: &str) -> Result<Published, TableError> {
        let path = tables.join(format!("{name}.parquet"));
        let failed = |message: String| TableError {
            path: path.clone(),
            message,
        };
        let file = std::fs::File::open(&path).map_err(|e| failed(e.to_string()))?;
        let frame = ParquetReader::new(file)
            .finish()
            .map_err(|e| failed(e.to_string()))?;
        Ok(Published { frame, path })
    }

    fn error(&self, e: PolarsError) -> TableError {
        TableError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Keeps the rows of `county` (all rows when None).
    pub fn only_county(self, county: Option<&str>) -> Result<Published, TableError> {
        let Some(county) = county else {
            return Ok(self);
        };
        let frame = self
            .frame
            .clone()
            .lazy()
            .filter(col("county").eq(lit(county.to_string())))
            .collect()
            .map_err(|e| self.error(e))?;
        Ok(Published { frame, ..self })
    }

    /// A column as text; null as `unknown`.
    pub fn text(&self, name: &str) -> Result<Vec<String>, TableError> {
        let column = self
            .frame
            .column(name)
            .and_then(|c| c.cast(&DataType::String))
            .map_err(|e| self.error(e))?;
        let strings = column.str().map_err(|e| self.error(e))?;
        Ok(strings
            .iter()
            .map(|s| s.unwrap_or("unknown").to_string())
            .collect())
    }

    /// A column as numbers; null (withheld or missing) as None.
    pub fn numbers(&self, name: &str) -> Result<Vec<Option<f64>>, TableError> {
        let column = self
            .frame
            .column(name)
            .and_then(|c| c.cast(&DataType::Float64))
            .map_err(|e| self.error(e))?;
        Ok(column.f64().map_err(|e| self.error(e))?.iter().collect())
    }

    /// Two columns as (low, high) intervals.
    pub fn intervals(&self, low: &str, high: &str) -> Result<Vec<Option<(f64, f64)>>, TableError> {
        Ok(self
            .numbers(low)?
            .into_iter()
            .zip(self.numbers(high)?)
            .map(|(l, h)| l.zip(h))
            .collect())
    }
}

/// Exactly as the CSV shows a cell: for citing a table in the report.
pub fn csv_text(frame: &DataFrame, row: usize, column: &str) -> PolarsResult<Option<String>> {
    let value = frame.column(column)?.get(row)?;
    Ok(match value {
        AnyValue::Null => None,
        AnyValue::Float64(v) => Some(format!("{v}")),
        AnyValue::String(v) => Some(v.to_string()),
        other => Some(other.to_string().trim_matches('"').to_string()),
    })
}

/// The county with the most people reviewed (`statewide_by_county`): the one the per-county
/// charts and facts show when a run covers several.
pub fn busiest_county(tables: &Path) -> Result<Option<String>, TableError> {
    let table = Published::read(tables, "statewide_by_county")?;
    let counties = table.text("county")?;
    let people = table.numbers("people")?;
    Ok(counties
        .into_iter()
        .zip(people)
        .max_by(|a, b| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0)))
        .map(|(county, _)| county))
}
