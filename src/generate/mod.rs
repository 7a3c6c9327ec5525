//! Synthetic DOJ research files: seeded, streamed, in the exact 95-column layout.
//!
//! The model (also in the README and `clearstat generate --help`):
//! - People are spread over the chosen counties (default all 58) in proportion to the 2020
//!   census population. Each person's race/ethnicity is drawn from their county's census
//!   groups, each group's share multiplied by its drug-arrest over-representation factor
//!   ([`DEFAULT_OVERREPRESENTATION`], changeable with `--overrepresentation GROUP=F`), then
//!   written as a DOJ race code. 80% are male.
//! - Births are uniform over 1930–2005. A person's first arrest comes at age 14–40 (records
//!   start in 1970); a person has 1 + Exp(2) arrest cycles (mean 3, at most 15), at exponential
//!   gaps (mean 2.5 years), none after 2024.
//! - Every person has at least one Prop 64 charge (the DOJ research file is drawn for Prop 64);
//!   each arrest cycle has 1–3 counts; other charges are related charges, other offences,
//!   superstrikes and PC 290 offences ([`offenses::KINDS`]).
//! - Each count gets an arrest row (step 1) and a court row (step 2, 10–180 days later).
//!   Adults are convicted of a count with probability 0.65, minors 0.10. Convictions carry a
//!   sentence (D, M or Y) in 70% of cases, split over 2–3 rows with the same CNT_ORDER in 15%.
//! - PC 290 convictions are followed by a REGISTRATION step; 3% of people have a DECEASED step.
//! - Data as real extracts have it: `SEE COMMENT FOR CHARGE` with the charge in COMMENT_TEXT
//!   (3% of court rows), blank CONV_STAT_DESCR with offence type F (3%), padded values (2%),
//!   `"  -  "` placeholders, blank (0.4%) or `YYYY0000` (0.3%) dates of birth, and invalid
//!   event dates (0.1%).
//! - One person in [`REPEAT_EVERY`] repeats their Prop 64 charge in each later arrest cycle.
//! - Every identifier column is filled; each made-up value but SUBJECT_ID and OFN starts
//!   with [`FAKE_MARK`].
//! - `--messy R`: that share of rows is malformed (a field missing or extra, a stray quote).
//!
//! `--rows N` writes exactly N data rows after the header (the last person may be cut short).

pub mod offenses;
pub mod rng;

use std::io::{self, Write};

use chrono::{Datelike, Days, NaiveDate};

use crate::ingest::layout::{COLUMNS, FIELD_COUNT, col};
use crate::population;
use offenses::Offense;
use rng::Rng;

/// Drug-arrest over-representation per census group, in [`crate::population::GROUPS`] order: the factor by which
/// a group's share of the county population is multiplied to give its share of the people in
/// the file. Chosen to resemble the published disparities (Black Californians were arrested
/// for marijuana offences at several times their population share).
pub const DEFAULT_OVERREPRESENTATION: [f64; 7] = [1.5, 1.0, 4.0, 1.5, 0.3, 1.0, 1.0];

/// DOJ race codes and descriptions per census group, in [`crate::population::GROUPS`] order.
pub const RACE_CODES: [&[(&str, &str)]; 7] = [
    &[("H", "HISPANIC")],
    &[("W", "WHITE")],
    &[("B", "BLACK")],
    &[("I", "AMERICAN INDIAN")],
    &[
        ("A", "OTHER ASIAN"),
        ("C", "CHINESE"),
        ("F", "FILIPINO"),
        ("J", "JAPANESE"),
        ("K", "KOREAN"),
        ("V", "VIETNAMESE"),
        ("Z", "ASIAN INDIAN"),
    ],
    &[
        ("P", "PACIFIC ISLANDER"),
        ("G", "GUAMANIAN"),
        ("S", "SAMOAN"),
    ],
    &[("O", "OTHER")],
];

