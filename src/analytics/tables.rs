//! The published tables: every bundled query run over a finished run, small cells withheld,
//! written to `tables/NAME.parquet` and `tables/NAME.csv`.
//!
//! Each query's header says which columns are counts (`-- counts:`, each a measure of
//! `queries/measures.csv` limited to the row's `-- keys:`), which columns are computed from
//! them (`-- derived: share <- people, county_people`: withheld when any of them is), and
//! how the columns add up; [`super::suppress`] withholds small cells over all the tables at
//! once.

use std::path::Path;

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use polars::sql::SQLContext;

use super::exact;
use super::sets::{self, Rows};
use super::suppress::{self, Atoms, Counts, Identity, KNOWN_RACE, Line, NO_VALUE, UNKNOWN_RACE};
use super::{AnalyticsError, QueryError, RunTables};
use crate::outputs;
use crate::population::Baseline;

/// The views in `queries/views/`, registered (in this order) before any query runs.
pub const VIEWS: [(&str, &str); 1] =
    [("reviewed", include_str!("../../queries/views/reviewed.sql"))];

/// The queries in `queries/`, bundled so that an installed binary has them.
pub const BUNDLED: [(&str, &str); 15] = [
    ("headline", include_str!("../../queries/headline.sql")),
    (
        "convictions_by_race",
        include_str!("../../queries/convictions_by_race.sql"),
    ),
    (
        "convictions_by_gender",
        include_str!("../../queries/convictions_by_gender.sql"),
    ),
    (
        "convictions_by_age_band",
        include_str!("../../queries/convictions_by_age_band.sql"),
    ),
    (
        "convictions_by_conviction_year",
        include_str!("../../queries/convictions_by_conviction_year.sql"),
    ),
    (
        "convictions_by_code_section",
        include_str!("../../queries/convictions_by_code_section.sql"),
    ),
    (
        "convictions_by_level",
        include_str!("../../queries/convictions_by_level.sql"),
    ),
    (
        "convictions_by_prop64_timing",
        include_str!("../../queries/convictions_by_prop64_timing.sql"),
    ),
    (
        "convictions_by_period_and_race",
        include_str!("../../queries/convictions_by_period_and_race.sql"),
    ),
    (
        "reasons_by_race",
        include_str!("../../queries/reasons_by_race.sql"),
    ),
    (
        "relief_by_race_and_scenario",
        include_str!("../../queries/relief_by_race_and_scenario.sql"),
    ),
    (
        "disparity_vs_population",
        include_str!("../../queries/disparity_vs_population.sql"),
    ),
    (
        "rate_ratios_vs_white",
        include_str!("../../queries/rate_ratios_vs_white.sql"),
    ),
    (
        "rates_by_period",
        include_str!("../../queries/rates_by_period.sql"),
    ),
    (
        "statewide_by_county",
        include_str!("../../queries/statewide_by_county.sql"),
    ),
];

/// The `-- key: value` lines at the top of a query file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Header {
    pub question: String,
    pub counts: Vec<String>,
    /// The columns that key a row (`-- keys: county, race_group`).
    pub keys: Vec<String>,
    /// (key, value) a query leaves out (`-- without: race_group = UNKNOWN`): its rows do not
    /// add up to the whole.
    pub without: Vec<(String, String)>,
    /// (count column, what it counts) where that is not the column's own measure in
    /// `queries/measures.csv` limited to the row's keys (`-- cells: c = people[-race_group]`).
    pub cells: Vec<(String, Source)>,
    /// (derived column, the counts it is computed from).
    pub derived: Vec<(String, Vec<Source>)>,
    /// Sets of count columns that add up within a row (`-- adds up: total = a + b + c`).
    pub row_sums: Vec<Vec<String>>,
}

/// A count of the same row, or of the same row's identity changed: `people`,
/// `people[race_group=WHITE]` (the White row's), `people[-race_group]` (all groups').
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub measure: String,
    /// (dimension, Some(value) to set it, None to drop it).
    pub changes: Vec<(String, Option<String>)>,
}

