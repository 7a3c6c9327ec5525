//! The DOJ research-file layout (`docs/doj-research-file.md`), declared once: each of the 95
//! columns in file order, with what it says about a person ([`Role`]) and whether clearstat
//! reads it.
//!
//! Everything about columns follows from this table: the columns the normalize stage parses
//! ([`READ_COLUMNS`]), what `--pseudonymize` does to each (`crate::outputs::pseudonym`),
//! and the README's table of columns (`clearstat columns`). DOJ column names appear in
//! UPPER_CASE only here; the normalize stage renames the columns it uses to snake_case.

/// Number of fields in every data row.
pub const FIELD_COUNT: usize = 95;

/// What a column says about the person a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Names a person or finds them in another system: name, SSN, driver's licence, state
    /// and FBI numbers, court case, booking, citation and warrant numbers.
    Identifier,
    /// A date of birth: a quasi-identifier the rules use (age at conviction) and that can
    /// be cut to the year once they have.
    DateOfBirth,
    /// Singles a person out in combination with other columns or outside sources: sex,
    /// race, physical description, birthplace, citizenship, the dates of arrests and
    /// court actions, age.
    QuasiIdentifier,
    /// Text typed by a clerk, which may hold names or anything else.
    FreeText,
    /// Codes, descriptions and places of the justice system, orders and separators.
    Other,
}

impl Role {
    /// How the README and `clearstat columns` name the role.
    pub fn label(self) -> &'static str {
        match self {
            Role::Identifier => "identifier",
            Role::DateOfBirth => "date of birth",
            Role::QuasiIdentifier => "quasi-identifier",
            Role::FreeText => "free text",
            Role::Other => "other",
        }
    }
}

/// Whether the reader hands a column on to the normalize stage, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Not split out of the record.
    Unread,
    /// The field as written: gogen prints some cells untrimmed, and the codes are typed from
    /// their few distinct texts, blanks and placeholders included.
    AsWritten,
    /// Trimmed, and null when blank or DOJ's `-` placeholder for an empty field (`"  -  "`):
    /// done while the record is split, for the columns read row by row, rather than as a
    /// Polars expression that builds every text again.
    Text,
}

/// One DOJ column.
#[derive(Debug, Clone, Copy)]
pub struct DojColumn {
    pub name: &'static str,
    pub role: Role,
    /// Whether and how the normalize stage parses it (the rules or the statistics use it).
    pub reading: Reading,
}

impl DojColumn {
    /// The normalize stage parses it.
    pub const fn is_read(&self) -> bool {
        !matches!(self.reading, Reading::Unread)
    }
}

use Reading::{AsWritten, Text, Unread};

const fn column(name: &'static str, role: Role, reading: Reading) -> DojColumn {
    DojColumn {
        name,
        role,
        reading,
    }
}

use Role::{DateOfBirth, FreeText, Identifier, Other, QuasiIdentifier};

