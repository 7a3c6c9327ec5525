//! Facts about a conviction that rules look at, computed once over the conviction table with
//! one grouping by subject joined back (no per-row loop).

use chrono::NaiveDate;
use polars::prelude::*;

use crate::normalize::columns as c;

/// Convictions of the subject on record (all counties, all offences).
pub const SUBJECT_CONVICTIONS: &str = "subject_convictions";
/// Prop 64 convictions of the subject (all counties).
pub const SUBJECT_PROP64_CONVICTIONS: &str = "subject_prop64_convictions";
/// The subject's most recent conviction date (all counties).
pub const SUBJECT_LAST_CONVICTION_DATE: &str = "subject_last_conviction_date";
/// Superstrike code sections of the subject, in conviction order, `;`-separated.
pub const SUBJECT_SUPERSTRIKE_SECTIONS: &str = "subject_superstrike_sections";
/// PC 290 code sections of the subject, in conviction order, `;`-separated.
pub const SUBJECT_PC290_SECTIONS: &str = "subject_pc290_sections";
/// Date of the subject's first superstrike conviction.
pub const FIRST_SUPERSTRIKE_DATE: &str = "first_superstrike_date";
/// Date of the subject's first PC 290 conviction or registration.
pub const FIRST_PC290_DATE: &str = "first_pc290_date";
/// The day the subject's last sentence ends (all convictions), in days since 1970-01-01
/// (null when no conviction is dated).
pub const SUBJECT_LAST_SENTENCE_END: &str = "subject_last_sentence_end";
/// Earlier Prop 64 convictions of the subject in the same section.
pub const EARLIER_SAME_SECTION: &str = "earlier_same_section";
/// Convicted after 2016-11-09, strictly: gogen's informational flag (unknown dates: false).
pub const IS_AFTER_PROP64: &str = "is_after_prop64";
/// Whole years of age on the conviction date, from the subject's date of birth (null when
/// either is unknown).
pub const AGE_AT_CONVICTION: &str = "age_at_conviction";
/// True when the conviction is in the county under review (always, for `ALL`).
pub const IN_COUNTY: &str = "in_county";
/// The columns [`add`] adds, in order: made again when an as-of date leaves convictions out.
pub fn columns() -> Vec<String> {
    let mut names: Vec<String> = [
        SUBJECT_CONVICTIONS,
        SUBJECT_PROP64_CONVICTIONS,
        SUBJECT_LAST_CONVICTION_DATE,
        SUBJECT_LAST_SENTENCE_END,
        FIRST_SUPERSTRIKE_DATE,
    ]
    .map(String::from)
    .to_vec();
    names.extend(c::PROP64_SECTIONS.map(subject_prop64_in));
    names.extend(
        [
            SUBJECT_SUPERSTRIKE_SECTIONS,
            SUBJECT_PC290_SECTIONS,
            FIRST_PC290_DATE,
            IS_AFTER_PROP64,
            AGE_AT_CONVICTION,
            EARLIER_SAME_SECTION,
        ]
        .map(String::from),
    );
    names
}

/// The day a conviction's sentence ends, in days since 1970-01-01: its date plus all its
/// sentence parts (none: the conviction date). Null when the date is unknown.
pub fn sentence_end() -> Expr {
    col(c::CONVICTION_DATE)
        .cast(DataType::Int32)
        .cast(DataType::Float64)
        + col(c::SENTENCE_TOTAL_DAYS).fill_null(lit(0.0)).ceil()
}

/// The day Prop 64 took effect (9 November 2016, the day after the election).
pub fn prop64_effective() -> NaiveDate {
    NaiveDate::from_ymd_opt(2016, 11, 9).expect("a valid date")
}

/// `prop64_convictions_11357` etc. over the subject.
pub fn subject_prop64_in(section: &str) -> String {
    format!("subject_{}", c::prop64_convictions_in(section))
}

/// Adds the fact columns to the conviction table, all but [`in_county`] (the only one that
/// depends on a run's options, so a prepared input stores the others). The facts are joined
/// on the key columns alone and set beside the table: joining the wide table itself would
/// copy each of its columns once per join.
pub fn add(convictions: LazyFrame) -> PolarsResult<DataFrame> {
    let convictions = convictions.collect()?;
    let subject = [col(c::SUBJECT_KEY)];
    let keep_order = crate::normalize::ordered_join(JoinType::Left);
    let keys = convictions
        .select([
            c::SUBJECT_KEY,
            c::RECORD_NR,
            c::CONVICTION_DATE,
            c::SUBJECT_DOB,
            c::FIRST_PC290_REGISTRATION_DATE,
        ])?
        .lazy();
    let facts = keys
        .join(
            per_subject(&convictions.clone().lazy()),
            subject.clone(),
            subject,
            keep_order.clone(),
        )
        .with_columns([
            polars::lazy::dsl::min_horizontal([
                col(FIRST_PC290_CONVICTION_DATE),
                col(c::FIRST_PC290_REGISTRATION_DATE),
            ])?
            .alias(FIRST_PC290_DATE),
            col(c::CONVICTION_DATE)
                .gt(crate::dates::date_lit(prop64_effective()))
                .fill_null(lit(false))
                .alias(IS_AFTER_PROP64),
            crate::dates::whole_years(col(c::SUBJECT_DOB), col(c::CONVICTION_DATE))
                .alias(AGE_AT_CONVICTION),
        ])
        .join(
            earlier_same_section(convictions.clone().lazy())?,
            [col(c::RECORD_NR)],
            [col(c::RECORD_NR)],
            keep_order,
        )
        .with_column(col(EARLIER_SAME_SECTION).fill_null(lit(0u32)))
        .select(columns().into_iter().map(col).collect::<Vec<_>>())
        .collect()?;
    convictions.hstack(facts.columns())
}

