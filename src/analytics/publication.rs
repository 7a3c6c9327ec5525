//! The publication: every bundled table of a run, unsuppressed, with the identity of each
//! count cell (the set it counts, [`Identity`]) and the lines the tables add up along, for
//! [`super::suppress`] and [`super::exact`] to decide what to withhold; then the tables with
//! the withheld cells null and marked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;
use polars::sql::SQLContext;

use super::QueryError;
use super::exact;
use super::sets::{self, Rows};
use super::suppress::{self, Atoms, Counts, Identity, KNOWN_RACE, Line, UNKNOWN_RACE};
use super::tables::{BUNDLED, Header, Source, VIEWS};
use super::{AnalyticsError, RunTables};
use crate::outputs;
use crate::population::Baseline;

/// The measures a count column can be (`queries/measures.csv`: column, counts, where,
/// description), bundled.
pub const MEASURES: &str = include_str!("../../queries/measures.csv");

/// Each measure's column name -> (what it counts, the filters it adds).
pub(super) type Measures = BTreeMap<String, (Atoms, Vec<(String, String)>)>;

/// The bundled measures.
pub(super) fn measures() -> Result<Measures, QueryError> {
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
        let answers = answers(ctx)?;
        let one_county = answers.iter().all(|a| {
            !a.cells
                .iter()
                .flatten()
                .any(|id| id.filters.contains_key(COUNTY))
        });
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
        everything.extend(lines.iter().flat_map(Line::members).cloned());
        lines.extend(suppress::implied_lines(&everything));
        everything.extend(lines.iter().flat_map(Line::members).cloned());
        let dims: BTreeSet<&str> = everything
            .iter()
            .flat_map(|id| id.filters.keys().map(String::as_str))
            .collect();
        let reviewed = subject_and(ctx, "reviewed", &dims)?;
        let subjects = subject_and(ctx, "subjects", &dims)?;
        let members = Rows::new(&reviewed, &subjects, &dims)
            .map_err(failed)?
            .members(&everything);
        Publication::settle(answers, lines, members)
    }

    /// With the sets of the run's rows: two identities of one set are one number; a line
    /// holds for these rows or is dropped (people add up over a conviction's dimensions only
    /// when no one is in two parts); an identity that counts nobody is a known zero.
    fn settle(
        mut answers: Vec<Answer>,
        mut lines: Vec<Line>,
        members: BTreeMap<Identity, Vec<u32>>,
    ) -> Result<Publication, QueryError> {
        let fingerprints = sets::fingerprints(&members);
        lines.retain(|line| sets::holds(&fingerprints, line));
        let same = sets::same_sets(&fingerprints);
        let one = |id: &Identity| same.get(id).unwrap_or(id).clone();
        for cell in answers
            .iter_mut()
            .flat_map(|a| a.cells.iter_mut().flatten())
        {
            *cell = one(cell);
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

/// Every bundled query run in `ctx`, with the identity of each count cell.
fn answers(ctx: &mut SQLContext) -> Result<Vec<Answer>, QueryError> {
    let queries: Vec<&str> = BUNDLED.iter().map(|(_, sql)| *sql).collect();
    let frames: Vec<_> = BUNDLED
        .iter()
        .zip(super::run_queries(ctx, &queries)?)
        .map(|((name, sql), frame)| (name, Header::parse(sql), frame))
        .collect();
    // With one county, a county key limits nothing: its counts are the run's.
    let counties: BTreeSet<String> = frames
        .iter()
        .filter(|(_, h, _)| h.keys.iter().any(|k| k == COUNTY))
        .flat_map(|(_, _, f)| sets::texts(f, COUNTY).unwrap_or_default())
        .collect();
    let one_county = counties.len() <= 1;
    let measures = measures()?;
    let mut answers = Vec::new();
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
    Ok(answers)
}

/// The subject ID and the columns among `dims` of the table or view `name`: not all its
/// columns (at 10M rows, all of the subject table's took 0.2 GB more at the peak).
fn subject_and(
    ctx: &mut SQLContext,
    name: &str,
    dims: &BTreeSet<&str>,
) -> Result<DataFrame, QueryError> {
    let schema = ctx
        .execute(&format!("select * from {name}"))
        .and_then(|mut all| all.collect_schema())
        .map_err(failed)?;
    let wanted: Vec<String> = schema
        .iter_names()
        .filter(|n| n.as_str() == sets::SUBJECT || dims.contains(n.as_str()))
        .map(|n| format!("\"{n}\""))
        .collect();
    super::run_query(ctx, &format!("select {} from {name}", wanted.join(", ")))
}

fn failed(e: PolarsError) -> QueryError {
    QueryError::Sql {
        message: crate::redact::polars_message(&e),
    }
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
        .map(|k| Ok((k, sets::texts(frame, k)?)))
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
    source.change(&mut filters);
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
                    source.change(&mut id.filters);
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
        for (c, name) in self.header.counts.iter().enumerate() {
            let marks = self.cells[c]
                .iter()
                .map(|id| withheld.contains(id))
                .collect();
            blank(&mut out, name, &DataType::UInt64, marks)?;
        }
        for (derived, rows) in self.derived_sources()? {
            let marks = rows
                .iter()
                .map(|sources| {
                    sources
                        .iter()
                        .any(|id| withheld.contains(same.get(id).unwrap_or(id)))
                })
                .collect();
            blank(&mut out, &derived, &DataType::Float64, marks)?;
        }
        Ok(out)
    }
}

/// Column `name` of `out` as `dtype`, null where `marks` is true, and `<name>_suppressed`
/// holding the marks.
fn blank(out: &mut DataFrame, name: &str, dtype: &DataType, marks: Vec<bool>) -> PolarsResult<()> {
    let values = out.column(name)?.cast(dtype)?;
    let keep = BooleanChunked::from_iter_values(name.into(), marks.iter().map(|w| !w));
    let none = Series::full_null(name.into(), values.len(), dtype);
    let kept = values.as_materialized_series().zip_with(&keep, &none)?;
    out.with_column(kept.into_column())?;
    out.with_column(Column::new(format!("{name}_suppressed").into(), marks))?;
    Ok(())
}

/// Writes every bundled table over the run in `run` into `folder`, each with the population
/// vintage it used, small cells withheld over the whole publication; returns how that was
/// checked and each table's columns. `mark` is told when each part ends (for `--timings`).
pub fn write_all(
    run: &Path,
    tables: RunTables,
    folder: &Path,
    min_cell: u64,
    baseline: &Baseline,
    mark: &mut dyn FnMut(&'static str),
) -> Result<(Check, Vec<Schema>), AnalyticsError> {
    outputs::create_folder(folder)?;
    // Every table reads the views and `subjects`: collected once, not once per query.
    let mut ctx = super::context(run, tables)?;
    let shared = VIEWS.iter().map(|(name, _)| *name).chain(["subjects"]);
    for name in shared {
        let frame = super::run_query(&mut ctx, &format!("select * from {name}"))?;
        ctx.register(name, frame.lazy());
    }
    let publication = Publication::new(&mut ctx)?;
    mark("tables: queries and their sets");
    let mut withheld = suppress::withheld(
        &publication.counts,
        &publication.lines,
        min_cell,
        &publication.empty,
    );
    mark("tables: small cells by the lines");
    let exact = withheld.is_empty() || publication.complete(&mut withheld);
    mark("tables: exact check");
    let mut columns = Vec::new();
    for (name, frame) in publication.tables(&withheld)? {
        let mut frame = frame
            .lazy()
            .with_column(lit(baseline.label()).alias("population_vintage"))
            .collect()
            .map_err(super::sql_error)?;
        outputs::write_parquet(&frame, &folder.join(format!("{name}.parquet")))?;
        outputs::write_csv(&mut frame, &folder.join(format!("{name}.csv")))?;
        columns.push(frame.schema().as_ref().clone());
    }
    let check = if exact { Check::Exact } else { Check::Lines };
    Ok((check, columns))
}

/// How the publication was checked for withheld counts that could be recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// No withheld count is a linear combination of published counts (exact, over the sets
    /// each count counts).
    Exact,
    /// Too large for the exact check: no withheld count follows from the tables' lines
    /// (sums over keys, known and unknown race, periods and years, identical sets).
    Lines,
}
