//! `tables/datapackage.json`: the published tables as a Frictionless Data Package (tabular),
//! so that a reader's tools load them with their types and a reader knows what every column
//! counts, which query made each table, and which run (inputs' SHA-256, options, as-of date)
//! made the package.
//!
//! Column descriptions are data: a count column is a measure of `queries/measures.csv`, any
//! other column is in `queries/columns.csv`, and `<column>_suppressed` marks a withheld cell.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;
use serde_json::{Value, json};

use crate::analytics::publication::MEASURES;
use crate::analytics::tables::{BUNDLED, Header, VIEWS};
use crate::analytics::{AnalyticsError, QueryError};
use crate::outputs;
use crate::summary::Summary;

/// The bundled descriptions of the columns that are not counts.
pub const COLUMNS: &str = include_str!("../../queries/columns.csv");

/// The file name, in `tables/`.
pub const FILE: &str = "datapackage.json";

/// `a,b,"c, d"` -> `[a, b, c, d]` for a table whose last field alone may be quoted.
fn fields(line: &str, n: usize) -> Vec<String> {
    line.splitn(n, ',')
        .map(|f| f.trim().trim_matches('"').to_string())
        .collect()
}

/// (unit, description) of every column a published table can have but its `_suppressed`
/// marks.
pub fn dictionary() -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for line in MEASURES.lines().skip(1) {
        if let [column, counts, _, description] = &fields(line, 4)[..] {
            out.insert(column.clone(), (counts.clone(), description.clone()));
        }
    }
    for line in COLUMNS.lines().skip(1) {
        if let [column, unit, description] = &fields(line, 3)[..] {
            out.insert(column.clone(), (unit.clone(), description.clone()));
        }
    }
    out
}

fn field_type(dtype: &DataType) -> &'static str {
    match dtype {
        DataType::Boolean => "boolean",
        t if t.is_integer() => "integer",
        t if t.is_float() => "number",
        _ => "string",
    }
}

/// The Table Schema fields of a published table.
fn schema(
    columns: &Schema,
    dictionary: &BTreeMap<String, (String, String)>,
) -> Result<Vec<Value>, QueryError> {
    let mut fields = Vec::new();
    for (name, dtype) in columns.iter() {
        let name = name.as_str();
        let (unit, description) = match name.strip_suffix("_suppressed") {
            Some(of) => (
                String::new(),
                format!(
                    "true when {of} is withheld: a count from 1 to the small-cell threshold, or \
                     withheld so that no withheld count can be worked out from published ones"
                ),
            ),
            None => dictionary.get(name).cloned().ok_or_else(|| QueryError::Sql {
                message: format!(
                    "column {name} is described in neither queries/measures.csv nor queries/columns.csv"
                ),
            })?,
        };
        let mut field = json!({
            "name": name,
            "type": field_type(dtype),
            "description": description,
        });
        if !unit.is_empty() {
            field["unit"] = unit.into();
        }
        fields.push(field);
    }
    Ok(fields)
}

/// Writes `datapackage.json` into `folder` (the run's `tables/`), describing the tables just
/// written there (`columns`: each bundled table's, in [`BUNDLED`] order) and the run of
/// `summary`.
pub fn write(folder: &Path, summary: &Summary, columns: &[Schema]) -> Result<(), AnalyticsError> {
    let dictionary = dictionary();
    let mut resources = Vec::new();
    for ((name, sql), columns) in BUNDLED.iter().zip(columns) {
        let header = Header::parse(sql);
        resources.push(json!({
            "name": name,
            "path": format!("{name}.csv"),
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "title": header.question,
            "keys": header.keys,
            "query": {"path": format!("queries/{name}.sql"), "sql": sql},
            "schema": {
                "fields": schema(columns, &dictionary)?,
                "missingValues": [""],
            },
        }));
    }
    let package = json!({
        "profile": "tabular-data-package",
        "name": "clearstat-prop64-tables",
        "title": format!("Proposition 64 relief: {}", summary.county),
        "description": "Prop 64 convictions (Health and Safety Code 11357 to 11360) under review in the \
            California DOJ criminal history research file, what the chosen flow decided, and who they \
            are against the county's residents. Counts from 1 to min_cell are withheld, and others so \
            that none can be worked out; see each table's query, the views it reads \
            (clearstat.views) and the report's method.",
        "sources": [
            {"title": "California Department of Justice, criminal history research file (see clearstat.inputs)"},
            {"title": "U.S. Census Bureau population tables (see clearstat.population)"},
        ],
        "clearstat": {
            "version": summary.clearstat_version,
            "county": summary.county,
            "as_of": summary.compute_at,
            "left_out_as_of": summary.left_out_as_of,
            "flow": summary.flow,
            "flow_rules": summary.flow_rules,
            "min_cell": summary.min_cell,
            "suppression_check": summary.suppression_check,
            "population": summary.population,
            "on_bad_rows": summary.on_bad_rows,
            "encoding": summary.encoding,
            "prepared_input": summary.prepared_input,
            "inputs": summary.rows.files,
            "views": VIEWS
                .iter()
                .map(|(name, sql)| json!({"name": name, "path": format!("queries/views/{name}.sql"), "sql": sql}))
                .collect::<Vec<_>>(),
        },
        "resources": resources,
    });
    outputs::write_atomically(&folder.join(FILE), |w| {
        serde_json::to_writer_pretty(&mut *w, &package).map_err(|e| e.to_string())
    })?;
    Ok(())
}
