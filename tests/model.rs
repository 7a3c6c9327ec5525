//! An independent model of the configurable flow, the impact figures and the county presets:
//! plain structs and loops over the CSV text, written from `docs/` (with clearstat's
//! documented fixes), sharing no code with the engine. It must agree with the
//! vectorized engine on generated data for many seeds and option sets.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use clearstat::eligibility::GogenOptions;
use clearstat::generate::{self, GenerateConfig};
use clearstat::ingest::IngestOptions;
use clearstat::pipeline::{self, RunPlan};
use polars::prelude::*;

use crate::testdir::TestDir;

/// Splits CSV text into records (RFC 4180 quotes), skipping the header.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(ch) = chars.next() {
        if quoted {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(ch);
            }
            continue;
        }
        match ch {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            '\r' => {}
            _ => field.push(ch),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records.remove(0);
    records
}

const SUBJECT_ID: usize = 2;
const PRI_DOB: usize = 14;
const STP_EVENT_DATE: usize = 40;
const STP_TYPE_DESCR: usize = 42;
const COUNTY: usize = 48;
const CNT_ORDER: usize = 50;
const OFFENSE_DESCR: usize = 54;
const OFFENSE_TOC: usize = 55;
const DISP_DESCR: usize = 80;
const CONV_STAT_DESCR: usize = 82;
const COMMENT_TEXT: usize = 93;
/// The arrest cycle: the first three digits of CNT_ORDER.
const CYCLE_DIGITS: usize = 3;
const SENT_LENGTH: usize = 87;
const SENT_TIME_CODE: usize = 88;

fn date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(t, "%Y%m%d").ok()
}

/// Go's `AddDate(years, 0, 0)`.
fn plus_years(d: NaiveDate, years: i32) -> NaiveDate {
    let y = d.year() + years;
    NaiveDate::from_ymd_opt(y, d.month(), d.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(y, 3, 1).unwrap())
}

fn code_section(row: &[String]) -> String {
    let offense = row[OFFENSE_DESCR].trim();
    let source = if offense.is_empty() || offense == "SEE COMMENT FOR CHARGE" {
        &row[COMMENT_TEXT]
    } else {
        &row[OFFENSE_DESCR]
    };
    source.split('-').next().unwrap_or("").trim().to_string()
}

/// The leftmost Prop 64 section not glued to other digits or a decimal point (the attempt
/// prefix 664 allowed).
fn prop64_section(code: &str) -> Option<&'static str> {
    let bytes = code.as_bytes();
    let mut best: Option<(usize, &'static str)> = None;
    for section in ["11357", "11358", "11359", "11360"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(section) {
            let at = from + found;
            let before = code[..at].to_string();
            let before_ok = at == 0
                || !(bytes[at - 1].is_ascii_digit() || bytes[at - 1] == b'.')
                || before.ends_with("664");
            let before_ok = before_ok || before.ends_with("664/") || before.ends_with("664.");
            let after = bytes.get(at + 5);
            let after_ok = !matches!(after, Some(b) if b.is_ascii_digit() || *b == b'.');
            if before_ok && after_ok {
                if best.is_none_or(|(p, _)| at < p) {
                    best = Some((at, section));
                }
                break;
            }
            from = at + 1;
        }
    }
    best.map(|(_, s)| s)
}

/// What the generator's offence lists say a code section is.
#[derive(Default, Clone, Copy)]
struct Kind {
    related: bool,
    superstrike: bool,
    pc290: bool,
}

fn kinds() -> HashMap<String, Kind> {
    use clearstat::generate::offenses::{PC290, RELATED, SUPERSTRIKE};
    let mut kinds: HashMap<String, Kind> = HashMap::new();
    let code = |descr: &str| descr.split('-').next().unwrap_or("").trim().to_string();
    for o in RELATED {
        kinds.entry(code(o.descr)).or_default().related = true;
    }
    for o in SUPERSTRIKE {
        kinds.entry(code(o.descr)).or_default().superstrike = true;
    }
    for o in SUPERSTRIKE.iter().chain(PC290) {
        kinds.entry(code(o.descr)).or_default().pc290 |= o.registers;
    }
    kinds
}

struct Conviction {
    count_order: String,
    county: String,
    code: String,
    section: Option<&'static str>,
    kind: Kind,
    felony: bool,
    date: Option<NaiveDate>,
    /// Days of all sentence parts (rows with the same CNT_ORDER).
    sentence_days: f64,
    prop64_in_cycle: bool,
}