/// Everything about each subject's convictions at once: one grouping, joined back to each
/// conviction by [`add`].
fn per_subject(convictions: &LazyFrame) -> LazyFrame {
    let date_of = |flag: &str| col(c::CONVICTION_DATE).filter(col(flag)).min();
    let mut per_subject = vec![
        len().cast(DataType::UInt32).alias(SUBJECT_CONVICTIONS),
        col(c::IS_PROP64)
            .sum()
            .cast(DataType::UInt32)
            .alias(SUBJECT_PROP64_CONVICTIONS),
        col(c::CONVICTION_DATE)
            .max()
            .alias(SUBJECT_LAST_CONVICTION_DATE),
        sentence_end().max().alias(SUBJECT_LAST_SENTENCE_END),
        date_of(c::IS_SUPERSTRIKE).alias(FIRST_SUPERSTRIKE_DATE),
        date_of(c::IS_PC290_OFFENSE).alias(FIRST_PC290_CONVICTION_DATE),
    ];
    for section in c::PROP64_SECTIONS {
        per_subject.push(
            col(c::PROP64_SECTION)
                .eq(lit(section))
                .fill_null(lit(false))
                .sum()
                .cast(DataType::UInt32)
                .alias(subject_prop64_in(section)),
        );
    }
    let subject = [col(c::SUBJECT_KEY)];
    let sections_where =
        |flag: &str, name: &str| crate::normalize::subject::sections_where(convictions, flag, name);
    let keep_order = crate::normalize::ordered_join(JoinType::Left);
    convictions
        .clone()
        .group_by(subject.clone())
        .agg(per_subject)
        .join(
            sections_where(c::IS_SUPERSTRIKE, SUBJECT_SUPERSTRIKE_SECTIONS),
            subject.clone(),
            subject.clone(),
            keep_order.clone(),
        )
        .join(
            sections_where(c::IS_PC290_OFFENSE, SUBJECT_PC290_SECTIONS),
            subject.clone(),
            subject.clone(),
            keep_order,
        )
        .with_columns([
            col(SUBJECT_SUPERSTRIKE_SECTIONS).fill_null(lit("")),
            col(SUBJECT_PC290_SECTIONS).fill_null(lit("")),
        ])
}

/// [`IN_COUNTY`] for the county under review (upper case, or `ALL`).
pub fn in_county(county: &str) -> Expr {
    let in_county = if county == "ALL" {
        lit(true)
    } else {
        col(c::COUNTY)
            .cast(DataType::String)
            .eq(lit(county.to_string()))
            .fill_null(lit(false))
    };
    in_county.alias(IN_COUNTY)
}

/// Date of the subject's first PC 290 conviction (a step towards [`FIRST_PC290_DATE`]).
const FIRST_PC290_CONVICTION_DATE: &str = "first_pc290_conviction_date";

/// For each dated Prop 64 conviction, the Prop 64 convictions of the same subject and section
/// with an earlier date (convictions without a date have none, and count for none). From the
/// positions in the rows sorted by subject, section and date: the first row of the same date
/// less the first row of the same section. (A rank window over the groups took ten times as
/// long at 10M rows.)
fn earlier_same_section(convictions: LazyFrame) -> PolarsResult<LazyFrame> {
    let section = [col(c::SUBJECT_KEY), col(c::PROP64_SECTION)];
    let same_date = [
        col(c::SUBJECT_KEY),
        col(c::PROP64_SECTION),
        col(c::CONVICTION_DATE),
    ];
    let position = || col("position").min();
    Ok(convictions
        .filter(col(c::IS_PROP64).and(col(c::CONVICTION_DATE).is_not_null()))
        .select([
            col(c::RECORD_NR),
            col(c::SUBJECT_KEY),
            col(c::PROP64_SECTION),
            col(c::CONVICTION_DATE),
        ])
        .sort(
            [c::SUBJECT_KEY, c::PROP64_SECTION, c::CONVICTION_DATE],
            SortMultipleOptions::default(),
        )
        .with_column(int_range(lit(0), len(), 1, DataType::UInt32).alias("position"))
        .select([
            col(c::RECORD_NR),
            (position().over(same_date)? - position().over(section)?).alias(EARLIER_SAME_SECTION),
        ]))
}