impl Source {
    fn parse(text: &str) -> Source {
        let (measure, changes) = text.split_once('[').unwrap_or((text, ""));
        let changes = changes
            .trim_end_matches(']')
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| match c.strip_prefix('-') {
                Some(dim) => (dim.trim().to_string(), None),
                None => {
                    let (dim, value) = c.split_once('=').unwrap_or((c, ""));
                    (dim.trim().to_string(), Some(value.trim().to_string()))
                }
            })
            .collect();
        Source {
            measure: measure.trim().to_string(),
            changes,
        }
    }
}

impl Header {
    /// Reads the leading comment block of `sql`.
    pub fn parse(sql: &str) -> Header {
        let mut header = Header::default();
        for line in sql.lines().take_while(|l| l.trim_start().starts_with("--")) {
            let Some((key, value)) = line.trim_start_matches('-').split_once(':') else {
                continue;
            };
            let list = |separator: char| {
                value
                    .split(separator)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            };
            let pairs = |arrow: &str| -> Vec<(String, String)> {
                list(';')
                    .iter()
                    .filter_map(|pair| pair.split_once(arrow))
                    .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                    .collect()
            };
            match key.trim() {
                "question" => header.question = value.trim().to_string(),
                "counts" => header.counts = list(','),
                "keys" => header.keys = list(','),
                "without" => header.without = pairs("="),
                "cells" => {
                    header.cells = pairs("=")
                        .into_iter()
                        .map(|(c, s)| (c, Source::parse(&s)))
                        .collect()
                }
                "adds up" => header.row_sums.push(
                    value
                        .split(['=', '+'])
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                ),
                "derived" => {
                    header.derived = pairs("<-")
                        .into_iter()
                        .map(|(d, sources)| {
                            let sources = split_sources(&sources).map(Source::parse).collect();
                            (d, sources)
                        })
                        .collect()
                }
                _ => {}
            }
        }
        header
    }
}

/// `a, b[x=1, -y]` -> `a`, `b[x=1, -y]`: commas inside brackets stay.
fn split_sources(text: &str) -> impl Iterator<Item = &str> {
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, ch) in text.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty())
}

/// The measures a count column can be (`queries/measures.csv`: column, counts, where,
/// description), bundled.
pub const MEASURES: &str = include_str!("../../queries/measures.csv");

/// Each measure's column name -> (what it counts, the filters it adds).
type Measures = BTreeMap<String, (Atoms, Vec<(String, String)>)>;

/// The bundled measures.
fn measures() -> Result<Measures, QueryError> {
    let mut out = BTreeMap::new();
    for (i, line) in MEASURES.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.splitn(4, ',').collect();
        let bad = || QueryError::Sql {
            message: format!(
                "queries/measures.csv line {}: expected column,counts,where,description",
                i + 1
            ),
        };
        let [column, counts, filter, _] = fields[..] else {
            return Err(bad());
        };
        let atoms = match counts {
            "convictions" => Atoms::Convictions,
            "people" => Atoms::People,
            _ => return Err(bad()),
        };
        let filters = filter
            .split_once('=')
            .map(|(d, v)| vec![(d.to_string(), v.to_string())])
            .unwrap_or_default();
        out.insert(column.to_string(), (atoms, filters));
    }
    Ok(out)
}

/// One bundled table, unsuppressed, with the identity of each count cell.
struct Answer {
    name: &'static str,
    header: Header,
    frame: DataFrame,
    /// `cells[column][row]`, for the header's count columns in order: the identity of the
    /// set it counts (the least of the identities of that set).
    cells: Vec<Vec<Identity>>,
    /// The same as the query names them (derived columns change them: `people[-race_group]`).
    named: Vec<Vec<Identity>>,
}

/// Every bundled table of a run and how they add up: the whole publication.
pub struct Publication {
    answers: Vec<Answer>,
    pub counts: Counts,
    pub lines: Vec<Line>,
    /// Identities that count nobody.
    pub empty: BTreeSet<Identity>,
    /// The members of each identity's set (representatives only).
    members: BTreeMap<Identity, Vec<u32>>,
    /// Identity -> the least identity of the same set (when not itself).
    same: BTreeMap<Identity, Identity>,
}