impl Conviction {
    /// The day the sentence ends (its date plus the parts, rounded up), unknown without a date.
    fn sentence_end(&self) -> Option<NaiveDate> {
        self.date
            .map(|d| d + chrono::Days::new(self.sentence_days.ceil() as u64))
    }
}

#[derive(Default)]
struct Person {
    dob: Option<NaiveDate>,
    deceased: bool,
    registered: Option<NaiveDate>,
    convictions: Vec<Conviction>,
}

/// subject -> person, in the model's own terms, as of `at`: convictions, registrations and
/// deaths dated later left out (the first row of a conviction decides its date, as in the
/// engine).
fn people(rows: &[Vec<String>], at: NaiveDate) -> BTreeMap<String, Person> {
    let kinds = kinds();
    let mut people: BTreeMap<String, Person> = BTreeMap::new();
    let mut prop64_cycles = std::collections::HashSet::new();
    let mut sentences: HashMap<(String, String), f64> = HashMap::new();
    for row in rows {
        let id = row[SUBJECT_ID].trim().to_string();
        let person = people.entry(id.clone()).or_default();
        person.dob = person.dob.or(date(&row[PRI_DOB]));
        let count_order = row[CNT_ORDER].trim().to_string();
        let step = row[STP_TYPE_DESCR].trim().to_uppercase();
        let day = date(&row[STP_EVENT_DATE]);
        let not_later = day.is_none_or(|d| d <= at);
        if step == "DECEASED" && not_later {
            person.deceased = true;
        }
        if step == "REGISTRATION" && row[OFFENSE_DESCR].trim().starts_with("290") && not_later {
            person.registered = day.into_iter().chain(person.registered).min();
        }
        let code = code_section(row);
        if prop64_section(&code).is_some() && count_order.len() >= CYCLE_DIGITS {
            prop64_cycles.insert((id.clone(), count_order[..CYCLE_DIGITS].to_string()));
        }
        if !row[DISP_DESCR]
            .trim()
            .to_uppercase()
            .starts_with("CONVICTED")
        {
            continue;
        }
        let per_unit = match row[SENT_TIME_CODE].trim() {
            "D" => 1.0,
            "M" => 365.25 / 12.0,
            "Y" => 365.25,
            _ => 0.0,
        };
        let length: f64 = row[SENT_LENGTH].trim().parse().unwrap_or(0.0);
        *sentences
            .entry((id.clone(), count_order.clone()))
            .or_default() += length * per_unit;
        if person
            .convictions
            .iter()
            .any(|c| c.count_order == count_order)
        {
            continue;
        }
        let status = row[CONV_STAT_DESCR].trim().to_uppercase();
        person.convictions.push(Conviction {
            county: row[COUNTY].trim().to_uppercase(),
            section: prop64_section(&code),
            kind: kinds.get(&code).copied().unwrap_or_default(),
            felony: status == "FELONY"
                || (status.is_empty() && row[OFFENSE_TOC].trim().to_uppercase() == "F"),
            date: day,
            sentence_days: 0.0,
            prop64_in_cycle: false,
            code,
            count_order,
        });
    }
    for (id, person) in people.iter_mut() {
        person
            .convictions
            .retain(|c| c.date.is_none_or(|d| d <= at));
        for charge in &mut person.convictions {
            let key = (id.clone(), charge.count_order.clone());
            charge.sentence_days = sentences.get(&key).copied().unwrap_or(0.0);
            charge.prop64_in_cycle = charge.count_order.len() >= CYCLE_DIGITS
                && prop64_cycles
                    .contains(&(id.clone(), charge.count_order[..CYCLE_DIGITS].to_string()));
        }
    }
    people
}

