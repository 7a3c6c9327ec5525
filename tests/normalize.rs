use clearstat::ingest::IngestOptions;
use clearstat::normalize::{columns as c, conviction, quality, subject};
use polars::prelude::*;

use crate::doj::{self, DojRow};
use crate::frames::strings as column;
use crate::testdir::TestDir;

/// Typed rows of a file holding `rows` (with header).
fn records(name: &str, rows: &[DojRow]) -> DataFrame {
    let dir = TestDir::new(name);
    let path = dir.create("input.csv", doj::file(true, rows));
    crate::ingest::read(&[path], &IngestOptions::default()).0
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some(v.to_string())).collect()
}

/// One row per value of `field`, then the normalized `output` column.
fn each(field: &str, values: &[&str], output: &str) -> Vec<Option<String>> {
    let base = DojRow::new();
    let rows: Vec<DojRow> = values.iter().map(|v| base.with(field, v)).collect();
    column(&records(&format!("normalize_{output}"), &rows), output)
}

fn quality_rows(df: &DataFrame, column_name: &str, issue: &str) -> u64 {
    let counts = quality::count(df.clone().lazy()).unwrap();
    counts
        .iter()
        .find(|q| q.column == column_name && q.issue.starts_with(issue))
        .map(|q| q.rows)
        .unwrap_or_else(|| panic!("no check {column_name} {issue}"))
}

#[test]
fn dates_parse_and_bad_ones_become_null_and_are_counted() {
    let rows = records(
        "normalize_dates",
        &["19600314", " 19600314", "", "19600000", "19601301", "x"]
            .map(|d| DojRow::new().with("PRI_DOB", d)),
    );
    let dob = column(&rows, c::DOB);
    assert_eq!(dob[..2], some(&["1960-03-14", "1960-03-14"]));
    assert_eq!(dob[2..], [None, None, None, None]);
    assert_eq!(quality_rows(&rows, "PRI_DOB", "blank"), 1);
    assert_eq!(quality_rows(&rows, "PRI_DOB", "not a valid"), 3);
    assert_eq!(quality_rows(&rows, "STP_EVENT_DATE", "not a valid"), 0);
}

#[test]
fn code_section_from_offense_or_comment() {
    let base = DojRow::new().with("COMMENT_TEXT", "11358 HS-CULTIVATE");
    let rows = records(
        "normalize_code_section",
        &[
            base.with("OFFENSE_DESCR", "503 VC-TAKE CAR"),
            base.with("OFFENSE_DESCR", "SEE COMMENT FOR CHARGE"),
            base.with("OFFENSE_DESCR", "   "),
            base.with("OFFENSE_DESCR", " 11359HS -SELL"),
        ],
    );
    assert_eq!(
        column(&rows, c::CODE_SECTION),
        some(&["503 VC", "11358 HS", "11358 HS", "11359HS"])
    );
    assert_eq!(
        column(&rows, c::PROP64_SECTION),
        [
            None,
            Some("11358".into()),
            Some("11358".into()),
            Some("11359".into())
        ]
    );
}

#[test]
fn prop64_sections_and_subsections_from_real_forms() {
    let got = each(
        "OFFENSE_DESCR",
        &[
            "11357(C)HS-POSS",
            "11359HS-SELL",
            "11360(A) HS-SELL",
            "664/11357(C) HS-ATT",
            "11357.5 HS-SYN",
            "111357-X",
            "211360 PC-X",
        ],
        c::PROP64_SECTION,
    );
    assert_eq!(got[..4], some(&["11357", "11359", "11360", "11357"]));
    assert_eq!(got[4..], [None, None, None]);
    let sub = each(
        "OFFENSE_DESCR",
        &["11357(C)HS-POSS", "11359HS-SELL"],
        c::PROP64_SUBSECTION,
    );
    assert_eq!(sub, [Some("C".into()), None]);
}

#[test]
fn related_superstrike_and_pc290_flags() {
    let values = [
        "647(F) PC-DRUNK",
        "148(A)(1) PC-RESIST",
        "187 PC-MURDER",
        "1187 PC-OTHER",
        "261(A)(2) PC-RAPE",
        "314(1) PC-EXPOSURE",
        "459 PC-BURGLARY",
    ];
    assert_eq!(
        each("OFFENSE_DESCR", &values, c::IS_RELATED_CHARGE),
        some(&["true", "true", "false", "false", "false", "false", "false"])
    );
    assert_eq!(
        each("OFFENSE_DESCR", &values, c::IS_SUPERSTRIKE),
        some(&["false", "false", "true", "false", "true", "false", "false"])
    );
    assert_eq!(
        each("OFFENSE_DESCR", &values, c::IS_PC290_OFFENSE),
        some(&["false", "false", "false", "false", "true", "true", "false"])
    );
}

#[test]
fn conviction_is_a_disposition_starting_with_convicted() {
    let got = each(
        "DISP_DESCR",
        &[
            "CONVICTED-JAIL",
            "  CONVICTED",
            "DISMISSED/CHARGE DROPPED",
            "",
            "NOT CONVICTED",
        ],
        c::IS_CONVICTION,
    );
    assert_eq!(got, some(&["true", "true", "false", "false", "false"]));
}

