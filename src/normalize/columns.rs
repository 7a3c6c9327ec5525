//! Names of the normalized columns, as constants so that a typo fails to compile.
//! Booleans start `is_`/`has_`, dates end `_date`.

use crate::ingest::layout::col as doj;

/// Global position of the row over all input files, in command-line order (first row wins).
pub const RECORD_NR: &str = "record_nr";
pub const SUBJECT_ID: &str = "subject_id";
/// A number per subject, for grouping (integers group faster than text): its order of first
/// appearance in the run's rows (`normalize::SubjectKeys`). Never written to an output, and
/// nothing is ordered by it.
pub const SUBJECT_KEY: &str = "subject_key";
pub const HAS_BLANK_SUBJECT_ID: &str = "has_blank_subject_id";
pub const DOB: &str = "dob";
pub const DOB_INVALID: &str = "dob_invalid";
pub const RACE_CODE: &str = "race_code";
pub const RACE_DESCR: &str = "race_descr";
pub const GENDER: &str = "gender";
/// STP_EVENT_DATE: the date of the step (for a court action, gogen's "disposition date").
pub const EVENT_DATE: &str = "event_date";
pub const EVENT_DATE_INVALID: &str = "event_date_invalid";
pub const CYCLE_DATE: &str = "cycle_date";
pub const CYCLE_DATE_INVALID: &str = "cycle_date_invalid";
pub const DISP_DATE: &str = "disp_date";
pub const DISP_DATE_INVALID: &str = "disp_date_invalid";
/// STP_TYPE_DESCR, trimmed and upper case: `ARREST/DETAINED/CITED`, `COURT ACTION`, ...
pub const STEP_TYPE: &str = "step_type";
pub const COUNTY: &str = "county";
pub const COUNT_ORDER: &str = "count_order";
pub const CYCLE: &str = "cycle";
pub const STEP: &str = "step";
/// OFN exactly as in the file (gogen joins them verbatim into case numbers).
pub const OFN: &str = "ofn";
pub const OFFENSE_DESCR: &str = "offense_descr";
pub const COMMENT_TEXT: &str = "comment_text";
pub const CODE_SECTION: &str = "code_section";
pub const PROP64_SECTION: &str = "prop64_section";
pub const PROP64_SUBSECTION: &str = "prop64_subsection";
pub const IS_PROP64: &str = "is_prop64";
pub const IS_RELATED_CHARGE: &str = "is_related_charge";
pub const IS_SUPERSTRIKE: &str = "is_superstrike";
pub const IS_PC290_OFFENSE: &str = "is_pc290_offense";
pub const IS_CONVICTION: &str = "is_conviction";
pub const IS_FELONY: &str = "is_felony";
pub const SENTENCE_DAYS: &str = "sentence_days";
pub const SENTENCE_UNREADABLE: &str = "sentence_unreadable";
pub const IS_DEATH_RECORD: &str = "is_death_record";
pub const IS_PC290_REGISTRATION: &str = "is_pc290_registration";

// Conviction table.
/// The date of the conviction: the court step's STP_EVENT_DATE, as gogen used it.
pub const CONVICTION_DATE: &str = "conviction_date";
/// All sentence parts of the conviction (rows sharing its subject and CNT_ORDER), in days.
pub const SENTENCE_TOTAL_DAYS: &str = "sentence_total_days";
/// Rows merged into this conviction (1 when it had no duplicate rows).
pub const SOURCE_ROWS: &str = "source_rows";
pub const SOURCE_FILE: &str = "source_file";
/// The comment names a Prop 64 charge the offence does not (gogen's "Possible Other P64
/// Charges"): the comment, or empty.
pub const POSSIBLE_OTHER_PROP64_CHARGE: &str = "possible_other_prop64_charge";
/// The same cell from the raw, untrimmed texts, as gogen's All_Results.csv prints it on
/// every row.
pub const GOGEN_POSSIBLE_OTHER_CHARGES: &str = "gogen_possible_other_charges";
/// OFNs of the subject's court rows in the conviction's cycle and step, `; `-separated.
pub const CASE_NUMBER: &str = "case_number";
/// Some row (convicted or not) of the same subject and arrest cycle is a Prop 64 charge.
pub const HAS_PROP64_CHARGE_IN_CYCLE: &str = "has_prop64_charge_in_cycle";
/// The subject's date of birth: the first valid one among all its rows.
pub const SUBJECT_DOB: &str = "subject_dob";
/// The subject has a DECEASED record.
pub const SUBJECT_IS_DECEASED: &str = "subject_is_deceased";
/// The subject has a PC 290 registration record.
pub const SUBJECT_HAS_PC290_REGISTRATION: &str = "subject_has_pc290_registration";
/// Date of the subject's first PC 290 registration record.
pub const FIRST_PC290_REGISTRATION_DATE: &str = "first_pc290_registration_date";
/// Date of the subject's first DECEASED record (null when it has no readable date).
pub const DEATH_DATE: &str = "death_date";

// Subject table.
pub const CONVICTIONS: &str = "convictions";
pub const FELONY_CONVICTIONS: &str = "felony_convictions";
pub const PROP64_CONVICTIONS: &str = "prop64_convictions";
pub const MOST_RECENT_CONVICTION_DATE: &str = "most_recent_conviction_date";
pub const SUPERSTRIKE_SECTIONS: &str = "superstrike_sections";
pub const PC290_SECTIONS: &str = "pc290_sections";
pub const IS_DECEASED: &str = "is_deceased";
pub const HAS_PC290_REGISTRATION: &str = "has_pc290_registration";
pub const COUNTIES: &str = "counties";

/// `prop64_convictions_11357` etc.: Prop 64 convictions of the subject in one section.
pub fn prop64_convictions_in(section: &str) -> String {
    format!("{PROP64_CONVICTIONS}_{section}")
}

/// The four Prop 64 sections.
pub const PROP64_SECTIONS: [&str; 4] = ["11357", "11358", "11359", "11360"];

/// The columns of the row-level tables that copy a DOJ column (or, for `case_number`, list
/// its values), with the DOJ column's position: its declaration in the layout decides what
/// `--pseudonymize` does to them.
pub const FROM_DOJ: [(&str, usize); 12] = [
    (SUBJECT_ID, doj::SUBJECT_ID),
    (OFN, doj::OFN),
    (CASE_NUMBER, doj::OFN),
    (COMMENT_TEXT, doj::COMMENT_TEXT),
    (POSSIBLE_OTHER_PROP64_CHARGE, doj::COMMENT_TEXT),
    (GOGEN_POSSIBLE_OTHER_CHARGES, doj::COMMENT_TEXT),
    (DOB, doj::PRI_DOB),
    (SUBJECT_DOB, doj::PRI_DOB),
    (RACE_CODE, doj::RACE_CODE),
    (RACE_DESCR, doj::RACE_DESCR),
    (GENDER, doj::GENDER),
    (OFFENSE_DESCR, doj::OFFENSE_DESCR),
];

/// The name a date-of-birth column takes when `--birth-year-only` cuts it to the year
/// (`dob` → `birth_year`, `subject_dob` → `subject_birth_year`).
pub fn birth_year_of(name: &str) -> String {
    name.replace(DOB, "birth_year")
}
