//! Entry points for the fuzz targets (`fuzz/`) and their regression inputs (run in `cargo
//! test`): each takes arbitrary bytes and must return, never panic, whatever they hold.

use std::io::Cursor;

use crate::analytics::race::RaceMap;
use crate::eligibility::{Flow, GogenOptions};
use crate::ingest::Encoding;
use crate::ingest::records::{Fields, Records, decode};
use crate::population::baseline;

/// The DOJ record reader and field splitter, in both encodings.
pub fn doj_reader(data: &[u8]) {
    for encoding in [Encoding::Utf8, Encoding::Latin1] {
        let mut records = Records::new(Cursor::new(data), 1);
        let mut fields = Fields::default();
        let mut text = String::new();
        while let Ok(Some(record)) = records.next_record(encoding) {
            match record.verdict {
                Ok(()) => {
                    // The two ways of taking fields out of a record agree.
                    fields.split(record.bytes, encoding);
                    for (i, expected) in fields.iter().enumerate() {
                        text.clear();
                        decode(&record.field(i), encoding, &mut text);
                        assert_eq!(text, expected, "field {i}");
                    }
                }
                Err(problem) => {
                    let _ = problem.describe();
                }
            }
        }
    }
}

/// gogen's options JSON, then the flow it makes.
pub fn options_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok((options, _)) = GogenOptions::from_json("fuzz", text)
    {
        let _ = options.to_flow().describe();
    }
}

/// A flow file of one's own.
pub fn flow_file(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(flow) = Flow::from_json("fuzz", text)
    {
        let _ = flow.describe();
    }
}

/// A race mapping table.
pub fn race_map(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RaceMap::from_csv("fuzz", text);
    }
}

/// A population table, then the choice of a baseline from it.
pub fn population_table(data: &[u8]) {
    if let Ok(table) = baseline::parse_user_table(data, "fuzz", "fuzz") {
        let _ = baseline::choose(&table, "fuzz", Some(2015), None);
    }
}

/// A fuzz target: arbitrary bytes in, nothing out.
pub type Target = fn(&[u8]);

/// Every target by name, as the fuzz crate and the regression test call them.
pub const TARGETS: [(&str, Target); 5] = [
    ("doj_reader", doj_reader),
    ("options_json", options_json),
    ("flow_file", flow_file),
    ("race_map", race_map),
    ("population_table", population_table),
];
