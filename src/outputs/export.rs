//! `clearstat export`: a finished run's row-level tables laid out for engines beyond one
//! machine (Spark, Trino, DuckDB over a bucket): the convictions as Hive-partitioned Parquet by
//! county (`convictions/county=LOS ANGELES/part-0.parquet`: the county is in the path, not in
//! the file), the subjects and the population tables as they are, and the race mapping. The
//! queries in `queries/` run over it as over the run (see `benches/spark`).

use std::fs;
use std::path::Path;

use polars::prelude::*;

use super::{OutputError, create_folder, files, write_error, write_parquet};

/// Hive's name for a partition whose value is null.
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    /// Counties (partitions) of the convictions, and their rows.
    pub counties: usize,
    pub convictions: usize,
}

/// Exports the run in `run` into `out` (which must not exist unless `force`).
pub fn export(run: &Path, out: &Path, force: bool) -> Result<Exported, OutputError> {
    if out.exists() {
        if !force {
            return Err(OutputError::Exists {
                path: out.to_path_buf(),
            });
        }
        fs::remove_dir_all(out).map_err(|e| write_error(out, e))?;
    }
    let read = |name: &str| -> Result<DataFrame, OutputError> {
        let path = run.join(name);
        let file = fs::File::open(&path).map_err(|e| write_error(&path, e))?;
        ParquetReader::new(file)
            .finish()
            .map_err(|e| write_error(&path, e))
    };
    let convictions = read(files::CONVICTIONS)?;
    let convictions_rows = convictions.height();
    let parts = convictions
        .lazy()
        .with_column(col("county").cast(DataType::String))
        .collect()
        .and_then(|frame| frame.partition_by_stable(["county"], true))
        .map_err(|e| write_error(&run.join(files::CONVICTIONS), e))?;
    let counties = parts.len();
    for mut part in parts {
        let county = part
            .column("county")
            .and_then(|c| c.str().map(|s| s.get(0).map(str::to_string)))
            .map_err(|e| write_error(out, e))?
            .unwrap_or_else(|| NULL_PARTITION.to_string());
        let _ = part.drop_in_place("county");
        let folder = out
            .join("convictions")
            .join(format!("county={}", escape(&county)));
        create_folder(&folder)?;
        write_parquet(&part, &folder.join("part-0.parquet"))?;
    }
    for (name, folder) in [
        (files::SUBJECTS, "subjects"),
        (files::BASELINE, "baseline"),
        (files::POPULATION, "population"),
    ] {
        create_folder(&out.join(folder))?;
        write_parquet(&read(name)?, &out.join(folder).join("part-0.parquet"))?;
    }
    let race_map = run.join(files::RACE_MAP);
    fs::copy(&race_map, out.join(files::RACE_MAP)).map_err(|e| write_error(&race_map, e))?;
    Ok(Exported {
        counties,
        convictions: convictions_rows,
    })
}

/// A partition value as Hive writes it in a path: `%XX` for the characters it escapes.
fn escape(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '"' | '#' | '%' | '\'' | '*' | '/' | ':' | '=' | '?' | '\\' | '{' | '[' | ']' | '^' => {
                format!("%{:02X}", c as u32)
            }
            c if c.is_control() => format!("%{:02X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn partition_values_escape_as_hive_does() {
        assert_eq!(super::escape("LOS ANGELES"), "LOS ANGELES");
        assert_eq!(super::escape("A/B=C%"), "A%2FB%3DC%25");
    }
}
