use chrono::NaiveDate;
use clearstat::eligibility::{self, Flow, Scenario};
use clearstat::ingest::IngestOptions;
use clearstat::prepared::Prepared;
use polars::prelude::*;

use crate::doj::{self, DojRow};
use crate::testdir::{TestDir, shared};

const AT: &str = "2019-11-11";

/// Decides the rows under `flow` in SAN FRANCISCO at [`AT`]; returns the rule number (1-based;
/// rules + 1 for "otherwise") of the target conviction, whose CNT_ORDER starts with 900002.
fn rule_for(name: &str, flow: &Flow, rows: &[DojRow]) -> Option<u32> {
    let dir = TestDir::new(name);
    let path = dir.create("input.csv", doj::file(true, rows));
    let (records, _) = crate::ingest::read(&[path], &IngestOptions::default());
    let at = NaiveDate::parse_from_str(AT, "%Y-%m-%d").unwrap();
    let table = prepared(records).convictions.lazy();
    let decided = eligibility::decide(table, &Scenario::all(flow.clone()), "SAN FRANCISCO", at)
        .unwrap()
        .filter(col("count_order").str().starts_with(lit("900002")))
        .collect()
        .unwrap();
    assert_eq!(decided.height(), 1, "{name}: one target conviction");
    decided.column("rule").unwrap().u32().unwrap().get(0)
}

/// The conviction and subject tables of `records`, built as a run builds them.
fn prepared(records: DataFrame) -> Prepared {
    Prepared::from_records(records, &["f".into()], &mut |_| {}).unwrap()
}

/// The target: a felony Prop 64 conviction in San Francisco, 2010-03-01, of a person born in
/// 1980 (39 at compute-at) with no other record.
fn target(offense: &str) -> DojRow {
    DojRow::new()
        .with("CNT_ORDER", "900002001000")
        .with("OFFENSE_DESCR", offense)
        .with("PRI_DOB", "19800101")
        .with("STP_EVENT_DATE", "20100301")
}

fn other(cnt_order: &str, offense: &str, date: &str) -> DojRow {
    target(offense)
        .with("CNT_ORDER", cnt_order)
        .with("STP_EVENT_DATE", date)
}

fn preset(name: &str) -> Flow {
    eligibility::built_in(name).unwrap().unwrap()
}

#[test]
fn los_angeles_rules_in_order() {
    let la = preset("los-angeles");
    let t = || target("11359 HS-POSSESS FOR SALE");
    let serving = t()
        .with("STP_EVENT_DATE", "20150301")
        .with("SENT_LENGTH", "10")
        .with("SENT_TIME_CODE", "Y");
    let recent_other = other("100002001000", "459 PC-BURGLARY", "20150601");
    let cases: Vec<(&str, Vec<DojRow>, u32)> = vec![
        (
            "la_after_prop64",
            vec![t().with("STP_EVENT_DATE", "20170101")],
            1,
        ),
        (
            "la_misdemeanor",
            vec![t().with("CONV_STAT_DESCR", "MISDEMEANOR")],
            2,
        ),
        ("la_11357_a", vec![target("11357(A) HS-POSSESS")], 3),
        ("la_11357_other", vec![target("11357(C) HS-POSSESS")], 4),
        (
            "la_superstrike_before",
            vec![other("100002001000", "187 PC-MURDER", "20000101"), t()],
            5,
        ),
        (
            "la_superstrike_after_is_no_bar",
            vec![other("100002001000", "187 PC-MURDER", "20120101"), t()],
            14,
        ),
        (
            "la_pc290_before",
            vec![other("100002001000", "314(1) PC-EXPOSURE", "20000101"), t()],
            6,
        ),
        (
            "la_pc290_registration_before",
            vec![
                other("100003001000", "290 PC-REGISTRATION", "20050101")
                    .with("STP_TYPE_DESCR", "REGISTRATION")
                    .with("DISP_DESCR", ""),
                t(),
            ],
            6,
        ),
        (
            "la_two_priors",
            vec![
                other("100002001000", "11359 HS-SALE", "20010101"),
                other("200002001000", "11359 HS-SALE", "20050101"),
                t(),
            ],
            7,
        ),
        ("la_age_50", vec![t().with("PRI_DOB", "19600101")], 8),
        (
            "la_under_21",
            vec![
                t().with("PRI_DOB", "19900101")
                    .with("STP_EVENT_DATE", "20080101"),
            ],
            9,
        ),
        ("la_only_prop64_sentence_done", vec![t()], 10),
        (
            "la_crime_free_10_years",
            vec![
                t().with("STP_EVENT_DATE", "20050101"),
                other("100002001000", "459 PC-BURGLARY", "20080101"),
            ],
            11,
        ),
        (
            "la_serving",
            vec![serving.clone(), recent_other.clone()],
            12,
        ),
        (
            "la_deceased",
            vec![
                t().with("STP_EVENT_DATE", "20150301"),
                recent_other.clone(),
                other("100009001000", "", "20180101")
                    .with("STP_TYPE_DESCR", "DECEASED")
                    .with("DISP_DESCR", ""),
            ],
            13,
        ),
        (
            "la_otherwise",
            vec![t().with("STP_EVENT_DATE", "20150301"), recent_other],
            14,
        ),
    ];
    for (name, rows, rule) in cases {
        assert_eq!(rule_for(name, &la, &rows), Some(rule), "{name}");
    }
}

