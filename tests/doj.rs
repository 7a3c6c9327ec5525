//! DOJ research-file rows for tests: 95 fields with defaults, set by column name.

use clearstat::ingest::layout::COLUMNS;

/// One row. Defaults: a felony `COURT ACTION` conviction for 11357(C) HS in SAN FRANCISCO.
#[derive(Clone)]
pub struct DojRow {
    fields: Vec<String>,
}

impl DojRow {
    pub fn new() -> DojRow {
        let mut row = DojRow {
            fields: vec![String::new(); COLUMNS.len()],
        };
        row.set("RECORD_ID", "1")
            .set("SUBJECT_ID", "100")
            .set("PRI_NAME", "DOE,JANE")
            .set("PRI_DOB", "19700101")
            .set("GENDER", "F")
            .set("RACE_CODE", "B")
            .set("RACE_DESCR", "BLACK")
            .set("CYC_DATE", "20100101")
            .set("STP_EVENT_DATE", "20100301")
            .set("STP_TYPE_DESCR", "COURT ACTION")
            .set("STP_ORI_CNTY_NAME", "SAN FRANCISCO")
            .set("CNT_ORDER", "001002001000")
            .set("OFFENSE_DESCR", "11357(C) HS-POSSESS MARIJUANA")
            .set("OFFENSE_TOC", "M")
            .set("DISP_DESCR", "CONVICTED-PROBATION")
            .set("CONV_STAT_DESCR", "FELONY")
            .set("END_OF_REC", "#");
        row
    }

    pub fn set(&mut self, column: &str, value: &str) -> &mut DojRow {
        let i = COLUMNS
            .iter()
            .position(|c| *c == column)
            .unwrap_or_else(|| panic!("no column {column}"));
        self.fields[i] = value.to_string();
        self
    }

    /// A copy with `column` set to `value`.
    pub fn with(&self, column: &str, value: &str) -> DojRow {
        let mut row = self.clone();
        row.set(column, value);
        row
    }

    /// The row as one CSV line (quoted where needed), without line end.
    pub fn line(&self) -> String {
        self.fields
            .iter()
            .map(|f| {
                if f.contains([',', '"', '\n']) || f.starts_with(' ') || f.ends_with(' ') {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The DOJ header line.
pub fn header() -> String {
    COLUMNS.join(",")
}

/// A file: optional header, then the rows, each ending with `\n`.
pub fn file(header_line: bool, rows: &[DojRow]) -> String {
    let mut text = String::new();
    if header_line {
        text.push_str(&header());
        text.push('\n');
    }
    for row in rows {
        text.push_str(&row.line());
        text.push('\n');
    }
    text
}