/// The 95 columns in file order.
pub const LAYOUT: [DojColumn; FIELD_COUNT] = [
    column("RECORD_ID", Other, Unread),
    column("SUBJECT_STATUS", Other, Unread),
    column("SUBJECT_ID", Identifier, Text),
    column("REQ_SEG_SEP", Other, Unread),
    column("REQ_CII_NUMBER", Identifier, Unread),
    column("REQ_NAME", Identifier, Unread),
    column("REQ_GENDER", QuasiIdentifier, Unread),
    column("REQ_DOB", DateOfBirth, Unread),
    column("REQ_CDL", Identifier, Unread),
    column("REQ_SSN", Identifier, Unread),
    column("PII_SEG_SEP", Other, Unread),
    column("CII_NUMBER", Identifier, Unread),
    column("PRI_NAME", Identifier, Unread),
    column("GENDER", QuasiIdentifier, Text),
    column("PRI_DOB", DateOfBirth, Text),
    column("PRI_SSN", Identifier, Unread),
    column("PRI_CDL", Identifier, Unread),
    column("PRI_IDN", Identifier, Unread),
    column("PRI_INN", Identifier, Unread),
    column("FBI_NUMBER", Identifier, Unread),
    column("PDR_SEG_SEP", Other, Unread),
    column("RACE_CODE", QuasiIdentifier, Text),
    column("RACE_DESCR", QuasiIdentifier, Text),
    column("EYE_COLOR_CODE", QuasiIdentifier, Unread),
    column("EYE_COLOR_DESCR", QuasiIdentifier, Unread),
    column("HAIR_COLOR_CODE", QuasiIdentifier, Unread),
    column("HAIR_COLOR_DESCR", QuasiIdentifier, Unread),
    column("HEIGHT", QuasiIdentifier, Unread),
    column("WEIGHT", QuasiIdentifier, Unread),
    column("SINGLE_SOURCE", Other, Unread),
    column("MULTI_SOURCE", Other, Unread),
    column("POB_CODE", QuasiIdentifier, Unread),
    column("POB_NAME", QuasiIdentifier, Unread),
    column("POB_TYPE", QuasiIdentifier, Unread),
    column("CITIZENSHIP_LIST", QuasiIdentifier, Unread),
    column("CYC_SEG_SEP", Other, Unread),
    column("CYC_ORDER", Other, Unread),
    column("CYC_DATE", QuasiIdentifier, Text),
    column("STP_SEG_SEP", Other, Unread),
    column("STP_ORDER", Other, Unread),
    column("STP_EVENT_DATE", QuasiIdentifier, Text),
    column("STP_TYPE_CODE", Other, Unread),
    column("STP_TYPE_DESCR", Other, AsWritten),
    column("STP_ORI_TYPE", Other, Unread),
    column("STP_ORI_TYPE_DESCR", Other, Unread),
    column("STP_ORI_CODE", Other, Unread),
    column("STP_ORI_DESCR", Other, Unread),
    column("STP_ORI_CNTY_CODE", Other, Unread),
    column("STP_ORI_CNTY_NAME", Other, Text),
    column("CNT_SEG_SEP", Other, Unread),
    column("CNT_ORDER", Other, Text),
    column("DISP_DATE", QuasiIdentifier, Text),
    column("OFN", Identifier, AsWritten),
    column("OFFENSE_CODE", Other, Unread),
    column("OFFENSE_DESCR", Other, AsWritten),
    column("OFFENSE_TOC", Other, AsWritten),
    column("OFFENSE_QUAL_LST", Other, Unread),
    column("DISP_OFFENSE_CODE", Other, Unread),
    column("DISP_OFFENSE_DESCR", Other, Unread),
    column("DISP_OFFENSE_TOC", Other, Unread),
    column("DISP_OFFENSE_QUAL_LST", Other, Unread),
    column("CONV_OFFENSE_ORDER", Other, Unread),
    column("CONV_OFFENSE_CODE", Other, Unread),
    column("CONV_OFFENSE_DESCR", Other, Unread),
    column("CONV_OFFENSE_TOC", Other, Unread),
    column("CONV_OFFENSE_QUAL_LST", Other, Unread),
    column("FE_NUM_ORDER", Other, Unread),
    column("FE_NUM_ARR_AGY", Identifier, Unread),
    column("FE_NUM_BNCH_WARR", Identifier, Unread),
    column("FE_NUM_CITE", Identifier, Unread),
    column("FE_NUM_DOCKET", Identifier, Unread),
    column("FE_NUM_INCIDENT", Identifier, Unread),
    column("FE_NUM_BOOKING", Identifier, Unread),
    column("FE_NUM_NUMBER", Identifier, Unread),
    column("FE_NUM_REMAND", Identifier, Unread),
    column("FE_NUM_OOS_INN", Identifier, Unread),
    column("FE_NUM_CRT_CASE", Identifier, Unread),
    column("FE_NUM_WARRANT", Identifier, Unread),
    column("DISP_ORDER", Other, Unread),
    column("DISP_CODE", Other, Unread),
    column("DISP_DESCR", Other, AsWritten),
    column("CONV_STAT_CODE", Other, Unread),
    column("CONV_STAT_DESCR", Other, Text),
    column("SENT_SEG_SEP", Other, Unread),
    column("SENT_ORDER", Other, Unread),
    column("SENT_LOC_CODE", Other, Unread),
    column("SENT_LOC_DESCR", Other, Unread),
    column("SENT_LENGTH", Other, Text),
    column("SENT_TIME_CODE", Other, AsWritten),
    column("SENT_TIME_DESCR", Other, Unread),
    column("CYC_AGE", QuasiIdentifier, Unread),
    column("CII_TYPE", Other, Unread),
    column("CII_TYPE_ALPHA", Other, Unread),
    column("COMMENT_TEXT", FreeText, AsWritten),
    column("END_OF_REC", Other, Unread),
];

/// Column names in file order.
pub const COLUMNS: [&str; FIELD_COUNT] = {
    let mut names = [""; FIELD_COUNT];
    let mut i = 0;
    while i < FIELD_COUNT {
        names[i] = LAYOUT[i].name;
        i += 1;
    }
    names
};

/// Which columns a derived list holds.
#[derive(Clone, Copy)]
enum Pick {
    Read,
    Role(Role),
}

const fn picked(column: &DojColumn, pick: Pick) -> bool {
    match pick {
        Pick::Read => column.is_read(),
        // `==` on an enum is not yet allowed in a const fn; the discriminants are.
        Pick::Role(role) => column.role as u8 == role as u8,
    }
}