/// gogen's configurable flow, one conviction at a time.
fn configurable(o: &GogenOptions, p: &Person, c: &Conviction, at: NaiveDate) -> (String, String) {
    let d = |reason: String| ("Eligible for Dismissal".to_string(), reason);
    if !c.felony {
        return d("Misdemeanor or Infraction".into());
    }
    let section = c.section.unwrap_or_default();
    if o.dismiss.iter().any(|s| s == section) {
        return d(format!("Dismiss all HS {section} convictions"));
    }
    if o.under21_at_conviction
        && let (Some(dob), Some(date)) = (p.dob, c.date)
        && plus_years(dob, 21) > date
    {
        return d("21 years or younger".into());
    }
    if o.age_threshold != 0
        && p.dob
            .is_some_and(|dob| plus_years(dob, o.age_threshold as i32) <= at)
    {
        return d(format!("{} years or older", o.age_threshold));
    }
    let n = o.years_since_conviction;
    if n != 0
        && c.date
            .is_some_and(|date| date <= plus_years(at, -(n as i32)))
    {
        return d(format!("Conviction occurred {n} or more years ago"));
    }
    let last = p.convictions.iter().filter_map(|c| c.date).max();
    let n = o.years_crime_free;
    if n != 0 && last.is_some_and(|last| last < plus_years(at, -(n as i32))) {
        return d(format!("No convictions in the past {n} years"));
    }
    if o.only_prop64 && p.convictions.iter().all(|c| c.section.is_some()) {
        return d("Only has 11357-60 charges".into());
    }
    if o.deceased && p.deceased {
        return d("Individual is deceased".into());
    }
    if o.reduce.iter().any(|s| s == section) {
        return (
            "Eligible for Reduction".into(),
            format!("Reduce all HS {section} convictions"),
        );
    }
    ("No determination".into(), "No rule applied".into())
}

/// (no conviction left, none in the last 7 years, no felony left, some relief) counts.
fn impact(
    people: &BTreeMap<String, Person>,
    decide: impl Fn(&Person, &Conviction) -> Option<String>,
    at: NaiveDate,
) -> [u64; 4] {
    let mut counts = [0; 4];
    let since = plus_years(at, -7);
    for p in people.values() {
        let decided: Vec<Option<String>> = p.convictions.iter().map(|c| decide(p, c)).collect();
        let dismissed = |d: &Option<String>| d.as_deref() == Some("Eligible for Dismissal");
        let relieved =
            |d: &Option<String>| dismissed(d) || d.as_deref() == Some("Eligible for Reduction");
        let all = |filter: &dyn Fn(&Conviction) -> bool, ok: &dyn Fn(&Option<String>) -> bool| {
            let mine: Vec<_> = p
                .convictions
                .iter()
                .zip(&decided)
                .filter(|(c, _)| filter(c))
                .collect();
            !mine.is_empty() && mine.iter().all(|(_, d)| ok(d))
        };
        counts[0] += u64::from(all(&|_| true, &dismissed));
        counts[1] += u64::from(all(&|c| c.date.is_some_and(|d| d > since), &dismissed));
        counts[2] += u64::from(all(&|c| c.felony, &relieved));
        counts[3] += u64::from(decided.iter().any(relieved));
    }
    counts
}

fn options(json: &str) -> GogenOptions {
    GogenOptions::from_json("test", json).unwrap().0
}

/// The engine's decisions: (subject, CNT_ORDER) → (determination, reason), decided rows only.
fn engine_decisions(path: &std::path::Path) -> HashMap<(String, String), (String, String)> {
    let frame = LazyFrame::scan_parquet(
        PlRefPath::from(path.to_string_lossy().as_ref()),
        Default::default(),
    )
    .unwrap();
    decisions(frame)
}

/// (subject, CNT_ORDER) → (determination, reason) of the decided rows of `frame`.
fn decisions(frame: LazyFrame) -> HashMap<(String, String), (String, String)> {
    let df = frame
        .filter(col("rule").is_not_null())
        .select([
            col("subject_id"),
            col("count_order"),
            col("determination").cast(DataType::String),
            col("reason").cast(DataType::String),
        ])
        .collect()
        .unwrap();
    let s = |name: &str| df.column(name).unwrap().str().unwrap().clone();
    let (a, b, c, d) = (
        s("subject_id"),
        s("count_order"),
        s("determination"),
        s("reason"),
    );
    (0..df.height())
        .map(|i| {
            let get = |x: &StringChunked| x.get(i).unwrap_or_default().to_string();
            ((get(&a), get(&b)), (get(&c), get(&d)))
        })
        .collect()
}