#[test]
fn sacramento_rules_in_order() {
    let sac = preset("sacramento");
    let t = || target("11359 HS-POSSESS FOR SALE");
    let cases: Vec<(&str, Vec<DojRow>, u32)> = vec![
        (
            "sac_after_prop64",
            vec![t().with("STP_EVENT_DATE", "20161110")],
            1,
        ),
        (
            "sac_misdemeanor",
            vec![t().with("CONV_STAT_DESCR", "MISDEMEANOR")],
            2,
        ),
        ("sac_11357_b", vec![target("11357(B) HS-POSSESS")], 3),
        (
            "sac_crime_free",
            vec![
                t().with("STP_EVENT_DATE", "20050101"),
                other("100002001000", "459 PC-BURGLARY", "20060101"),
            ],
            4,
        ),
        (
            "sac_recent",
            vec![t(), other("100002001000", "459 PC-BURGLARY", "20160101")],
            5,
        ),
        ("sac_single_done", vec![t()], 6),
        (
            "sac_single_serving",
            vec![
                t().with("STP_EVENT_DATE", "20150101")
                    .with("SENT_LENGTH", "10")
                    .with("SENT_TIME_CODE", "Y"),
            ],
            7,
        ),
    ];
    for (name, rows, rule) in cases {
        assert_eq!(rule_for(name, &sac, &rows), Some(rule), "{name}");
    }
    // The day Prop 64 passed is not "after" it.
    assert_eq!(
        rule_for(
            "sac_on_prop64_day",
            &sac,
            &[t().with("STP_EVENT_DATE", "20161109")]
        ),
        Some(6)
    );
}

#[test]
fn contra_costa_and_san_joaquin_rules_in_order() {
    let arrest_11359 = || {
        DojRow::new()
            .with("CNT_ORDER", "900001001000")
            .with("OFFENSE_DESCR", "11359 HS-POSSESS FOR SALE")
            .with("STP_TYPE_DESCR", "ARREST/DETAINED/CITED")
            .with("DISP_DESCR", "")
            .with("PRI_DOB", "19800101")
    };
    let related = |offense: &str| {
        target(offense)
            .with("CNT_ORDER", "900002002000")
            .with("CONV_STAT_DESCR", "MISDEMEANOR")
    };
    let t = || target("11359 HS-POSSESS FOR SALE");
    for name in ["contra-costa", "san-joaquin"] {
        let flow = preset(name);
        let cases: Vec<(&str, Vec<DojRow>, u32)> = vec![
            (
                "cc_after_prop64",
                vec![t().with("STP_EVENT_DATE", "20170101")],
                1,
            ),
            (
                "cc_related_alone",
                vec![related("11364 HS-PARAPHERNALIA")],
                2,
            ),
            (
                "cc_bp_4060",
                vec![arrest_11359(), related("4060 BP-POSSESS W/O PRESCRIPTION")],
                3,
            ),
            (
                "cc_related_in_prop64_cycle",
                vec![arrest_11359(), related("647(F) PC-DRUNK")],
                4,
            ),
            (
                "cc_misdemeanor",
                vec![t().with("CONV_STAT_DESCR", "MISDEMEANOR")],
                5,
            ),
            ("cc_11357_felony", vec![target("11357(C) HS-POSSESS")], 6),
            (
                "cc_crime_free_5",
                vec![t(), other("100002001000", "459 PC-BURGLARY", "20120101")],
                7,
            ),
            (
                "cc_recent",
                vec![t(), other("100002001000", "459 PC-BURGLARY", "20160101")],
                8,
            ),
            ("cc_single_done", vec![t()], 9),
            (
                "cc_single_serving",
                vec![
                    t().with("STP_EVENT_DATE", "20150101")
                        .with("SENT_LENGTH", "10")
                        .with("SENT_TIME_CODE", "Y"),
                ],
                10,
            ),
        ];
        for (case, rows, rule) in cases {
            assert_eq!(
                rule_for(&format!("{name}_{case}"), &flow, &rows),
                Some(rule),
                "{name} {case}"
            );
        }
    }
}