impl Publication {
    /// Runs every bundled query in `ctx`, without withholding anything.
    pub fn new(ctx: &mut SQLContext) -> Result<Publication, QueryError> {
        let mut frames = Vec::new();
        for (name, sql) in BUNDLED {
            frames.push((name, Header::parse(sql), super::run_query(ctx, sql)?));
        }
        // With one county, a county key limits nothing: its counts are the run's.
        let counties: BTreeSet<String> = frames
            .iter()
            .filter(|(_, h, _)| h.keys.iter().any(|k| k == COUNTY))
            .flat_map(|(_, _, f)| key_texts(f, COUNTY).unwrap_or_default())
            .collect();
        let one_county = counties.len() <= 1;
        let measures = measures()?;
        let mut answers: Vec<Answer> = Vec::new();
        for (name, header, frame) in frames {
            let cells = identities(&header, &frame, &measures, one_county).map_err(failed)?;
            let named = cells.clone();
            answers.push(Answer {
                name,
                header,
                frame,
                cells,
                named,
            });
        }
        let mut lines: Vec<Line> = answers
            .iter()
            .flat_map(|a| table_lines(a, one_county))
            .collect();
        let mut everything: BTreeSet<Identity> = answers
            .iter()
            .flat_map(|a| a.cells.iter().flatten())
            .cloned()
            .collect();
        for answer in &answers {
            let sources = answer.derived_sources().map_err(failed)?;
            everything.extend(sources.into_iter().flat_map(|(_, rows)| rows).flatten());
        }
        everything.extend(
            lines
                .iter()
                .flat_map(|l| std::iter::once(&l.total).chain(&l.parts))
                .cloned(),
        );
        lines.extend(suppress::implied_lines(&everything));
        everything.extend(
            lines
                .iter()
                .flat_map(|l| std::iter::once(&l.total).chain(&l.parts))
                .cloned(),
        );
        // Two identities of one set are one number; a line holds for this run's rows or is
        // dropped (people add up over a conviction's dimensions only when no one is in two
        // parts); an identity that counts nobody is a known zero.
        let reviewed = super::run_query(ctx, "select * from reviewed")?;
        let subjects = super::run_query(ctx, "select * from subjects")?;
        let members = Rows::new(&reviewed, &subjects)
            .map_err(failed)?
            .members(&everything);
        let fingerprints = sets::fingerprints(&members);
        lines.retain(|line| sets::holds(&fingerprints, line));
        let same = sets::same_sets(&fingerprints);
        let one = |id: &Identity| same.get(id).unwrap_or(id).clone();
        for answer in answers.iter_mut() {
            for cell in answer.cells.iter_mut().flatten() {
                *cell = one(cell);
            }
        }
        for line in lines.iter_mut() {
            line.total = one(&line.total);
            line.parts.iter_mut().for_each(|p| *p = one(p));
        }
        let empty = fingerprints
            .iter()
            .filter(|(_, sum)| **sum == 0)
            .map(|(id, _)| one(id))
            .collect();
        let mut counts = Counts::new();
        for answer in &answers {
            record_counts(answer, &mut counts)?;
        }
        let members = members
            .into_iter()
            .filter(|(id, _)| !same.contains_key(id))
            .collect();
        Ok(Publication {
            answers,
            counts,
            lines,
            empty,
            members,
            same,
        })
    }

    /// Withholds more until no withheld count is a combination of published ones, by the
    /// exact check ([`exact`]); false when the publication is too large for it (then only
    /// the lines guard `withheld`).
    pub fn complete(&self, withheld: &mut BTreeSet<Identity>) -> bool {
        loop {
            let published: BTreeSet<Identity> = self
                .counts
                .keys()
                .filter(|id| !withheld.contains(*id))
                .cloned()
                .collect();
            let recoverable = match exact::recoverable(&self.members, &published, withheld) {
                None => return false,
                Some(r) if r.is_empty() => return true,
                Some(r) => r,
            };
            // For each: the smallest published cell that shares members with it.
            for identity in recoverable {
                let mine = &self.members[&identity];
                let shares = |id: &&Identity| {
                    self.members
                        .get(*id)
                        .is_some_and(|theirs| theirs.iter().any(|m| mine.binary_search(m).is_ok()))
                };
                let partner = published
                    .iter()
                    .filter(shares)
                    .min_by_key(|id| (self.counts[*id], *id))
                    .or_else(|| {
                        published
                            .iter()
                            .min_by_key(|id| (self.counts[*id] == 0, self.counts[*id], *id))
                    });
                match partner {
                    Some(p) => withheld.insert(p.clone()),
                    None => return true,
                };
            }
        }
    }