#[test]
fn independent_model_agrees_with_the_engine() {
    let option_sets = [
        "{}",
        r#"{"baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
            "additionalRelief": {"subjectUnder21AtConviction": true, "subjectAgeThreshold": 57,
            "yearsSinceConvictionThreshold": 10, "subjectIsDeceased": true, "subjectHasOnlyProp64Charges": true}}"#,
        r#"{"baselineEligibility": {"dismiss": [], "reduce": ["11357", "11358", "11359", "11360"]},
            "additionalRelief": {"subjectAgeThreshold": 40, "yearsCrimeFreeThreshold": 5}}"#,
        r#"{"baselineEligibility": {"dismiss": ["11360"], "reduce": ["11357"]},
            "additionalRelief": {"yearsSinceConvictionThreshold": 15, "subjectIsDeceased": true,
            "subjectUnder21AtConviction": true}}"#,
    ];
    let dates = ["2019-11-11", "2024-02-29", "2021-07-01"];
    let dir = TestDir::new("model");
    let mut checked = 0;
    for seed in 1..=12u64 {
        let input = dir.path(&format!("seed{seed}.csv"));
        let config = GenerateConfig {
            counties: vec!["SAN FRANCISCO".into(), "SAN MATEO".into()],
            ..GenerateConfig::new(4000, seed)
        };
        generate::generate(&config, &mut std::fs::File::create(&input).unwrap()).unwrap();
        let text = std::fs::read_to_string(&input).unwrap();
        let json = option_sets[seed as usize % option_sets.len()];
        let opts = options(json);
        let at = NaiveDate::parse_from_str(dates[seed as usize % dates.len()], "%Y-%m-%d").unwrap();
        let model_people = people(&parse_csv(&text), at);
        let out = dir.path(&format!("out{seed}"));
        let plan = RunPlan {
            inputs: vec![input],
            county: "SAN FRANCISCO".into(),
            compute_at: at,
            out: out.clone(),
            ingest: IngestOptions::default(),
            flow: opts.to_flow(),
            gogen_options: opts.clone(),
            force: false,
            gogen: true,
            pseudonymizer: None,
            publish: clearstat::report::PublishOptions {
                min_cell: 10,
                denominators: clearstat::population::Denominators::new(None, None).unwrap(),
                race_map: clearstat::analytics::race::RaceMap::bundled(),
                templates: None,
            },
        };
        pipeline::run(&plan).unwrap();

        let relevant = |c: &Conviction| c.county == "SAN FRANCISCO" && c.section.is_some();
        let mut expected = HashMap::new();
        for (id, p) in &model_people {
            for c in p.convictions.iter().filter(|c| relevant(c)) {
                expected.insert(
                    (id.clone(), c.count_order.clone()),
                    configurable(&opts, p, c, at),
                );
            }
        }
        let got = engine_decisions(&out.join("convictions.parquet"));
        assert_eq!(
            got.len(),
            expected.len(),
            "seed {seed}: decided convictions"
        );
        for (key, want) in &expected {
            assert_eq!(
                got.get(key),
                Some(want),
                "seed {seed} options {json} at {at}: {key:?}"
            );
        }
        checked += expected.len();

        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("gogen/gogen.json")).unwrap())
                .unwrap();
        let chosen = impact(
            &model_people,
            |p, c| relevant(c).then(|| configurable(&opts, p, c, at).0),
            at,
        );
        let all = impact(
            &model_people,
            |_, c| relevant(c).then(|| "Eligible for Dismissal".to_string()),
            at,
        );
        for (key, counts) in [
            ("reliefWithCurrentEligibilityChoices", chosen),
            ("reliefWithDismissAllProp64", all),
        ] {
            let r = &summary[key];
            let got = [
                r["CountSubjectsNoConviction"].as_u64().unwrap(),
                r["CountSubjectsNoConvictionLast7Years"].as_u64().unwrap(),
                r["CountSubjectsNoFelony"].as_u64().unwrap(),
            ];
            assert_eq!(got, counts[..3], "seed {seed}: {key}");
        }
        assert_eq!(
            summary["subjectsWithSomeReliefCount"].as_u64().unwrap(),
            chosen[3],
            "seed {seed}"
        );
    }
    assert!(checked > 1000, "too few convictions compared: {checked}");
}

// The county presets (`docs/county-presets.md`), modelled the same way, three-valued
// conditions as `Option<bool>`.

/// Each fact a preset looks at, about one conviction, three-valued where it can be unknown.
struct Facts {
    on_or_after_prop64: Option<bool>,
    superstrike_before: Option<bool>,
    pc290_before: Option<bool>,
    two_priors: bool,
    age_50: Option<bool>,
    under_21: Option<bool>,
    only_prop64: bool,
    all_sentences_done: Option<bool>,
    this_sentence_done: Option<bool>,
    last: Option<NaiveDate>,
    more_than_one: bool,
}

