//! How the decided convictions are held in memory: the texts with few distinct values as
//! categories (a 4-byte code a row instead of a 16-byte view, and their long texts once).
//! At 10M rows the decided convictions are most of a run's memory, and these texts most of
//! theirs. Every output sees text: [`as_text`] casts them back, so the Parquet files, CSVs
//! and tables are those of a table held as text.

use polars::prelude::*;

use super::Scenario;
use super::facts;
use crate::normalize::columns as c;
use crate::normalize::conviction;

/// The conviction table's texts with few distinct values (identifiers such as the subject
/// ID, OFN and case number stay text; county, race and gender are categories from the start
/// and written as such).
const FEW_VALUES: [&str; 12] = [
    c::COUNT_ORDER,
    c::CYCLE,
    c::STEP,
    c::CODE_SECTION,
    c::OFFENSE_DESCR,
    c::PROP64_SECTION,
    c::PROP64_SUBSECTION,
    c::COMMENT_TEXT,
    c::POSSIBLE_OTHER_PROP64_CHARGE,
    c::SOURCE_FILE,
    facts::SUBJECT_SUPERSTRIKE_SECTIONS,
    facts::SUBJECT_PC290_SECTIONS,
];

/// The columns held as categories: `FEW_VALUES` and each scenario's determination and
/// reason.
pub fn columns(scenarios: &[Scenario]) -> Vec<String> {
    let decisions = scenarios
        .iter()
        .flat_map(|s| [s.determination_column(), s.reason_column()]);
    FEW_VALUES
        .iter()
        .map(|n| n.to_string())
        .chain(decisions)
        .collect()
}

/// `decided` with `columns` (those it has) held as categories.
pub fn hold(decided: DataFrame, columns: &[String]) -> PolarsResult<DataFrame> {
    let present = present(decided.schema(), columns);
    let held = present
        .iter()
        .map(|n| col(n.as_str()).cast(conviction::categorical()));
    decided
        .lazy()
        .with_columns(held.collect::<Vec<_>>())
        .collect()
}

/// `decided` with the held `columns` it has as text again (lazy: only the columns a query
/// reads are cast).
pub fn as_text(decided: LazyFrame, schema: &Schema, columns: &[String]) -> LazyFrame {
    let text = present(schema, columns)
        .into_iter()
        .map(|n| col(n.as_str()).cast(DataType::String));
    decided.with_columns(text.collect::<Vec<_>>())
}

fn present<'a>(schema: &Schema, columns: &'a [String]) -> Vec<&'a String> {
    columns.iter().filter(|n| schema.contains(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_columns_read_as_the_text_they_were() -> PolarsResult<()> {
        let decided = df!(
            c::SUBJECT_ID => ["A1", "B2", "C3"],
            c::OFFENSE_DESCR => [Some("11357 HS-POSSESS MARIJUANA"), None, Some("11357 HS-POSSESS MARIJUANA")],
            "reason" => ["x", "y", "x"],
        )?;
        let columns = vec![
            c::OFFENSE_DESCR.to_string(),
            "reason".into(),
            "absent".into(),
        ];
        let held = hold(decided.clone(), &columns)?;
        assert_eq!(held.column(c::SUBJECT_ID)?.dtype(), &DataType::String);
        assert!(held.column(c::OFFENSE_DESCR)?.dtype().is_categorical());
        assert!(held.column("reason")?.dtype().is_categorical());
        let text = as_text(held.clone().lazy(), held.schema(), &columns).collect()?;
        assert!(text.equals_missing(&decided));
        Ok(())
    }
}