    /// Each table with the cells of `withheld` (and what is derived from them) null and
    /// marked in `<column>_suppressed`.
    pub fn tables(
        self,
        withheld: &BTreeSet<Identity>,
    ) -> Result<Vec<(&'static str, DataFrame)>, QueryError> {
        let mut out = Vec::new();
        for answer in self.answers {
            let name = answer.name;
            out.push((name, answer.withhold(withheld, &self.same).map_err(failed)?));
        }
        Ok(out)
    }
}

const COUNTY: &str = "county";

fn failed(e: PolarsError) -> QueryError {
    QueryError::Sql {
        message: crate::redact::polars_message(&e),
    }
}

/// The values of a key column as text (null: [`NO_VALUE`]).
fn key_texts(frame: &DataFrame, key: &str) -> PolarsResult<Vec<String>> {
    let column = frame.column(key)?.cast(&DataType::String)?;
    Ok(column
        .str()?
        .iter()
        .map(|v| v.unwrap_or(NO_VALUE).to_string())
        .collect())
}

/// The identity of every count cell of a table.
fn identities(
    header: &Header,
    frame: &DataFrame,
    measures: &Measures,
    one_county: bool,
) -> PolarsResult<Vec<Vec<Identity>>> {
    let keys: Vec<(&String, Vec<String>)> = header
        .keys
        .iter()
        .filter(|k| !(one_county && *k == COUNTY))
        .map(|k| Ok((k, key_texts(frame, k)?)))
        .collect::<PolarsResult<_>>()?;
    let mut out = Vec::new();
    for column in &header.counts {
        let source = header
            .cells
            .iter()
            .find(|(c, _)| c == column)
            .map_or_else(|| Source::parse(column), |(_, s)| s.clone());
        let mut cells = Vec::with_capacity(frame.height());
        for row in 0..frame.height() {
            let filters = keys
                .iter()
                .map(|(k, v)| ((*k).clone(), v[row].clone()))
                .collect();
            cells.push(resolve(&source, filters, measures, one_county)?);
        }
        out.push(cells);
    }
    Ok(out)
}

/// The identity of `source` in a row whose keys are `filters`.
fn resolve(
    source: &Source,
    mut filters: BTreeMap<String, String>,
    measures: &Measures,
    one_county: bool,
) -> PolarsResult<Identity> {
    let Some((atoms, extra)) = measures.get(&source.measure) else {
        polars_bail!(ColumnNotFound: "{} is not in queries/measures.csv", source.measure);
    };
    for (dim, value) in &source.changes {
        match value {
            Some(v) => filters.insert(dim.clone(), v.clone()),
            None => filters.remove(dim),
        };
    }
    filters.extend(extra.iter().cloned());
    if one_county {
        filters.remove(COUNTY);
    }
    Ok(Identity {
        atoms: *atoms,
        filters,
    })
}

/// Adds a table's cells to `counts`; the same identity in two tables must be the same count.
fn record_counts(answer: &Answer, counts: &mut Counts) -> Result<(), QueryError> {
    for (c, column) in answer.header.counts.iter().enumerate() {
        let values = answer
            .frame
            .column(column)
            .and_then(|v| v.cast(&DataType::UInt64))
            .map_err(failed)?;
        for (row, value) in values.u64().map_err(failed)?.iter().enumerate() {
            let identity = &answer.cells[c][row];
            let value = value.unwrap_or(0);
            if let Some(before) = counts.insert(identity.clone(), value)
                && before != value
            {
                return Err(QueryError::Sql {
                    message: format!(
                        "{}: {column} counts {identity} as {value}, another table as {before}",
                        answer.name
                    ),
                });
            }
        }
    }
    Ok(())
}

