//! DOJ dates: `YYYYMMDD` text → `Date`. Blank or invalid text becomes null (never year 1, as in
//! gogen bug 6); the quality table counts which.

use polars::prelude::*;

/// Parses a trimmed `YYYYMMDD` column into a `Date`; blank, `YYYY0000` or any other invalid
/// text gives null. Exactly eight digits are required (chrono alone reads `2016052` as
/// 2016-05-02).
pub fn parse_yyyymmdd(raw: &str) -> Expr {
    let text = col(raw).str().strip_chars(lit(NULL));
    let date = text.clone().str().to_date(StrptimeOptions {
        format: Some("%Y%m%d".into()),
        strict: false,
        exact: true,
        cache: false,
    });
    when(text.str().contains(lit(r"^[0-9]{8}$"), true))
        .then(date)
        .otherwise(lit(NULL).cast(DataType::Date))
}

/// True where the raw text is not blank.
pub fn is_given(raw: &str) -> Expr {
    col(raw)
        .str()
        .strip_chars(lit(NULL))
        .str()
        .len_bytes()
        .gt(lit(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yyyymmdd_parses_trims_and_nulls_bad_values() {
        let df =
            df!("d" => ["20160525", " 20120703 ", "", "19790000", "20211301", "2016052"]).unwrap();
        let out = df
            .lazy()
            .select([
                parse_yyyymmdd("d").dt().to_string("%Y-%m-%d").alias("date"),
                is_given("d")
                    .and(parse_yyyymmdd("d").is_null())
                    .alias("invalid"),
            ])
            .collect()
            .unwrap();
        let dates: Vec<Option<&str>> = out.column("date").unwrap().str().unwrap().iter().collect();
        assert_eq!(
            dates,
            [
                Some("2016-05-25"),
                Some("2012-07-03"),
                None,
                None,
                None,
                None
            ]
        );
        let invalid: Vec<Option<bool>> = out
            .column("invalid")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(
            invalid,
            [
                Some(false),
                Some(false),
                Some(false),
                Some(true),
                Some(true),
                Some(true)
            ]
        );
    }
}