/// Mean number of arrest cycles per person, and mean years between two of them.
pub const CYCLES_MEAN: f64 = 3.0;
pub const CYCLE_GAP_YEARS: f64 = 2.5;
/// Share of people whose race is recorded as unknown (`X`/`UNKNOWN`).
pub const UNKNOWN_RACE_RATE: f64 = 0.01;
/// Share of men.
pub const MALE_RATE: f64 = 0.8;
/// Share of blank and of `YYYY0000` dates of birth.
pub const BLANK_DOB_RATE: f64 = 0.004;
pub const ZERO_DAY_DOB_RATE: f64 = 0.003;
/// Share of rows with an invalid STP_EVENT_DATE.
pub const INVALID_EVENT_DATE_RATE: f64 = 0.001;
/// Conviction probability of a count, for adults and for minors.
pub const ADULT_CONVICTION_RATE: f64 = 0.65;
pub const MINOR_CONVICTION_RATE: f64 = 0.10;
/// Every this many people, one repeats their Prop 64 charge in each later arrest cycle.
pub const REPEAT_EVERY: u64 = 10;
/// Share of people with a DECEASED step.
pub const DECEASED_RATE: f64 = 0.03;
/// Share of court rows whose charge is given as `SEE COMMENT FOR CHARGE`.
pub const SEE_COMMENT_RATE: f64 = 0.03;
/// Share of convictions with a blank CONV_STAT_DESCR (and offence type F).
pub const BLANK_CONV_STAT_RATE: f64 = 0.03;
/// Share of values padded with trailing spaces.
pub const PADDED_RATE: f64 = 0.02;

/// The first and last day of the period arrests are drawn from.
fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}
fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 12, 31).unwrap_or_default()
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateConfig {
    pub rows: u64,
    pub seed: u64,
    /// Counties to draw people from (upper case); empty for all 58.
    pub counties: Vec<String>,
    /// Share of malformed rows, 0 to 1.
    pub messy: f64,
    /// Over-representation factor per census group, in [`crate::population::GROUPS`] order.
    pub overrepresentation: [f64; 7],
    /// Factors on the population weight of some counties (upper case; 1 for the others),
    /// e.g. to give a small county enough people for an example report.
    pub county_weights: Vec<(String, f64)>,
    /// Every field the model leaves empty written as DOJ's placeholder `"  -  "`, quoted, as
    /// gogen's generator and some extracts write them (about 800 bytes a row, not 450).
    pub padded: bool,
}

impl GenerateConfig {
    /// `rows` rows from `seed`: all counties, no malformed rows, the default factors.
    pub fn new(rows: u64, seed: u64) -> Self {
        GenerateConfig {
            rows,
            seed,
            counties: vec![],
            messy: 0.0,
            overrepresentation: DEFAULT_OVERREPRESENTATION,
            county_weights: vec![],
            padded: false,
        }
    }
}

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("a county weight must be a positive number")]
    CountyWeight,
    #[error("unknown county '{0}': use one of California's 58 counties (e.g. SAN FRANCISCO)")]
    UnknownCounty(String),
    #[error("--messy must be between 0 and 1, got {0}")]
    MessyRate(f64),
    #[error("over-representation factors must be positive and not all zero")]
    Factors,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateStats {
    pub rows: u64,
    pub people: u64,
    pub messy_rows: u64,
}

struct County {
    name: &'static str,
    code: usize,
    group_weights: Vec<f64>,
}

/// Checks the settings (done by [`generate`] too, before it writes anything).
pub fn validate(config: &GenerateConfig) -> Result<(), GenerateError> {
    if !(0.0..=1.0).contains(&config.messy) {
        return Err(GenerateError::MessyRate(config.messy));
    }
    if config
        .overrepresentation
        .iter()
        .any(|f| *f < 0.0 || !f.is_finite())
        || config.overrepresentation.iter().all(|f| *f == 0.0)
    {
        return Err(GenerateError::Factors);
    }
    let all = population::counties_2020();
    let weighted = config.county_weights.iter().map(|(county, _)| county);
    for wanted in config.counties.iter().chain(weighted) {
        if !all.iter().any(|c| c.county == wanted) {
            return Err(GenerateError::UnknownCounty(wanted.clone()));
        }
    }
    if config
        .county_weights
        .iter()
        .any(|(_, w)| *w <= 0.0 || !w.is_finite())
    {
        return Err(GenerateError::CountyWeight);
    }
    Ok(())
}