#[test]
fn blank_date_of_birth_never_makes_anyone_old_or_young() {
    let options = r#"{"baselineEligibility": {"dismiss": [], "reduce": ["11359"]},
        "additionalRelief": {"subjectUnder21AtConviction": true, "subjectAgeThreshold": 40}}"#;
    let flow = eligibility::GogenOptions::from_json("o", options)
        .unwrap()
        .0
        .to_flow();
    let t = target("11359 HS-SALE").with("PRI_DOB", "19700101");
    // Rules: 1 misdemeanor, 2 under 21, 3 age 40, 4 reduce 11359.
    assert_eq!(
        rule_for("dob_known_old", &flow, std::slice::from_ref(&t)),
        Some(3)
    );
    for blank in ["", "19800000", "x"] {
        assert_eq!(
            rule_for("dob_blank", &flow, &[t.with("PRI_DOB", blank)]),
            Some(4),
            "DOB {blank:?}"
        );
    }
}

#[test]
fn gogen_conformance_on_the_fixture() {
    let Some(fixture) = shared("conformance/gogen-fixture") else {
        return;
    };
    let dir = TestDir::new("eligibility_conformance");
    let input = fixture.join("input.csv").display().to_string();
    let options = fixture
        .join("eligibility_options.json")
        .display()
        .to_string();
    dir.ok(&[
        "run",
        &input,
        "--county",
        "SACRAMENTO",
        "--compute-at",
        "2019-11-11",
        "--options",
        &options,
        "--out",
        "out",
        "-q",
    ]);
    for name in ["All_Results", "All_Results_Condensed", "Prop64_Results"] {
        let expected = std::fs::read(fixture.join(format!("expected_{name}.csv"))).unwrap();
        let got = std::fs::read(dir.path(&format!("out/gogen/{name}.csv"))).unwrap();
        assert!(got == expected, "{name}.csv differs from gogen's");
    }
    let mut expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture.join("expected_summary.json")).unwrap())
            .unwrap();
    let mut got: serde_json::Value =
        serde_json::from_str(&dir.read("out/gogen/gogen.json")).unwrap();
    for json in [&mut expected, &mut got] {
        json.as_object_mut()
            .unwrap()
            .remove("processingTimeInSeconds");
    }
    assert_eq!(got, expected);
    let summary: serde_json::Value = serde_json::from_str(&dir.read("out/summary.json")).unwrap();
    assert_eq!(summary["gogen"]["subjectsWithSomeReliefCount"], 12);
}

#[test]
fn gogen_fixture_variants_give_the_same_decisions() {
    let Some(fixture) = shared("conformance/gogen-fixture") else {
        return;
    };
    let dir = TestDir::new("eligibility_variants");
    let options = fixture
        .join("eligibility_options.json")
        .display()
        .to_string();
    for (name, out) in [("no_headers.csv", "a"), ("extra_comma.csv", "b")] {
        let input = fixture.join(name).display().to_string();
        dir.ok(&[
            "run",
            &input,
            "--county",
            "SAN JOAQUIN",
            "--compute-at",
            "2019-11-11",
            "--options",
            &options,
            "--out",
            out,
            "-q",
        ]);
    }
    assert_eq!(
        dir.read("a/gogen/All_Results.csv"),
        dir.read("b/gogen/All_Results.csv")
    );
    let s: serde_json::Value = serde_json::from_str(&dir.read("a/gogen/gogen.json")).unwrap();
    // gogen's observed figures (gogen-test-cases.md §K), except the 7-year count, which gogen
    // took from the wall clock (bug 1): from compute-at it is 3.
    assert_eq!(
        s["prop64ConvictionsCountInCountyByCodeSection"],
        serde_json::json!({"11357": 3, "11358": 8, "11359": 4})
    );
    assert_eq!(
        s["reliefWithCurrentEligibilityChoices"],
        serde_json::json!({"CountSubjectsNoConviction": 2, "CountSubjectsNoConvictionLast7Years": 3, "CountSubjectsNoFelony": 2})
    );
    assert_eq!(
        (
            s["subjectsWithProp64ConvictionCountInCounty"].as_u64(),
            s["subjectsWithSomeReliefCount"].as_u64()
        ),
        (Some(9), Some(9))
    );
    assert_eq!(
        s["convictionDismissalCountByAdditionalRelief"],
        serde_json::json!({"21 years or younger": 1, "Conviction occurred 10 or more years ago": 1})
    );
}

