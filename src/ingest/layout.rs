//! The DOJ research-file layout: 95 columns, in order (gogen spec §2.1).
//!
//! DOJ column names appear in UPPER_CASE only here; the normalize stage renames the
//! columns it uses to snake_case business names.

/// Number of fields in every data row.
pub const FIELD_COUNT: usize = 95;

/// Column names in file order.
pub const COLUMNS: [&str; FIELD_COUNT] = [
    "RECORD_ID",
    "SUBJECT_STATUS",
    "SUBJECT_ID",
    "REQ_SEG_SEP",
    "REQ_CII_NUMBER",
    "REQ_NAME",
    "REQ_GENDER",
    "REQ_DOB",
    "REQ_CDL",
    "REQ_SSN",
    "PII_SEG_SEP",
    "CII_NUMBER",
    "PRI_NAME",
    "GENDER",
    "PRI_DOB",
    "PRI_SSN",
    "PRI_CDL",
    "PRI_IDN",
    "PRI_INN",
    "FBI_NUMBER",
    "PDR_SEG_SEP",
    "RACE_CODE",
    "RACE_DESCR",
    "EYE_COLOR_CODE",
    "EYE_COLOR_DESCR",
    "HAIR_COLOR_CODE",
    "HAIR_COLOR_DESCR",
    "HEIGHT",
    "WEIGHT",
    "SINGLE_SOURCE",
    "MULTI_SOURCE",
    "POB_CODE",
    "POB_NAME",
    "POB_TYPE",
    "CITIZENSHIP_LIST",
    "CYC_SEG_SEP",
    "CYC_ORDER",
    "CYC_DATE",
    "STP_SEG_SEP",
    "STP_ORDER",
    "STP_EVENT_DATE",
    "STP_TYPE_CODE",
    "STP_TYPE_DESCR",
    "STP_ORI_TYPE",
    "STP_ORI_TYPE_DESCR",
    "STP_ORI_CODE",
    "STP_ORI_DESCR",
    "STP_ORI_CNTY_CODE",
    "STP_ORI_CNTY_NAME",
    "CNT_SEG_SEP",
    "CNT_ORDER",
    "DISP_DATE",
    "OFN",
    "OFFENSE_CODE",
    "OFFENSE_DESCR",
    "OFFENSE_TOC",
    "OFFENSE_QUAL_LST",
    "DISP_OFFENSE_CODE",
    "DISP_OFFENSE_DESCR",
    "DISP_OFFENSE_TOC",
    "DISP_OFFENSE_QUAL_LST",
    "CONV_OFFENSE_ORDER",
    "CONV_OFFENSE_CODE",
    "CONV_OFFENSE_DESCR",
    "CONV_OFFENSE_TOC",
    "CONV_OFFENSE_QUAL_LST",
    "FE_NUM_ORDER",
    "FE_NUM_ARR_AGY",
    "FE_NUM_BNCH_WARR",
    "FE_NUM_CITE",
    "FE_NUM_DOCKET",
    "FE_NUM_INCIDENT",
    "FE_NUM_BOOKING",
    "FE_NUM_NUMBER",
    "FE_NUM_REMAND",
    "FE_NUM_OOS_INN",
    "FE_NUM_CRT_CASE",
    "FE_NUM_WARRANT",
    "DISP_ORDER",
    "DISP_CODE",
    "DISP_DESCR",
    "CONV_STAT_CODE",
    "CONV_STAT_DESCR",
    "SENT_SEG_SEP",
    "SENT_ORDER",
    "SENT_LOC_CODE",
    "SENT_LOC_DESCR",
    "SENT_LENGTH",
    "SENT_TIME_CODE",
    "SENT_TIME_DESCR",
    "CYC_AGE",
    "CII_TYPE",
    "CII_TYPE_ALPHA",
    "COMMENT_TEXT",
    "END_OF_REC",
];

/// Positions of the columns clearstat reads or writes by name (index into [`COLUMNS`]).
pub mod col {
    pub const RECORD_ID: usize = 0;
    pub const REQ_CII_NUMBER: usize = 4;
    pub const SUBJECT_ID: usize = 2;
    pub const CII_NUMBER: usize = 11;
    pub const PRI_NAME: usize = 12;
    pub const GENDER: usize = 13;
    pub const PRI_DOB: usize = 14;
    pub const PRI_SSN: usize = 15;
    pub const PRI_CDL: usize = 16;
    pub const FBI_NUMBER: usize = 19;
    pub const RACE_CODE: usize = 21;
    pub const RACE_DESCR: usize = 22;
    pub const CYC_ORDER: usize = 36;
    pub const CYC_DATE: usize = 37;
    pub const STP_ORDER: usize = 39;
    pub const STP_EVENT_DATE: usize = 40;
    pub const STP_TYPE_CODE: usize = 41;
    pub const STP_TYPE_DESCR: usize = 42;
    pub const STP_ORI_DESCR: usize = 46;
    pub const STP_ORI_CNTY_CODE: usize = 47;
    pub const STP_ORI_CNTY_NAME: usize = 48;
    pub const CNT_ORDER: usize = 50;
    pub const DISP_DATE: usize = 51;
    pub const OFN: usize = 52;
    pub const OFFENSE_CODE: usize = 53;
    pub const OFFENSE_DESCR: usize = 54;
    pub const OFFENSE_TOC: usize = 55;
    pub const DISP_DESCR: usize = 80;
    pub const CONV_STAT_CODE: usize = 81;
    pub const CONV_STAT_DESCR: usize = 82;
    pub const SENT_LOC_CODE: usize = 85;
    pub const SENT_LOC_DESCR: usize = 86;
    pub const SENT_LENGTH: usize = 87;
    pub const SENT_TIME_CODE: usize = 88;
    pub const SENT_TIME_DESCR: usize = 89;
    pub const CYC_AGE: usize = 90;
    pub const COMMENT_TEXT: usize = 93;
    pub const END_OF_REC: usize = 94;
}

/// The name of the column at `index`.
pub fn name(index: usize) -> &'static str {
    COLUMNS[index]
}