#[test]
fn felony_from_status_or_blank_status_with_toc_f() {
    let base = DojRow::new();
    let rows = records(
        "normalize_felony",
        &[
            base.with("CONV_STAT_DESCR", "FELONY"),
            base.with("CONV_STAT_DESCR", "FELONY   "),
            base.with("CONV_STAT_DESCR", "").with("OFFENSE_TOC", "F"),
            base.with("CONV_STAT_DESCR", "      ")
                .with("OFFENSE_TOC", "F"),
            base.with("CONV_STAT_DESCR", "MISDEMEANOR")
                .with("OFFENSE_TOC", "F"),
            base.with("CONV_STAT_DESCR", "").with("OFFENSE_TOC", "M"),
        ],
    );
    assert_eq!(
        column(&rows, c::IS_FELONY),
        some(&["true", "true", "true", "true", "false", "false"])
    );
}

#[test]
fn cycle_and_step_from_cnt_order_and_short_values_are_counted() {
    let rows = records(
        "normalize_cnt_order",
        &["101002003000", "10100", "", " 102001 "].map(|v| DojRow::new().with("CNT_ORDER", v)),
    );
    assert_eq!(
        column(&rows, c::CYCLE),
        [
            Some("101".into()),
            Some("101".into()),
            None,
            Some("102".into())
        ]
    );
    assert_eq!(
        column(&rows, c::STEP),
        [Some("002".into()), None, None, Some("001".into())]
    );
    assert_eq!(quality_rows(&rows, "CNT_ORDER", "blank"), 1);
    assert_eq!(quality_rows(&rows, "CNT_ORDER", "shorter"), 1);
}

#[test]
fn sentence_length_in_days() {
    let base = DojRow::new();
    let rows = records(
        "normalize_sentence",
        &[
            base.with("SENT_LENGTH", "90").with("SENT_TIME_CODE", "D"),
            base.with("SENT_LENGTH", " 2").with("SENT_TIME_CODE", "Y"),
            base.with("SENT_LENGTH", "6").with("SENT_TIME_CODE", "M"),
            base.with("SENT_LENGTH", "6").with("SENT_TIME_CODE", "Q"),
            base.with("SENT_LENGTH", "").with("SENT_TIME_CODE", ""),
        ],
    );
    assert_eq!(
        column(&rows, c::SENTENCE_DAYS),
        [
            Some("90.0".into()),
            Some("730.5".into()),
            Some("182.625".into()),
            None,
            None
        ]
    );
    assert_eq!(quality_rows(&rows, "SENT_LENGTH", "sentence"), 1);
}

#[test]
fn deceased_and_pc290_registration_are_subject_flags() {
    let base = DojRow::new();
    let rows = records(
        "normalize_subject_flags",
        &[
            base.with("SUBJECT_ID", "1"),
            base.with("SUBJECT_ID", "1")
                .with("STP_TYPE_DESCR", "DECEASED")
                .with("DISP_DESCR", ""),
            base.with("SUBJECT_ID", "2")
                .with("STP_TYPE_DESCR", "REGISTRATION")
                .with("OFFENSE_DESCR", "290 PC-REGISTRATION"),
            base.with("SUBJECT_ID", "3")
                .with("STP_TYPE_DESCR", "REGISTRATION")
                .with("OFFENSE_DESCR", "11590 HS-REGISTRATION"),
        ],
    );
    let subjects = subject_table(rows);
    assert_eq!(column(&subjects, c::SUBJECT_ID), some(&["1", "2", "3"]));
    assert_eq!(
        column(&subjects, c::IS_DECEASED),
        some(&["true", "false", "false"])
    );
    assert_eq!(
        column(&subjects, c::HAS_PC290_REGISTRATION),
        some(&["false", "true", "false"])
    );
}

#[test]
fn case_numbers_list_each_ofn_of_the_court_rows_once_in_row_order() {
    let base = DojRow::new();
    let rows = records(
        "normalize_case_numbers",
        &[
            // Case 001002: three court rows, two OFNs, one repeated.
            base.with("CNT_ORDER", "001002001000").with("OFN", "B-2"),
            base.with("CNT_ORDER", "001002002000")
                .with("OFN", "A-1")
                .with("DISP_DESCR", "DISMISSED"),
            base.with("CNT_ORDER", "001002003000").with("OFN", "B-2"),
            // Case 002002: one OFN; an arrest row's OFN is not a court case's.
            base.with("CNT_ORDER", "002002001000").with("OFN", "C-3"),
            base.with("CNT_ORDER", "002002002000")
                .with("OFN", "X-9")
                .with("STP_TYPE_DESCR", "ARREST/DETAINED/CITED")
                .with("DISP_DESCR", ""),
            // Case 003002: no OFN at all.
            base.with("CNT_ORDER", "003002001000").with("OFN", ""),
        ],
    );
    let table = conviction_table(rows);
    assert_eq!(
        column(&table, c::CASE_NUMBER),
        some(&["B-2; A-1", "B-2; A-1", "C-3", ""])
    );
}