#[test]
fn bad_options_and_flow_files_exit_2_and_write_nothing() {
    let dir = TestDir::new("eligibility_bad_options");
    let input = dir
        .create("in.csv", doj::file(true, &[DojRow::new()]))
        .display()
        .to_string();
    let cases = [
        (
            "syntax.json",
            "{\"baselineEligibility\": ",
            "syntax.json: not valid JSON: ",
        ),
        (
            "type.json",
            r#"{"additionalRelief": {"subjectAgeThreshold": "57"}}"#,
            "additionalRelief.subjectAgeThreshold must be a whole number",
        ),
        (
            "range.json",
            r#"{"additionalRelief": {"yearsSinceConvictionThreshold": 20}}"#,
            "range.json: additionalRelief.yearsSinceConvictionThreshold: YearsSinceConvictionThreshold should be between 1 and 15, or 0",
        ),
        (
            "section.json",
            r#"{"baselineEligibility": {"reduce": ["11361"]}}"#,
            "section.json: baselineEligibility.reduce: unknown section '11361'",
        ),
    ];
    for (name, text, message) in cases {
        dir.create(name, text);
        let err = dir.err(
            &[
                "run",
                &input,
                "--county",
                "ALL",
                "--options",
                name,
                "--out",
                "out",
            ],
            2,
        );
        assert!(err.contains(message), "{name}: {err}");
        assert!(!dir.path("out").exists(), "{name}: nothing written");
    }
    dir.create("flow.json", r#"{"name": "x", "scope": "prop64", "rules": [{"when": ["sometimes"], "determination": "Hand Review", "reason": "r"}]}"#);
    let err = dir.err(
        &[
            "run",
            &input,
            "--county",
            "ALL",
            "--flow-file",
            "flow.json",
            "--out",
            "out",
        ],
        2,
    );
    assert!(
        err.contains("flow.json: rule 1: unknown condition 'sometimes'"),
        "{err}"
    );
    let err = dir.err(
        &[
            "run", &input, "--county", "ALL", "--flow", "la", "--out", "out",
        ],
        2,
    );
    assert!(
        err.contains("unknown flow 'la'. Run `clearstat flows` to list flows."),
        "{err}"
    );
    dir.create("warn.json", r#"{"additionalRelief": {"colour": 1}}"#);
    let err = dir.ok(&[
        "run",
        &input,
        "--county",
        "ALL",
        "--options",
        "warn.json",
        "--compute-at",
        AT,
        "--out",
        "out",
    ]);
    assert!(
        err.contains("warning: warn.json: unknown key 'additionalRelief.colour' ignored"),
        "{err}"
    );
}

#[test]
fn a_flow_file_of_ones_own_decides() {
    let dir = TestDir::new("eligibility_flow_file");
    let rows = [
        target("11359 HS-SALE"),
        target("11358 HS-GROW")
            .with("CNT_ORDER", "900002002000")
            .with("SUBJECT_ID", "200"),
    ];
    let input = dir
        .create("in.csv", doj::file(true, &rows))
        .display()
        .to_string();
    dir.create(
        "mine.json",
        r#"{"name": "mine", "description": "test", "scope": "prop64",
            "rules": [{"when": ["section:11359", "felony"], "determination": "Eligible for Reduction", "reason": "felony sale"}],
            "otherwise": {"determination": "Hand Review", "reason": "everything else"}}"#,
    );
    dir.ok(&[
        "run",
        &input,
        "--county",
        "SAN FRANCISCO",
        "--flow-file",
        "mine.json",
        "--compute-at",
        AT,
        "--out",
        "out",
        "-q",
    ]);
    let prop64 = dir.read("out/gogen/Prop64_Results.csv");
    assert!(
        prop64.contains("Eligible for Reduction,felony sale"),
        "{prop64}"
    );
    assert!(prop64.contains("Hand Review,everything else"), "{prop64}");
    let flows = dir.command(&["flows"]).output().unwrap();
    let text = String::from_utf8_lossy(&flows.stdout);
    for name in [
        "configurable",
        "dismiss-all",
        "dismiss-all-related",
        "los-angeles",
        "sacramento",
        "contra-costa",
        "san-joaquin",
    ] {
        assert!(text.contains(&format!("{name}: ")), "{name} listed");
    }
}

#[test]
fn earlier_convictions_in_the_same_section_count_ties_and_undated_ones_as_none() {
    let dir = TestDir::new("eligibility_earlier_same_section");
    let rows = [
        other("001002001000", "11357 HS-POSSESS", "20100101"),
        other("002002001000", "11357 HS-POSSESS", "20100101"),
        other("003002001000", "11357 HS-POSSESS", "20120101"),
        other("004002001000", "11357 HS-POSSESS", ""),
        other("005002001000", "11359 HS-POSSESS FOR SALE", "20140101"),
        other("006002001000", "459 PC-BURGLARY", "20000101"),
        other("007002001000", "11357 HS-POSSESS", "20150101"),
    ];
    let path = dir.create("input.csv", doj::file(true, &rows));
    let (records, _) = crate::ingest::read(&[path], &IngestOptions::default());
    let with_facts = prepared(records).convictions;
    let earlier: Vec<Option<u32>> = with_facts
        .column(eligibility::facts::EARLIER_SAME_SECTION)
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(earlier, [0, 0, 2, 0, 0, 0, 3].map(Some));
}