const fn count(pick: Pick) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < FIELD_COUNT {
        if picked(&LAYOUT[i], pick) {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn positions<const N: usize>(pick: Pick) -> [usize; N] {
    let mut out = [0; N];
    let (mut n, mut i) = (0, 0);
    while i < FIELD_COUNT {
        if picked(&LAYOUT[i], pick) {
            out[n] = i;
            n += 1;
        }
        i += 1;
    }
    out
}

/// The columns clearstat parses, in file order: the reader splits out these fields only,
/// so a column the normalize stage used without being listed here fails every run test.
pub const READ_COLUMNS: [usize; count(Pick::Read)] = positions(Pick::Read);
/// The direct identifiers, in file order.
pub const IDENTIFIERS: [usize; count(Pick::Role(Identifier))] = positions(Pick::Role(Identifier));
/// The position of the column `name`; a name not in [`LAYOUT`] fails the build.
pub const fn position(name: &str) -> usize {
    let mut i = 0;
    while i < FIELD_COUNT {
        if same(LAYOUT[i].name.as_bytes(), name.as_bytes()) {
            return i;
        }
        i += 1;
    }
    panic!("not a DOJ column")
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Positions of the columns clearstat reads or writes by name (index into [`COLUMNS`]).
pub mod col {
    use super::position;

    pub const RECORD_ID: usize = position("RECORD_ID");
    pub const SUBJECT_ID: usize = position("SUBJECT_ID");
    pub const REQ_CII_NUMBER: usize = position("REQ_CII_NUMBER");
    pub const REQ_NAME: usize = position("REQ_NAME");
    pub const REQ_GENDER: usize = position("REQ_GENDER");
    pub const REQ_DOB: usize = position("REQ_DOB");
    pub const REQ_CDL: usize = position("REQ_CDL");
    pub const REQ_SSN: usize = position("REQ_SSN");
    pub const CII_NUMBER: usize = position("CII_NUMBER");
    pub const PRI_NAME: usize = position("PRI_NAME");
    pub const GENDER: usize = position("GENDER");
    pub const PRI_DOB: usize = position("PRI_DOB");
    pub const PRI_SSN: usize = position("PRI_SSN");
    pub const PRI_CDL: usize = position("PRI_CDL");
    pub const PRI_IDN: usize = position("PRI_IDN");
    pub const PRI_INN: usize = position("PRI_INN");
    pub const FBI_NUMBER: usize = position("FBI_NUMBER");
    pub const RACE_CODE: usize = position("RACE_CODE");
    pub const RACE_DESCR: usize = position("RACE_DESCR");
    pub const CYC_ORDER: usize = position("CYC_ORDER");
    pub const CYC_DATE: usize = position("CYC_DATE");
    pub const STP_ORDER: usize = position("STP_ORDER");
    pub const STP_EVENT_DATE: usize = position("STP_EVENT_DATE");
    pub const STP_TYPE_CODE: usize = position("STP_TYPE_CODE");
    pub const STP_TYPE_DESCR: usize = position("STP_TYPE_DESCR");
    pub const STP_ORI_DESCR: usize = position("STP_ORI_DESCR");
    pub const STP_ORI_CNTY_CODE: usize = position("STP_ORI_CNTY_CODE");
    pub const STP_ORI_CNTY_NAME: usize = position("STP_ORI_CNTY_NAME");
    pub const CNT_ORDER: usize = position("CNT_ORDER");
    pub const DISP_DATE: usize = position("DISP_DATE");
    pub const OFN: usize = position("OFN");
    pub const OFFENSE_CODE: usize = position("OFFENSE_CODE");
    pub const OFFENSE_DESCR: usize = position("OFFENSE_DESCR");
    pub const OFFENSE_TOC: usize = position("OFFENSE_TOC");
    pub const DISP_DESCR: usize = position("DISP_DESCR");
    pub const CONV_STAT_CODE: usize = position("CONV_STAT_CODE");
    pub const CONV_STAT_DESCR: usize = position("CONV_STAT_DESCR");
    pub const SENT_LOC_CODE: usize = position("SENT_LOC_CODE");
    pub const SENT_LOC_DESCR: usize = position("SENT_LOC_DESCR");
    pub const SENT_LENGTH: usize = position("SENT_LENGTH");
    pub const SENT_TIME_CODE: usize = position("SENT_TIME_CODE");
    pub const SENT_TIME_DESCR: usize = position("SENT_TIME_DESCR");
    pub const CYC_AGE: usize = position("CYC_AGE");
    pub const COMMENT_TEXT: usize = position("COMMENT_TEXT");
    pub const END_OF_REC: usize = position("END_OF_REC");
}

/// The name of the column at `index`.
pub fn name(index: usize) -> &'static str {
    COLUMNS[index]
}

/// The role of the column at `index`.
pub fn role(index: usize) -> Role {
    LAYOUT[index].role
}