/// Writes a header and `config.rows` data rows to `out`.
pub fn generate(
    config: &GenerateConfig,
    out: &mut impl Write,
) -> Result<GenerateStats, GenerateError> {
    validate(config)?;
    let all = population::counties_2020();
    let mut counties = Vec::new();
    let mut county_weights = Vec::new();
    for (code, c) in all.iter().enumerate() {
        if config.counties.is_empty() || config.counties.iter().any(|w| w == c.county) {
            let factor = config
                .county_weights
                .iter()
                .find(|(county, _)| county == c.county)
                .map_or(1.0, |(_, w)| *w);
            county_weights.push(c.total() as f64 * factor);
            let group_weights = c
                .by_group
                .iter()
                .zip(config.overrepresentation)
                .map(|(n, f)| *n as f64 * f)
                .collect();
            counties.push(County {
                name: c.county,
                code: code + 1,
                group_weights,
            });
        }
    }

    let mut writer = RowWriter::new(out, config.padded);
    writer.write_fields(COLUMNS.iter().copied())?;
    let mut rng = Rng::new(config.seed);
    let mut stats = GenerateStats::default();
    let mut row = Row::new();
    let mut person_rows: Vec<Row> = Vec::new();
    while stats.rows < config.rows {
        stats.people += 1;
        let county = &counties[rng.weighted(&county_weights)];
        person_rows.clear();
        person(&mut rng, stats.people, county, &mut row, &mut person_rows);
        for r in &person_rows {
            if stats.rows == config.rows {
                break;
            }
            stats.rows += 1;
            if config.messy > 0.0 && rng.chance(config.messy) {
                stats.messy_rows += 1;
                writer.write_messy(r, stats.rows, &mut rng)?;
            } else {
                writer.write_row(r, stats.rows)?;
            }
        }
    }
    writer.out.flush()?;
    Ok(stats)
}

/// One row's 95 values.
#[derive(Clone)]
struct Row {
    fields: Vec<String>,
}

impl Row {
    fn new() -> Self {
        Row {
            fields: vec![String::new(); FIELD_COUNT],
        }
    }

    fn set(&mut self, index: usize, value: &str) {
        self.fields[index].clear();
        self.fields[index].push_str(value);
    }
}

/// One arrest cycle of a person.
struct Cycle {
    date: NaiveDate,
    counts: Vec<&'static Offense>,
}

