//! The subject table: one row per person (SUBJECT_ID), merged across all input files.

use polars::prelude::*;

use super::columns as c;
use super::conviction::categorical;

/// The columns of [`facts`] that the subject table keeps, in order.
pub const KEPT_FACTS: [&str; 8] = [
    c::SUBJECT_KEY,
    c::SUBJECT_ID,
    c::DOB,
    c::RACE_CODE,
    c::RACE_DESCR,
    c::GENDER,
    c::IS_DECEASED,
    c::HAS_PC290_REGISTRATION,
];

/// What every row of a subject says about them, one row per subject in the order of their
/// first row: the first known date of birth (gogen took the subject's first row), race and
/// gender, a death record, a PC 290 registration and its first date. The conviction table
/// and the subject table both read it, so the typed rows are grouped by subject once.
pub fn facts(records: LazyFrame) -> LazyFrame {
    let first_known = |name: &str| col(name).drop_nulls().first().alias(name);
    records.group_by_stable([col(c::SUBJECT_KEY)]).agg([
        col(c::SUBJECT_ID).first(),
        first_known(c::DOB),
        first_known(c::RACE_CODE),
        first_known(c::RACE_DESCR),
        first_known(c::GENDER),
        col(c::IS_DEATH_RECORD).any(true).alias(c::IS_DECEASED),
        col(c::IS_PC290_REGISTRATION)
            .any(true)
            .alias(c::HAS_PC290_REGISTRATION),
        col(c::EVENT_DATE)
            .filter(col(c::IS_PC290_REGISTRATION))
            .min()
            .alias(c::FIRST_PC290_REGISTRATION_DATE),
        col(c::EVENT_DATE)
            .filter(col(c::IS_DEATH_RECORD))
            .min()
            .alias(c::DEATH_DATE),
    ])
}

/// Each subject's code sections of the convictions where `flag` holds, in conviction order,
/// `;`-separated, as `name` (subjects with none are not listed). Joined from the flagged rows
/// only: a list gathered for every subject (mostly nulls), or a text join per group over
/// every subject, took seconds at 10M rows, and few subjects have any.
pub fn sections_where(convictions: &LazyFrame, flag: &str, name: &str) -> LazyFrame {
    convictions
        .clone()
        .filter(col(flag))
        .group_by([col(c::SUBJECT_KEY)])
        .agg([col(c::CODE_SECTION).str().join(";", true).alias(name)])
}

/// The subject table, from the subjects' [`facts`] and the conviction table. Subjects appear
/// in the order of their first row; the grouping key [`c::SUBJECT_KEY`] is kept (outputs drop
/// it).
///
/// About 95 lines: one lazy query, one aggregation per column of the table, in its order.
pub fn table(facts: LazyFrame, convictions: LazyFrame) -> LazyFrame {
    let subject = [col(c::SUBJECT_KEY)];
    let sections_where = |flag: &str, name: &str| sections_where(&convictions, flag, name);
    let joined = |name: &str| col(name).list().join(lit(";"), true);
    let mut counts = vec![
        len().alias(c::CONVICTIONS),
        col(c::IS_FELONY).sum().alias(c::FELONY_CONVICTIONS),
        col(c::IS_PROP64).sum().alias(c::PROP64_CONVICTIONS),
    ];
    for section in c::PROP64_SECTIONS {
        counts.push(
            col(c::PROP64_SECTION)
                .eq(lit(section))
                .fill_null(lit(false))
                .sum()
                .alias(c::prop64_convictions_in(section)),
        );
    }
    counts.push(
        col(c::CONVICTION_DATE)
            .max()
            .alias(c::MOST_RECENT_CONVICTION_DATE),
    );
    let left = || JoinArgs::new(JoinType::Left);
    let per_subject = convictions
        .clone()
        .group_by(subject.clone())
        .agg(counts)
        .join(
            sections_where(c::IS_SUPERSTRIKE, c::SUPERSTRIKE_SECTIONS),
            subject.clone(),
            subject.clone(),
            left(),
        )
        .join(
            sections_where(c::IS_PC290_OFFENSE, c::PC290_SECTIONS),
            subject.clone(),
            subject.clone(),
            left(),
        );
    // Each subject's counties in the order first seen.
    let counties = convictions
        .select([col(c::SUBJECT_KEY), col(c::COUNTY).alias(c::COUNTIES)])
        .drop_nulls(None)
        // Categories are equal where their texts are: told apart by code, then as text.
        .unique_stable(
            Some(cols([c::SUBJECT_KEY, c::COUNTIES])),
            UniqueKeepStrategy::First,
        )
        .with_column(col(c::COUNTIES).cast(DataType::String))
        .group_by(subject.clone())
        .agg([col(c::COUNTIES)])
        .with_columns([joined(c::COUNTIES)]);
    let count_columns: Vec<String> = [c::CONVICTIONS, c::FELONY_CONVICTIONS, c::PROP64_CONVICTIONS]
        .into_iter()
        .map(String::from)
        .chain(c::PROP64_SECTIONS.into_iter().map(c::prop64_convictions_in))
        .collect();
    let per_subject = per_subject.join(counties, subject.clone(), subject.clone(), left());
    facts
        .join(
            per_subject,
            subject.clone(),
            subject,
            super::ordered_join(JoinType::Left),
        )
        .with_columns(
            count_columns
                .iter()
                .map(|name| col(name.as_str()).fill_null(lit(0)).cast(DataType::UInt32))
                .collect::<Vec<_>>(),
        )
        .with_columns([
            col(c::SUPERSTRIKE_SECTIONS).fill_null(lit("")),
            col(c::PC290_SECTIONS).fill_null(lit("")),
            col(c::COUNTIES).fill_null(lit("")),
            col(c::RACE_CODE).cast(categorical()),
            col(c::RACE_DESCR).cast(categorical()),
            col(c::GENDER).cast(categorical()),
        ])
        // Not strict: facts taken back from a subject table (an as-of date) have no dates.
        .drop(by_name(
            [c::FIRST_PC290_REGISTRATION_DATE, c::DEATH_DATE],
            false,
            false,
        ))
}