fn facts(p: &Person, c: &Conviction, at: NaiveDate) -> Facts {
    let first = |flag: fn(&Conviction) -> bool| {
        p.convictions
            .iter()
            .filter(|c| flag(c))
            .filter_map(|c| c.date)
            .min()
    };
    // A date before this conviction: false when there is none, unknown without this date.
    let before = |first: Option<NaiveDate>| match (first, c.date) {
        (None, _) => Some(false),
        (Some(_), None) => None,
        (Some(f), Some(d)) => Some(f < d),
    };
    let pc290 = first(|c| c.kind.pc290)
        .into_iter()
        .chain(p.registered)
        .min();
    let ends: Vec<Option<NaiveDate>> = p.convictions.iter().map(Conviction::sentence_end).collect();
    let last_end = ends.iter().flatten().max();
    Facts {
        on_or_after_prop64: c
            .date
            .map(|d| d >= NaiveDate::from_ymd_opt(2016, 11, 9).unwrap()),
        superstrike_before: before(first(|c| c.kind.superstrike)),
        pc290_before: before(pc290),
        two_priors: c.date.is_some_and(|d| {
            p.convictions
                .iter()
                .filter(|o| o.section.is_some() && o.section == c.section)
                .filter(|o| o.date.is_some_and(|od| od < d))
                .count()
                >= 2
        }),
        age_50: p.dob.map(|dob| plus_years(dob, 50) <= at),
        under_21: p.dob.zip(c.date).map(|(dob, d)| plus_years(dob, 21) > d),
        only_prop64: p.convictions.iter().all(|c| c.section.is_some()),
        all_sentences_done: last_end.map(|end| *end < at),
        this_sentence_done: c.sentence_end().map(|end| end < at),
        last: p.convictions.iter().filter_map(|c| c.date).max(),
        more_than_one: p.convictions.len() > 1,
    }
}

fn yes(value: Option<bool>) -> bool {
    value == Some(true)
}

/// The four presets, as the spec lists their rules.
fn preset_decision(
    name: &str,
    p: &Person,
    c: &Conviction,
    at: NaiveDate,
) -> (&'static str, String) {
    let f = facts(p, c, at);
    let years_ago = |n: i32| plus_years(at, -n);
    let last_before = |n: i32| f.last.map(|l| l < years_ago(n));
    let after = "Occurred after 11/09/2016";
    let upper = c.code.to_uppercase();
    let r = |d: &'static str, reason: &str| (d, reason.to_string());
    let (dismiss, reduce, not, hand, flag) = (
        "Eligible for Dismissal",
        "Eligible for Reduction",
        "Not eligible",
        "Hand Review",
        "Maybe Eligible - Flag for Review",
    );
    match name {
        "los-angeles" => {
            if !c.felony {
                r(
                    "To be reviewed by City Attorneys",
                    "Misdemeanor or Infraction",
                )
            } else if yes(f.on_or_after_prop64) {
                r(not, after)
            } else if c.section == Some("11357")
                && (upper.starts_with("11357(A)") || upper.starts_with("11357(B)"))
            {
                r(dismiss, "11357(a) or 11357(b)")
            } else if c.section == Some("11357") {
                r(hand, "Other 11357")
            } else if yes(f.superstrike_before) {
                r(not, "PC 667(e)(2)(c)(iv)")
            } else if yes(f.pc290_before) {
                r(not, "PC 290")
            } else if f.two_priors {
                r(not, "Two priors")
            } else if yes(f.age_50) {
                r(dismiss, "50 years or older")
            } else if yes(f.under_21) {
                r(dismiss, "21 years or younger")
            } else if f.only_prop64 && yes(f.all_sentences_done) {
                r(dismiss, "Only has 11357-60 charges and completed sentence")
            } else if f.last.is_some_and(|l| l <= years_ago(10)) {
                r(dismiss, "No convictions in past 10 years")
            } else if f.all_sentences_done == Some(false) {
                r(hand, "Currently serving sentence")
            } else if p.deceased {
                r(dismiss, "Deceased")
            } else {
                r(hand, "No applicable eligibility criteria")
            }
        }
        "sacramento" => {
            if yes(f.on_or_after_prop64) {
                r(not, after)
            } else if !c.felony {
                r(dismiss, "Misdemeanor or Infraction")
            } else if upper.starts_with("11357(B)") {
                r(dismiss, "HS 11357(b)")
            } else if f.more_than_one && yes(last_before(10)) {
                r(dismiss, "No convictions in past 10 years")
            } else if f.more_than_one {
                r(reduce, "Has convictions in past 10 years")
            } else if yes(f.this_sentence_done) {
                r(dismiss, "Sentence Completed")
            } else {
                r(reduce, "Sentence not Completed")
            }
        }
        _ => {
            if yes(f.on_or_after_prop64) {
                r(not, after)
            } else if c.kind.related && !c.prop64_in_cycle {
                r(flag, "No Related Prop64 Charges")
            } else if c.kind.related && upper.starts_with("4060") {
                r(flag, "4060 BP")
            } else if c.kind.related {
                r(dismiss, &c.code)
            } else if !c.felony {
                r(dismiss, "Misdemeanor or Infraction")
            } else if c.section == Some("11357") {
                r(dismiss, "11357 HS")
            } else if f.more_than_one && yes(last_before(5)) {
                r(dismiss, "No convictions in past 5 years")
            } else if f.more_than_one {
                r(flag, "Has convictions in past 5 years")
            } else if yes(f.this_sentence_done) {
                r(dismiss, "Sentence Completed")
            } else {
                r(flag, "Sentence not Completed")
            }
        }
    }
}