fn yyyymmdd(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// About `years` later (365.25-day years), for drawing dates; not the calendar arithmetic of
/// the rules (`crate::dates::add_years`).
fn years_later(date: NaiveDate, years: i64) -> NaiveDate {
    date.checked_add_days(Days::new((years * 365 + years / 4) as u64))
        .unwrap_or(date)
}

fn pick_offense(rng: &mut Rng, kind: &'static [Offense]) -> &'static Offense {
    let weights: Vec<f64> = kind.iter().map(|o| o.weight).collect();
    &kind[rng.weighted(&weights)]
}

/// Generates one person's rows into `rows` (in file order: cycle by cycle). About 100 lines:
/// the rows of each arrest cycle are written in the order DOJ writes them, and the order of
/// the random draws must not change (the sample is regenerated byte for byte).
fn person(rng: &mut Rng, number: u64, county: &County, template: &mut Row, rows: &mut Vec<Row>) {
    let dob = first_day()
        .checked_sub_days(Days::new(40 * 365 + 10))
        .and_then(|d| d.checked_add_days(Days::new(rng.between(0, 76 * 365 - 1) as u64)))
        .unwrap_or_else(first_day);
    let group = rng.weighted(&county.group_weights);
    let (race_code, race_descr) = if rng.chance(UNKNOWN_RACE_RATE) {
        ("X", "UNKNOWN")
    } else {
        *rng.pick(RACE_CODES[group])
    };
    let gender = if rng.chance(MALE_RATE) { "M" } else { "F" };

    let cycles = arrest_cycles(rng, dob, number);

    let subject_id = identity(rng, number, dob, gender, (race_code, race_descr), template);

    let county_name = if rng.chance(PADDED_RATE) {
        format!("{}   ", county.name)
    } else {
        county.name.to_string()
    };
    let county_code = format!("{:02}", county.code);
    let mut registered = false;
    for (number, cycle) in cycles.iter().enumerate() {
        let cycle_nr = number + 1;
        let age = cycle.date.years_since(dob).unwrap_or(0);
        let court_date = (cycle.date + Days::new(rng.between(10, 180) as u64)).min(last_day());
        let ofn = format!("{:08}", rng.between(0, 99_999_999));
        let mut convicted_pc290 = false;
        for step in [1, 2] {
            for (count_nr, offense) in cycle.counts.iter().enumerate() {
                let mut row = template.clone();
                let event = if step == 1 { cycle.date } else { court_date };
                let event_text = if rng.chance(INVALID_EVENT_DATE_RATE) {
                    format!("{}0000", event.year())
                } else {
                    yyyymmdd(event)
                };
                row.set(col::RECORD_ID, &format!("{cycle_nr}{step}{count_nr}"));
                // One other agency's number per row, each column in turn.
                let fe_number = FE_NUMBERS[(2 * cycle_nr + step + count_nr) % FE_NUMBERS.len()];
                row.set(fe_number, &fake(&format!("{subject_id}{cycle_nr}{step}")));
                row.set(col::CYC_ORDER, &cycle_nr.to_string());
                row.set(col::CYC_DATE, &yyyymmdd(cycle.date));
                row.set(col::STP_ORDER, &step.to_string());
                row.set(col::STP_EVENT_DATE, &event_text);
                row.set(col::STP_ORI_CNTY_NAME, &county_name);
                row.set(col::STP_ORI_CNTY_CODE, &county_code);
                row.set(col::CYC_AGE, &age.to_string());
                row.set(
                    col::CNT_ORDER,
                    &format!("{cycle_nr:03}{step:03}{:03}000", count_nr + 1),
                );
                row.set(col::OFFENSE_TOC, offense.toc);
                if step == 1 {
                    row.set(col::STP_TYPE_CODE, "A");
                    row.set(col::STP_TYPE_DESCR, "ARREST/DETAINED/CITED");
                    row.set(col::STP_ORI_DESCR, &format!("CAPD {}", county.name));
                    row.set(col::OFFENSE_DESCR, offense.descr);
                    rows.push(row);
                    continue;
                }
                row.set(col::STP_TYPE_CODE, "C");
                row.set(col::STP_TYPE_DESCR, "COURT ACTION");
                row.set(col::STP_ORI_DESCR, &format!("CASC {}", county.name));
                row.set(col::DISP_DATE, &yyyymmdd(court_date));
                if count_nr == 0 {
                    row.set(col::OFN, &ofn);
                }
                if rng.chance(SEE_COMMENT_RATE) {
                    row.set(col::OFFENSE_DESCR, "SEE COMMENT FOR CHARGE");
                    row.set(col::COMMENT_TEXT, offense.descr);
                } else {
                    row.set(col::OFFENSE_DESCR, offense.descr);
                }
                convicted_pc290 |= convict(rng, offense, age, row, rows);
            }
        }
        if convicted_pc290 && !registered {
            registered = true;
            let mut row = template.clone();
            row.set(col::STP_TYPE_DESCR, "REGISTRATION");
            row.set(col::STP_EVENT_DATE, &yyyymmdd(court_date));
            row.set(col::STP_ORI_CNTY_NAME, &county_name);
            row.set(col::CNT_ORDER, &format!("{cycle_nr:03}003001000"));
            row.set(col::OFFENSE_DESCR, offenses::REGISTRATION);
            rows.push(row);
        }
    }
    if rng.chance(DECEASED_RATE) {
        let last = cycles.last().map_or(dob, |c| c.date);
        let mut row = template.clone();
        row.set(col::STP_TYPE_DESCR, "DECEASED");
        row.set(
            col::STP_EVENT_DATE,
            &yyyymmdd((last + Days::new(400)).min(last_day())),
        );
        row.set(col::STP_ORI_CNTY_NAME, &county_name);
        row.set(col::CNT_ORDER, &format!("{:03}001001000", cycles.len() + 1));
        rows.push(row);
    }
}

/// A person's arrest cycles, one of them with their Prop 64 charge.
fn arrest_cycles(rng: &mut Rng, dob: NaiveDate, number: u64) -> Vec<Cycle> {
    let earliest = years_later(dob, 12).max(first_day());
    let mut date = years_later(dob, rng.between(14, 40));
    if date < earliest {
        // Records start in 1970: spread earlier first arrests over the following years.
        date = earliest + Days::new(rng.between(0, 3 * 365) as u64);
    }
    if date > last_day() {
        date = earliest + Days::new(rng.between(0, (last_day() - earliest).num_days()) as u64);
    }
    let arrests = 1 + rng.exponential(CYCLES_MEAN - 1.0) as usize;
    let mut cycles = Vec::new();
    while date <= last_day() && cycles.len() < arrests.min(15) {
        let counts = (0..rng.between(1, 3)).map(|_| {
            let kinds: Vec<f64> = offenses::KINDS.iter().map(|(_, w)| *w).collect();
            let kind = offenses::KINDS[rng.weighted(&kinds)].0;
            pick_offense(rng, kind)
        });
        cycles.push(Cycle {
            date,
            counts: counts.collect(),
        });
        date = date + Days::new(1 + rng.exponential(CYCLE_GAP_YEARS * 365.25) as u64);
    }
    // Everyone in a Prop 64 research file has a Prop 64 charge, mostly before Prop 64 passed.
    let before_prop64: Vec<usize> = cycles
        .iter()
        .enumerate()
        .filter(|(_, c)| c.date < NaiveDate::from_ymd_opt(2016, 11, 9).unwrap_or_default())
        .map(|(i, _)| i)
        .collect();
    let chosen = if before_prop64.is_empty() || rng.chance(0.05) {
        rng.between(0, cycles.len() as i64 - 1) as usize
    } else {
        *rng.pick(&before_prop64)
    };
    cycles[chosen].counts[0] = pick_offense(rng, offenses::PROP64);
    // Some people are arrested for the same Prop 64 offence again and again (what the "Two
    // priors" rules look for). Chosen by number, so the others' draws do not change.
    if number.is_multiple_of(REPEAT_EVERY) {
        let charge = cycles[chosen].counts[0];
        for cycle in cycles.iter_mut().skip(chosen + 1) {
            cycle.counts[0] = charge;
        }
    }

    cycles
}

/// Sets the person-level fields of `template`, the same on every row; returns the subject id.
fn identity(
    rng: &mut Rng,
    number: u64,
    dob: NaiveDate,
    gender: &str,
    (race_code, race_descr): (&str, &str),
    template: &mut Row,
) -> String {
    for f in template.fields.iter_mut() {
        f.clear();
    }
    let subject_id = format!("{}", 10_000_000 + number);
    let dob_text = if rng.chance(BLANK_DOB_RATE) {
        String::new()
    } else if rng.chance(ZERO_DAY_DOB_RATE / (1.0 - BLANK_DOB_RATE)) {
        format!("{}0000", dob.year())
    } else {
        yyyymmdd(dob)
    };
    template.set(col::SUBJECT_ID, &subject_id);
    let cii = fake(&format!("{:010}", rng.between(0, 9_999_999_999)));
    let name = fake(&format!(
        "{},{}",
        rng.pick(LAST_NAMES),
        rng.pick(FIRST_NAMES)
    ));
    template.set(col::GENDER, gender);
    // SSNs starting with 9 are never issued: these cannot be anyone's.
    let ssn = fake(&format!("9{:08}", rng.between(0, 99_999_999)));
    let fbi = fake(&format!(
        "{:07}AA{}",
        rng.between(0, 9_999_999),
        rng.between(1, 9)
    ));
    // The request segment repeats the person's identifiers, as DOJ's extracts do.
    for (columns, value) in [
        ([col::CII_NUMBER, col::REQ_CII_NUMBER], &cii),
        ([col::PRI_NAME, col::REQ_NAME], &name),
        ([col::PRI_SSN, col::REQ_SSN], &ssn),
        ([col::PRI_DOB, col::REQ_DOB], &dob_text),
    ] {
        columns.iter().for_each(|&c| template.set(c, value));
    }
    template.set(col::FBI_NUMBER, &fbi);
    template.set(col::REQ_GENDER, gender);
    template.set(col::PRI_IDN, &fake(&format!("ID{number:08}")));
    template.set(col::PRI_INN, &fake(&format!("INN{number:08}")));
    template.set(col::RACE_CODE, race_code);
    template.set(col::RACE_DESCR, race_descr);
    template.set(col::END_OF_REC, "#");
    // DOJ's placeholder for an empty field, or a licence number.
    let cdl = if rng.chance(0.05) {
        "  -  ".to_string()
    } else {
        fake(&format!("D{:07}", number % 10_000_000))
    };
    template.set(col::PRI_CDL, &cdl);
    template.set(col::REQ_CDL, &cdl);

    subject_id
}

/// A court row's outcome: dismissed, or convicted with a level and maybe a sentence in
/// parts (one row each); the rows pushed to `rows`. True when a PC 290 offence was convicted.
fn convict(rng: &mut Rng, offense: &Offense, age: u32, mut row: Row, rows: &mut Vec<Row>) -> bool {
    let conviction_rate = if age >= 18 {
        ADULT_CONVICTION_RATE
    } else {
        MINOR_CONVICTION_RATE
    };
    if !rng.chance(conviction_rate) {
        row.set(col::DISP_DESCR, "DISMISSED/CHARGE DROPPED");
        rows.push(row);
        return false;
    }
    let status = match offense.toc {
        "F" if rng.chance(0.8) => "FELONY",
        _ => "MISDEMEANOR",
    };
    if rng.chance(BLANK_CONV_STAT_RATE) {
        row.set(col::OFFENSE_TOC, "F");
    } else if rng.chance(PADDED_RATE) {
        row.set(col::CONV_STAT_DESCR, &format!("{status}   "));
    } else {
        row.set(col::CONV_STAT_DESCR, status);
    }
    let parts = if !rng.chance(0.7) {
        0
    } else if rng.chance(0.15) {
        rng.between(2, 3)
    } else {
        1
    };
    let (outcome, location) = *rng.pick(&[
        ("CONVICTED-JAIL", "JAIL"),
        ("CONVICTED-PROBATION", "PROBATION"),
        ("CONVICTED-PRISON", "PRISON"),
    ]);
    row.set(col::DISP_DESCR, outcome);
    if parts == 0 {
        rows.push(row);
        return offense.registers;
    }
    for _ in 0..parts {
        let mut part = row.clone();
        let (unit, descr, max) =
            *rng.pick(&[("D", "DAYS", 365), ("M", "MONTHS", 36), ("Y", "YEARS", 10)]);
        part.set(col::SENT_LOC_DESCR, location);
        part.set(col::SENT_LENGTH, &rng.between(1, max).to_string());
        part.set(col::SENT_TIME_CODE, unit);
        part.set(col::SENT_TIME_DESCR, descr);
        rows.push(part);
    }
    offense.registers
}

/// Writes rows as CSV: a field is quoted when it holds a separator, a quote, a line break or
/// leading or trailing spaces.
struct RowWriter<W> {
    out: W,
    /// Empty fields written as [`PLACEHOLDER`].
    padded: bool,
}

/// DOJ's placeholder for an empty field, as the padded shape writes it (quoted).
const PLACEHOLDER: &[u8] = b"\"  -  \"";

impl<W: Write> RowWriter<W> {
    fn new(out: W, padded: bool) -> Self {
        RowWriter { out, padded }
    }

    fn write_fields<'a>(&mut self, fields: impl Iterator<Item = &'a str>) -> io::Result<()> {
        for (i, field) in fields.enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            let quote = field.contains([',', '"', '\n', '\r'])
                || field.starts_with(' ')
                || field.ends_with(' ');
            if field.is_empty() && self.padded {
                self.out.write_all(PLACEHOLDER)?;
            } else if quote {
                self.out.write_all(b"\"")?;
                self.out.write_all(field.replace('"', "\"\"").as_bytes())?;
                self.out.write_all(b"\"")?;
            } else {
                self.out.write_all(field.as_bytes())?;
            }
        }
        self.out.write_all(b"\n")
    }

    fn write_row(&mut self, row: &Row, record_nr: u64) -> io::Result<()> {
        let record_id = format!("{record_nr}");
        let fields = row.fields.iter().enumerate().map(|(i, f)| {
            if i == col::RECORD_ID {
                record_id.as_str()
            } else {
                f.as_str()
            }
        });
        self.write_fields(fields)
    }

    /// A malformed row: one field missing, one too many, or a stray quote in the name.
    fn write_messy(&mut self, row: &Row, record_nr: u64, rng: &mut Rng) -> io::Result<()> {
        let mut fields: Vec<String> = row.fields.clone();
        fields[col::RECORD_ID] = record_nr.to_string();
        match rng.between(0, 2) {
            0 => {
                fields.pop();
            }
            1 => fields.push("EXTRA".to_string()),
            _ => {
                // Written raw, so the quote is bare.
                let line: Vec<String> = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        if i == col::PRI_NAME {
                            "O\"BRIEN,PAT".to_string()
                        } else {
                            f.trim().to_string()
                        }
                    })
                    .collect();
                self.out.write_all(line.join(",").as_bytes())?;
                return self.out.write_all(b"\n");
            }
        }
        self.write_fields(fields.iter().map(String::as_str))
    }
}