/// How a table adds up: its rows over any set of its keys the count is additive over (to the
/// count without them, or of known race where the query leaves UNKNOWN out), and the sets of
/// columns that add up within a row.
fn table_lines(answer: &Answer, one_county: bool) -> Vec<Line> {
    let header = &answer.header;
    let keys: Vec<&String> = header
        .keys
        .iter()
        .filter(|k| !(one_county && *k == COUNTY))
        .collect();
    let mut lines = Vec::new();
    for cells in &answer.cells {
        let Some(first) = cells.first() else { continue };
        for subset in 1..(1u32 << keys.len()) {
            let summed: Vec<&str> = (0..keys.len())
                .filter(|i| subset & (1 << i) != 0)
                .map(|i| keys[i].as_str())
                .collect();
            // Summing over a key the count does not vary with says nothing. (People over a
            // conviction's key add up only when no one is in two rows: the caller checks.)
            let varies = |dim: &str| {
                cells
                    .iter()
                    .any(|c| c.filters.get(dim) != first.filters.get(dim))
            };
            if !summed
                .iter()
                .all(|d| first.filters.contains_key(*d) && varies(d))
            {
                continue;
            }
            let mut groups: BTreeMap<Identity, Vec<Identity>> = BTreeMap::new();
            for cell in cells {
                let mut total = cell.clone();
                for dim in &summed {
                    total.filters.remove(*dim);
                    if header
                        .without
                        .iter()
                        .any(|(d, v)| d == dim && v == UNKNOWN_RACE)
                    {
                        total
                            .filters
                            .insert((*dim).to_string(), KNOWN_RACE.to_string());
                    }
                }
                groups.entry(total).or_default().push(cell.clone());
            }
            lines.extend(
                groups
                    .into_iter()
                    .map(|(total, parts)| Line { total, parts }),
            );
        }
    }
    let column = |name: &String| header.counts.iter().position(|c| c == name);
    for set in &header.row_sums {
        let Some(indices) = set.iter().map(column).collect::<Option<Vec<usize>>>() else {
            continue;
        };
        for row in 0..answer.frame.height() {
            lines.push(Line {
                total: answer.cells[indices[0]][row].clone(),
                parts: indices[1..]
                    .iter()
                    .map(|&c| answer.cells[c][row].clone())
                    .collect(),
            });
        }
    }
    lines
}

impl Answer {
    /// Each derived column with, per row, the identities of the counts it is computed from
    /// (a count of the row, changed as the header says: `people[race_group=WHITE]`).
    fn derived_sources(&self) -> PolarsResult<Vec<(String, Vec<Vec<Identity>>)>> {
        let mut out = Vec::new();
        for (derived, sources) in &self.header.derived {
            let mut rows = vec![Vec::new(); self.frame.height()];
            for source in sources {
                let Some(c) = self.header.counts.iter().position(|c| *c == source.measure) else {
                    polars_bail!(ColumnNotFound: "{derived} is derived from {}, not a count of its table", source.measure);
                };
                for (row, ids) in rows.iter_mut().enumerate() {
                    let mut id = self.named[c][row].clone();
                    for (dim, value) in &source.changes {
                        match value {
                            Some(v) => id.filters.insert(dim.clone(), v.clone()),
                            None => id.filters.remove(dim),
                        };
                    }
                    ids.push(id);
                }
            }
            out.push((derived.clone(), rows));
        }
        Ok(out)
    }

    /// The table with withheld cells null and marked, derived cells with them.
    fn withhold(
        self,
        withheld: &BTreeSet<Identity>,
        same: &BTreeMap<Identity, Identity>,
    ) -> PolarsResult<DataFrame> {
        let mut out = self.frame.clone();
        let is_withheld = |cells: &[Identity]| -> Vec<bool> {
            cells.iter().map(|c| withheld.contains(c)).collect()
        };
        for (c, name) in self.header.counts.iter().enumerate() {
            let marks = is_withheld(&self.cells[c]);
            let kept: Vec<Option<u64>> = self
                .frame
                .column(name)?
                .cast(&DataType::UInt64)?
                .u64()?
                .iter()
                .zip(&marks)
                .map(|(v, w)| if *w { None } else { v })
                .collect();
            out.with_column(Column::new(name.as_str().into(), kept))?;
            out.with_column(Column::new(format!("{name}_suppressed").into(), marks))?;
        }
        for (derived, rows) in self.derived_sources()? {
            let marks: Vec<bool> = rows
                .iter()
                .map(|sources| {
                    sources
                        .iter()
                        .any(|id| withheld.contains(same.get(id).unwrap_or(id)))
                })
                .collect();
            let values = out.column(&derived)?.cast(&DataType::Float64)?;
            let kept: Vec<Option<f64>> = values
                .f64()?
                .iter()
                .zip(&marks)
                .map(|(v, w)| if *w { None } else { v })
                .collect();
            out.with_column(Column::new(derived.as_str().into(), kept))?;
            out.with_column(Column::new(format!("{derived}_suppressed").into(), marks))?;
        }
        Ok(out)
    }
}