/// The engine's decisions under a built-in flow, as a run makes them (as-of included).
fn engine_preset(
    input: &std::path::Path,
    flow: &clearstat::eligibility::Flow,
    at: NaiveDate,
) -> HashMap<(String, String), (String, String)> {
    use clearstat::eligibility::{self, Scenario};
    let (records, _) = crate::ingest::read(&[input.to_path_buf()], &IngestOptions::default());
    let prepared =
        clearstat::prepared::Prepared::from_records(records, &["f".into()], &mut |_| {}).unwrap();
    let (prepared, _) = prepared.as_of(at, "SAN FRANCISCO").unwrap();
    let decided = eligibility::decide(
        prepared.convictions.lazy(),
        &Scenario::all(flow.clone()),
        "SAN FRANCISCO",
        at,
    )
    .unwrap();
    decisions(decided)
}

/// Every preset decides generated data as the model does, and the generated data reaches
/// every rule of every preset.
#[test]
fn independent_model_of_the_county_presets_agrees_with_the_engine() {
    let dir = TestDir::new("model_presets");
    let dates = ["2019-11-11", "2021-07-01", "2016-11-09"];
    let mut reached: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for seed in 1..=6u64 {
        let input = dir.path(&format!("seed{seed}.csv"));
        let config = GenerateConfig {
            counties: vec!["SAN FRANCISCO".into(), "SAN MATEO".into()],
            ..GenerateConfig::new(6000, seed)
        };
        generate::generate(&config, &mut std::fs::File::create(&input).unwrap()).unwrap();
        let rows = parse_csv(&std::fs::read_to_string(&input).unwrap());
        let at = NaiveDate::parse_from_str(dates[seed as usize % dates.len()], "%Y-%m-%d").unwrap();
        let people = people(&rows, at);
        for name in ["los-angeles", "sacramento", "contra-costa", "san-joaquin"] {
            let flow = clearstat::eligibility::built_in(name).unwrap().unwrap();
            let related = name == "contra-costa" || name == "san-joaquin";
            let got = engine_preset(&input, &flow, at);
            let mut expected = HashMap::new();
            for (id, p) in &people {
                for c in &p.convictions {
                    let relevant = c.section.is_some() || (related && c.kind.related);
                    if c.county == "SAN FRANCISCO" && relevant {
                        let (d, reason) = preset_decision(name, p, c, at);
                        *reached.entry((name, reason.clone())).or_default() += 1;
                        expected
                            .insert((id.clone(), c.count_order.clone()), (d.to_string(), reason));
                    }
                }
            }
            assert_eq!(got.len(), expected.len(), "seed {seed} {name}: decided");
            for (key, want) in &expected {
                assert_eq!(
                    got.get(key),
                    Some(want),
                    "seed {seed} {name} at {at}: {key:?}"
                );
            }
        }
    }
    // The generator reaches every rule (the related charges' reasons are their sections).
    for name in ["los-angeles", "sacramento", "contra-costa"] {
        let flow = clearstat::eligibility::built_in(name).unwrap().unwrap();
        let (_, reasons) = flow.outcomes();
        for reason in reasons.iter().filter(|r| !r.starts_with('{')) {
            assert!(
                reached.contains_key(&(name, reason.clone())),
                "{name}: no generated conviction reaches \"{reason}\" ({reached:?})"
            );
        }
    }
}