/// What every made-up identifier starts with (but SUBJECT_ID and OFN, numbers as in DOJ's
/// files), so that a search of any output finds one that got through.
pub const FAKE_MARK: &str = "FAKE-";

fn fake(value: &str) -> String {
    format!("{FAKE_MARK}{value}")
}

/// The FE_NUM columns that hold numbers of other agencies (arrest, booking, court case…):
/// the layout's identifiers of that segment, in file order.
static FE_NUMBERS: std::sync::LazyLock<Vec<usize>> = std::sync::LazyLock::new(|| {
    crate::ingest::layout::IDENTIFIERS
        .into_iter()
        .filter(|&i| COLUMNS[i].starts_with("FE_NUM_"))
        .collect()
});

const LAST_NAMES: &[&str] = &[
    "GARCIA",
    "SMITH",
    "JOHNSON",
    "NGUYEN",
    "LOPEZ",
    "WILLIAMS",
    "BROWN",
    "MARTINEZ",
    "JONES",
    "HERNANDEZ",
    "KIM",
    "DAVIS",
    "RODRIGUEZ",
    "MILLER",
    "WILSON",
    "CHEN",
    "LEE",
    "TAYLOR",
    "ANDERSON",
    "THOMAS",
    "JACKSON",
    "WHITE",
    "HARRIS",
    "PEREZ",
    "SANCHEZ",
    "CLARK",
    "LEWIS",
    "ROBINSON",
    "WALKER",
    "YOUNG",
    "ALLEN",
    "WONG",
    "SANTOS",
    "REYES",
    "PATEL",
    "TRAN",
];

const FIRST_NAMES: &[&str] = &[
    "JAMES", "MARIA", "JOHN", "JOSE", "ROBERT", "MICHAEL", "DAVID", "LINDA", "CARLOS", "JUAN",
    "WILLIAM", "RICHARD", "JOSEPH", "THOMAS", "ANA", "DANIEL", "PAUL", "MARK", "KEVIN", "BRIAN",
    "ANTHONY", "DARNELL", "ANDRE", "LUIS", "JESSICA", "ASHLEY", "TYRONE", "MIGUEL", "STEVEN",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_row_count_and_95_fields() {
        let mut out = Vec::new();
        let stats = generate(&GenerateConfig::new(500, 3), &mut out).unwrap();
        assert_eq!(stats.rows, 500);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 501);
    }
}