/// Writes every bundled table over the run in `run` into `folder`, each with the population
/// vintage it used, small cells withheld over the whole publication.
pub fn write_all(
    run: &Path,
    tables: RunTables,
    folder: &Path,
    min_cell: u64,
    baseline: &Baseline,
) -> Result<Check, AnalyticsError> {
    outputs::create_folder(folder)?;
    // Every table reads the views and `subjects`: collected once, not once per query.
    let mut ctx = super::context(run, tables)?;
    let shared = VIEWS.iter().map(|(name, _)| *name).chain(["subjects"]);
    for name in shared {
        let frame = super::run_query(&mut ctx, &format!("select * from {name}"))?;
        ctx.register(name, frame.lazy());
    }
    let publication = Publication::new(&mut ctx)?;
    let mut withheld = suppress::withheld(
        &publication.counts,
        &publication.lines,
        min_cell,
        &publication.empty,
    );
    let exact = withheld.is_empty() || publication.complete(&mut withheld);
    for (name, frame) in publication.tables(&withheld)? {
        let mut frame = frame
            .lazy()
            .with_column(lit(baseline.label()).alias("population_vintage"))
            .collect()
            .map_err(super::sql_error)?;
        outputs::write_parquet(&mut frame, &folder.join(format!("{name}.parquet")))?;
        outputs::write_csv(&mut frame, &folder.join(format!("{name}.csv")))?;
    }
    Ok(if exact { Check::Exact } else { Check::Lines })
}

/// How the publication was checked for withheld counts that could be recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// No withheld count is a linear combination of published counts (exact, over the sets
    /// each count counts).
    Exact,
    /// Too large for the exact check: no withheld count follows from the tables' lines
    /// (sums over keys, known and unknown race, periods and years, identical sets).
    Lines,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_query_declares_what_its_counts_count() {
        let measures = measures().unwrap();
        for (name, sql) in BUNDLED {
            let header = Header::parse(sql);
            assert!(!header.question.is_empty(), "{name}: question");
            assert!(!header.counts.is_empty(), "{name}: counts");
            let declared = |column: &String| {
                let cell = header.cells.iter().find(|(c, _)| c == column);
                let measure = cell.map_or(column, |(_, s)| &s.measure);
                measures.contains_key(measure)
            };
            for column in &header.counts {
                assert!(declared(column), "{name}: {column} is not a measure");
            }
            for (derived, sources) in &header.derived {
                for source in sources {
                    assert!(
                        header.counts.contains(&source.measure),
                        "{name}: {derived} is derived from a count"
                    );
                }
            }
            for (dim, value) in &header.without {
                assert_eq!((dim.as_str(), value.as_str()), ("race_group", UNKNOWN_RACE));
            }
        }
    }

    #[test]
    fn sources_read_with_their_changes() {
        let header = Header::parse(
            "-- derived: r <- people, people[race_group=WHITE]; s <- relieved[-race_group, x = 1]\n",
        );
        let change = |d: &str, v: Option<&str>| (d.to_string(), v.map(String::from));
        assert_eq!(
            header.derived[0].1[1].changes,
            [change("race_group", Some("WHITE"))]
        );
        assert_eq!(header.derived[1].1[0].measure, "relieved");
        assert_eq!(
            header.derived[1].1[0].changes,
            [change("race_group", None), change("x", Some("1"))]
        );
    }
}