#[test]
fn conviction_table_first_row_wins_and_sentences_sum_onto_the_right_conviction() {
    let base = DojRow::new().with("SENT_TIME_CODE", "D");
    // gogen bug 10: the duplicate of conviction A comes after conviction B.
    let rows = records(
        "normalize_dedup",
        &[
            base.with("CNT_ORDER", "001002001000")
                .with("SENT_LENGTH", "10"),
            base.with("CNT_ORDER", "001002002000")
                .with("SENT_LENGTH", "5")
                .with("OFFENSE_DESCR", "459 PC-BURGLARY"),
            base.with("CNT_ORDER", "001002001000")
                .with("SENT_LENGTH", "20")
                .with("OFFENSE_DESCR", "484 PC-THEFT"),
            base.with("CNT_ORDER", "001002001000")
                .with("DISP_DESCR", "DISMISSED")
                .with("SENT_LENGTH", "99"),
        ],
    );
    let table = conviction_table(rows);
    assert_eq!(
        column(&table, c::COUNT_ORDER),
        some(&["001002001000", "001002002000"])
    );
    assert_eq!(
        column(&table, c::CODE_SECTION),
        some(&["11357(C) HS", "459 PC"])
    );
    assert_eq!(
        column(&table, c::SENTENCE_TOTAL_DAYS),
        some(&["30.0", "5.0"])
    );
    assert_eq!(column(&table, c::SOURCE_ROWS), some(&["2", "1"]));
}

#[test]
fn subject_table_counts_and_sections() {
    let base = DojRow::new().with("SUBJECT_ID", "7");
    let rows = records(
        "normalize_subject_table",
        &[
            base.with("CNT_ORDER", "001002001000")
                .with("STP_EVENT_DATE", "20050101")
                .with("STP_ORI_CNTY_NAME", "SACRAMENTO"),
            base.with("CNT_ORDER", "002002001000")
                .with("OFFENSE_DESCR", "11360(A) HS-SELL")
                .with("CONV_STAT_DESCR", "MISDEMEANOR"),
            base.with("CNT_ORDER", "003002001000")
                .with("OFFENSE_DESCR", "187 PC-MURDER")
                .with("STP_EVENT_DATE", "20150601"),
            base.with("CNT_ORDER", "004002001000")
                .with("OFFENSE_DESCR", "261(A)(2) PC-RAPE")
                .with("STP_EVENT_DATE", "20120101")
                .with("STP_ORI_CNTY_NAME", "SACRAMENTO"),
            base.with("CNT_ORDER", "005001001000")
                .with("DISP_DESCR", "")
                .with("STP_EVENT_DATE", "20200101")
                .with("STP_ORI_CNTY_NAME", "ALAMEDA"),
        ],
    );
    let s = subject_table(rows);
    let get = |name: &str| column(&s, name)[0].clone().unwrap();
    assert_eq!(get(c::CONVICTIONS), "4");
    assert_eq!(get(c::FELONY_CONVICTIONS), "3");
    assert_eq!(get(c::PROP64_CONVICTIONS), "2");
    assert_eq!(get(&c::prop64_convictions_in("11357")), "1");
    assert_eq!(get(&c::prop64_convictions_in("11360")), "1");
    assert_eq!(get(&c::prop64_convictions_in("11358")), "0");
    assert_eq!(get(c::MOST_RECENT_CONVICTION_DATE), "2015-06-01");
    assert_eq!(get(c::SUPERSTRIKE_SECTIONS), "187 PC;261(A)(2) PC");
    assert_eq!(get(c::PC290_SECTIONS), "261(A)(2) PC");
    // Counties of convictions only, each once, in the order first seen.
    assert_eq!(get(c::COUNTIES), "SACRAMENTO;SAN FRANCISCO");
    assert_eq!(get(c::RACE_CODE), "B");
    assert_eq!(get(c::DOB), "1970-01-01");
}

#[test]
fn blank_subject_ids_are_people_of_their_own() {
    let base = DojRow::new().with("SUBJECT_ID", "  ");
    let rows = records("normalize_blank_subject", &[base.clone(), base.clone()]);
    let convictions = conviction_table(rows.clone());
    assert_eq!(
        convictions.height(),
        2,
        "same CNT_ORDER, but two unlinked rows"
    );
    assert_eq!(column(&convictions, c::SUBJECT_ID), some(&["?0:2", "?0:3"]));
    assert_eq!(quality_rows(&rows, "SUBJECT_ID", "blank"), 2);
}

/// The conviction table of `rows`, built as a run builds it.
fn conviction_table(rows: DataFrame) -> DataFrame {
    let facts = subject::facts(rows.clone().lazy());
    conviction::table(rows, facts, &["f".into()])
        .unwrap()
        .collect()
        .unwrap()
}

/// The subject table of `rows`, built as a run builds it.
fn subject_table(rows: DataFrame) -> DataFrame {
    clearstat::prepared::Prepared::from_records(rows, &["f".into()], &mut |_| {})
        .unwrap()
        .subjects
        .collect()
        .unwrap()
}
