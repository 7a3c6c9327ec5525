//! Small-cell suppression over the whole publication, not table by table.
//!
//! Every count a run publishes is a count of a set: convictions, or people, of the review
//! with some values of its dimensions (`people[race_group=BLACK]`). That set is the cell's
//! identity: the same identity in two tables is one number, withheld in both or in neither.
//! A reader knows how the tables add up: a column of a table sums to the count without its
//! key (`people[]`), people of known race and of unknown race make all people, five-year
//! periods are sums of years, a row's determinations add up to its convictions. Those are
//! the lines ([`Line`]) of one linear system over every identity.
//!
//! Counts from 1 to `min_cell` are withheld (primary suppression). A withheld count is
//! recoverable when the published counts determine it through the lines, in any combination
//! (exact linear algebra, [`exposed`]); then the smallest other non-zero count on a line
//! through it is withheld too (complementary suppression), until none is recoverable.
//! Everything here loops over a few thousand aggregate cells, never over records.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::modular::{P, inverse, mul, sub_mul};

/// What a count counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Atoms {
    Convictions,
    People,
}

/// The identity of a count: what it counts, and the values of the dimensions it is limited to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Identity {
    pub atoms: Atoms,
    pub filters: BTreeMap<String, String>,
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let filters: Vec<String> = self
            .filters
            .iter()
            .map(|(d, v)| format!("{d}={v}"))
            .collect();
        let atoms = match self.atoms {
            Atoms::Convictions => "convictions",
            Atoms::People => "people",
        };
        write!(f, "{atoms}[{}]", filters.join(", "))
    }
}

/// The race group of the people whose race the mapping does not place, and the value that
/// stands for every other group.
pub const UNKNOWN_RACE: &str = "UNKNOWN";
pub const KNOWN_RACE: &str = "KNOWN";
/// The race group dimension.
pub const RACE: &str = "race_group";
const YEAR: &str = "conviction_year";
const PERIOD: &str = "period_start";
/// A missing value of a dimension (a conviction without a date has no year).
pub const NO_VALUE: &str = "";

impl Identity {
    fn without(&self, dim: &str) -> Identity {
        let mut out = self.clone();
        out.filters.remove(dim);
        out
    }

    fn with(&self, dim: &str, value: &str) -> Identity {
        let mut out = self.clone();
        out.filters.insert(dim.to_string(), value.to_string());
        out
    }
}

/// `total = sum of parts`, over identities.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Line {
    pub total: Identity,
    pub parts: Vec<Identity>,
}

/// Lines a reader can add up beyond the tables' own: people of known race and unknown race
/// make all people; a five-year period is the sum of its years; convictions dated on or
/// before 2016-11-09 are those of the years to 2015 and of 2016 up to that day, the later ones
/// those of the rest of 2016 and the years after. For people these hold only when no person
/// is in two of the parts: the caller keeps the lines that hold for the run's rows.
pub fn implied_lines(identities: &BTreeSet<Identity>) -> Vec<Line> {
    let years: BTreeSet<i64> = identities
        .iter()
        .filter_map(|id| id.filters.get(YEAR)?.parse().ok())
        .collect();
    let mut lines = Vec::new();
    for identity in identities {
        if identity.filters.get(RACE).map(String::as_str) == Some(KNOWN_RACE) {
            lines.push(Line {
                total: identity.without(RACE),
                parts: vec![identity.clone(), identity.with(RACE, UNKNOWN_RACE)],
            });
        }
        if let Some(period) = identity.filters.get(PERIOD)
            && !identity.filters.contains_key(YEAR)
        {
            let years: Vec<String> = match period.parse::<i64>() {
                Ok(start) => (start..start + 5).map(|y| y.to_string()).collect(),
                Err(_) => vec![NO_VALUE.to_string()],
            };
            let base = identity.without(PERIOD);
            lines.push(Line {
                total: identity.clone(),
                parts: years.iter().map(|y| base.with(YEAR, y)).collect(),
            });
        }
        if let Some(timing) = identity.filters.get(TIMING)
            && !identity.filters.contains_key(YEAR)
        {
            lines.extend(timing_lines(identity, timing, &years));
        }
    }
    lines
}

/// The timing of a conviction against 2016-11-09 (`queries/views/reviewed.sql`).
const TIMING: &str = "prop64_timing";
const PASSED_YEAR: i64 = 2016;

fn timing_lines(identity: &Identity, timing: &str, years: &BTreeSet<i64>) -> Vec<Line> {
    let base = identity.without(TIMING);
    let year = |y: i64| base.with(YEAR, &y.to_string());
    let in_passed_year = |t: &str| year(PASSED_YEAR).with(TIMING, t);
    let mut parts = match timing {
        "after 2016-11-09" => years
            .iter()
            .filter(|y| **y > PASSED_YEAR)
            .map(|y| year(*y))
            .collect(),
        "on or before 2016-11-09" => years
            .iter()
            .filter(|y| **y < PASSED_YEAR)
            .map(|y| year(*y))
            .collect(),
        _ => vec![base.with(YEAR, NO_VALUE)],
    };
    if timing != "date unknown" {
        parts.push(in_passed_year(timing));
    }
    vec![
        Line {
            total: identity.clone(),
            parts,
        },
        Line {
            total: year(PASSED_YEAR),
            parts: vec![
                in_passed_year("on or before 2016-11-09"),
                in_passed_year("after 2016-11-09"),
            ],
        },
    ]
}

/// The published cells: each identity's count (the same in every table that shows it).
pub type Counts = BTreeMap<Identity, u64>;

/// The identities to withhold: counts from 1 to `min_cell`, then complements until no
/// withheld count is determined by the published ones through `lines`.
///
/// `empty`: identities known to count nobody (a reader may guess them: they count as
/// published zeros, never as partners).
pub fn withheld(
    counts: &Counts,
    lines: &[Line],
    min_cell: u64,
    empty: &BTreeSet<Identity>,
) -> BTreeSet<Identity> {
    let small: BTreeSet<Identity> = counts
        .iter()
        .filter(|(_, n)| **n >= 1 && **n <= min_cell)
        .map(|(id, _)| id.clone())
        .collect();
    if small.is_empty() {
        return small;
    }
    let cells = Cells::new(counts, lines, empty);
    let mut withheld = cells.flags(&small);
    let mut solved = Solved::new();
    loop {
        cells.lone_cells(&mut withheld);
        let open = cells.exposed(&withheld, &mut solved);
        let partners: BTreeSet<u32> = open
            .iter()
            .filter_map(|&id| cells.partner(&withheld, id))
            .collect();
        // A determined count always has a published count on some line near it (lines hold
        // true sums, and its value is not zero), so this only ends when nothing is exposed.
        if partners.is_empty() {
            return cells.identities(&withheld);
        }
        for id in partners {
            withheld[id as usize] = true;
        }
    }
}

impl Line {
    /// The total and the parts.
    pub fn members(&self) -> impl Iterator<Item = &Identity> {
        std::iter::once(&self.total).chain(&self.parts)
    }
}

/// The withheld identities that the published counts determine: `e_w` in the row space of
/// the lines' coefficients over the unknowns (withheld, or never published). Exact, modulo a
/// large prime: a combination that exists over the rationals exists modulo the prime, so
/// nothing recoverable is missed (a false alarm would only withhold one cell more).
pub fn exposed(
    counts: &Counts,
    lines: &[Line],
    withheld: &BTreeSet<Identity>,
    empty: &BTreeSet<Identity>,
) -> BTreeSet<Identity> {
    let cells = Cells::new(counts, lines, empty);
    let exposed = cells.exposed(&cells.flags(withheld), &mut Solved::new());
    exposed
        .into_iter()
        .map(|id| cells.ids[id as usize].clone())
        .collect()
}

/// The determined unknowns of each system of unknowns solved so far: a system whose unknowns
/// are the same has the same equations, so an iteration that withholds a few more counts
/// solves again only the systems they join.
type Solved = HashMap<Vec<u32>, Vec<u32>>;

/// The publication's identities numbered in their order (a number compares as its identity
/// does, so every choice below is the one the identities would give), with their counts and
/// lines: the search compares numbers, not identities (maps of texts, whose comparisons took
/// most of the search's time statewide; BENCHMARKS.md, session 18).
struct Cells<'a> {
    /// Every identity counted or on a line, in order.
    ids: Vec<&'a Identity>,
    count: Vec<Option<u64>>,
    /// Known to count nobody.
    empty: Vec<bool>,
    /// Each line's members: its total first, then its parts.
    lines: Vec<Vec<u32>>,
    /// The lines through each identity.
    on: Vec<Vec<usize>>,
}

impl<'a> Cells<'a> {
    fn new(counts: &'a Counts, lines: &'a [Line], empty: &BTreeSet<Identity>) -> Self {
        let ids: Vec<&Identity> = counts
            .keys()
            .chain(lines.iter().flat_map(Line::members))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let number = |id: &Identity| ids.binary_search(&id).expect("numbered above") as u32;
        let lines: Vec<Vec<u32>> = lines
            .iter()
            .map(|line| line.members().map(number).collect())
            .collect();
        let mut on = vec![Vec::new(); ids.len()];
        for (i, line) in lines.iter().enumerate() {
            for &id in line {
                on[id as usize].push(i);
            }
        }
        Cells {
            count: ids.iter().map(|id| counts.get(*id).copied()).collect(),
            empty: ids.iter().map(|id| empty.contains(*id)).collect(),
            ids,
            lines,
            on,
        }
    }

    /// Which of the numbered identities are in `set`.
    fn flags(&self, set: &BTreeSet<Identity>) -> Vec<bool> {
        let mut flags = vec![false; self.ids.len()];
        for id in set {
            if let Ok(i) = self.ids.binary_search(&id) {
                flags[i] = true;
            }
        }
        flags
    }

    fn identities(&self, flags: &[bool]) -> BTreeSet<Identity> {
        (self.ids.iter().zip(flags))
            .filter(|(_, flag)| **flag)
            .map(|(id, _)| (*id).clone())
            .collect()
    }

    /// A reader does not know it: withheld, or never published and not known to be empty.
    fn unknown(&self, id: u32, withheld: &[bool]) -> bool {
        let id = id as usize;
        withheld[id] || !(self.count[id].is_some() || self.empty[id])
    }

    /// The cheap part first: while a line has one unknown and it is withheld, withholds its
    /// partner (a statewide publication cascades through dozens of such steps; each solve of
    /// the full system would take longer).
    fn lone_cells(&self, withheld: &mut [bool]) {
        loop {
            let lone: BTreeSet<u32> = (self.lines.iter())
                .filter_map(|line| {
                    let mut unknowns = line.iter().filter(|&&m| self.unknown(m, withheld));
                    match (unknowns.next(), unknowns.next()) {
                        (Some(&only), None) if withheld[only as usize] => Some(only),
                        _ => None,
                    }
                })
                .collect();
            let partners: BTreeSet<u32> = lone
                .into_iter()
                .filter_map(|id| self.partner(withheld, id))
                .collect();
            if partners.is_empty() {
                return;
            }
            for id in partners {
                withheld[id as usize] = true;
            }
        }
    }

    /// The smallest published count (non-zero first) on a line through `id`, or through an
    /// unknown that shares a line with it, and so on outwards.
    fn partner(&self, withheld: &[bool], id: u32) -> Option<u32> {
        let published = |m: u32| self.count[m as usize].filter(|_| !withheld[m as usize]);
        let mut reached: BTreeSet<u32> = BTreeSet::from([id]);
        let mut frontier: Vec<u32> = vec![id];
        while !frontier.is_empty() {
            let mut candidates: Vec<(bool, u64, u32)> = Vec::new();
            let mut next = Vec::new();
            let through: BTreeSet<usize> = frontier
                .iter()
                .flat_map(|&m| self.on[m as usize].iter().copied())
                .collect();
            for &member in through.into_iter().flat_map(|i| &self.lines[i]) {
                if let Some(n) = published(member) {
                    candidates.push((n == 0, n, member));
                } else if reached.insert(member) {
                    next.push(member);
                }
            }
            if let Some((_, _, best)) = candidates.into_iter().min() {
                return Some(best);
            }
            frontier = next;
        }
        None
    }

    /// The withheld identities that the published counts determine (see [`exposed`]).
    fn exposed(&self, withheld: &[bool], solved: &mut Solved) -> BTreeSet<u32> {
        let mut column_of: HashMap<u32, usize> = HashMap::new();
        let mut rows: Vec<BTreeMap<usize, u64>> = Vec::new();
        for line in &self.lines {
            let mut row: BTreeMap<usize, u64> = BTreeMap::new();
            let coefficients = std::iter::once(P - 1).chain(std::iter::repeat(1));
            let terms = line.iter().zip(coefficients);
            for (&id, coefficient) in terms.filter(|(id, _)| self.unknown(**id, withheld)) {
                let next = column_of.len();
                let column = *column_of.entry(id).or_insert(next);
                let entry = row.entry(column).or_insert(0);
                *entry = (*entry + coefficient) % P;
            }
            row.retain(|_, c| *c != 0);
            if !row.is_empty() {
                rows.push(row);
            }
        }
        let mut identity_of = vec![0u32; column_of.len()];
        for (&id, &column) in &column_of {
            identity_of[column] = id;
        }
        let mut out = BTreeSet::new();
        for (columns, system) in systems(rows, column_of.len()) {
            let mut key: Vec<u32> = columns.iter().map(|&c| identity_of[c]).collect();
            key.sort_unstable();
            let determined = solved.entry(key).or_insert_with(|| {
                reduced_rows(system)
                    .into_iter()
                    .filter(|row| row.len() == 1)
                    .flat_map(|row| row.into_keys())
                    .map(|c| identity_of[c])
                    .collect()
            });
            out.extend(determined.iter().filter(|&&id| withheld[id as usize]));
        }
        out
    }
}

/// An equation: unknown's column -> coefficient.
type Row = BTreeMap<usize, u64>;

/// The rows split into systems that share no unknown: (the system's unknowns, its rows).
fn systems(rows: Vec<Row>, unknowns: usize) -> Vec<(Vec<usize>, Vec<Row>)> {
    let mut root: Vec<usize> = (0..unknowns).collect();
    fn find(root: &mut [usize], mut x: usize) -> usize {
        while root[x] != x {
            root[x] = root[root[x]];
            x = root[x];
        }
        x
    }
    for row in &rows {
        let mut columns = row.keys();
        if let Some(&first) = columns.next() {
            for &other in columns {
                let (a, b) = (find(&mut root, first), find(&mut root, other));
                root[a] = b;
            }
        }
    }
    let mut by_root: BTreeMap<usize, (BTreeSet<usize>, Vec<Row>)> = BTreeMap::new();
    for row in rows {
        let first = *row.keys().next().expect("rows are not empty");
        let system = by_root.entry(find(&mut root, first)).or_default();
        system.0.extend(row.keys().copied());
        system.1.push(row);
    }
    by_root
        .into_values()
        .map(|(columns, rows)| (columns.into_iter().collect(), rows))
        .collect()
}

/// Reduced row echelon form of sparse rows modulo [`P`] (Gauss-Jordan).
fn reduced_rows(mut rows: Vec<BTreeMap<usize, u64>>) -> Vec<BTreeMap<usize, u64>> {
    let mut pivots: Vec<BTreeMap<usize, u64>> = Vec::new();
    while let Some(mut row) = rows.pop() {
        for pivot in &pivots {
            let lead = *pivot.keys().next().expect("a pivot row is not empty");
            if let Some(&c) = row.get(&lead) {
                subtract(&mut row, pivot, c);
            }
        }
        let Some((&lead, &c)) = row.iter().next() else {
            continue;
        };
        let scale = inverse(c);
        for v in row.values_mut() {
            *v = mul(*v, scale);
        }
        for pivot in pivots.iter_mut() {
            if let Some(&c) = pivot.get(&lead) {
                subtract(pivot, &row, c);
            }
        }
        pivots.push(row);
    }
    pivots
}

/// `row -= factor * other`, dropping zeros.
fn subtract(row: &mut BTreeMap<usize, u64>, other: &BTreeMap<usize, u64>, factor: u64) {
    for (&k, &v) in other {
        let entry = row.entry(k).or_insert(0);
        *entry = sub_mul(*entry, factor, v);
        if *entry == 0 {
            row.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(atoms: Atoms, filters: &[(&str, &str)]) -> Identity {
        Identity {
            atoms,
            filters: filters
                .iter()
                .map(|(d, v)| (d.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn people(race: &str) -> Identity {
        id(Atoms::People, &[(RACE, race)])
    }

    /// people[] = A + B + C + UNKNOWN, with counts.
    fn column(values: [u64; 4]) -> (Counts, Vec<Line>) {
        let groups = ["A", "B", "C", UNKNOWN_RACE];
        let mut counts: Counts = groups
            .iter()
            .zip(values)
            .map(|(g, n)| (people(g), n))
            .collect();
        counts.insert(id(Atoms::People, &[]), values.iter().sum());
        let lines = vec![Line {
            total: id(Atoms::People, &[]),
            parts: groups.iter().map(|g| people(g)).collect(),
        }];
        (counts, lines)
    }

    #[test]
    fn a_lone_small_cell_gets_the_smallest_partner_on_its_line() {
        let (counts, lines) = column([5, 40, 300, 0]);
        let w = withheld(&counts, &lines, 10, &BTreeSet::new());
        assert_eq!(w, BTreeSet::from([people("A"), people("B")]));
        assert!(exposed(&counts, &lines, &w, &BTreeSet::new()).is_empty());
    }

    #[test]
    fn a_known_race_total_gives_the_unknown_away_unless_a_part_goes_too() {
        // The disparity defect: all people and people of known race both published.
        let (mut counts, mut lines) = column([200, 300, 400, 8]);
        counts.insert(people(KNOWN_RACE), 900);
        let identities: BTreeSet<Identity> = counts.keys().cloned().collect();
        lines.extend(implied_lines(&identities));
        let only_unknown = BTreeSet::from([people(UNKNOWN_RACE)]);
        assert_eq!(
            exposed(&counts, &lines, &only_unknown, &BTreeSet::new()),
            only_unknown
        );
        let w = withheld(&counts, &lines, 10, &BTreeSet::new());
        assert!(w.contains(&people(UNKNOWN_RACE)) && w.len() >= 2, "{w:?}");
        assert!(
            exposed(&counts, &lines, &w, &BTreeSet::new()).is_empty(),
            "{w:?}"
        );
    }

    #[test]
    fn a_combination_of_lines_is_found() {
        // x + y = 20 and y + z = 30 and x + z = 24: each is determined though no line has
        // a lone unknown.
        let (x, y, z) = (people("X"), people("Y"), people("Z"));
        let t = |n: &str| id(Atoms::Convictions, &[("t", n)]);
        let counts: Counts = [
            (x.clone(), 7),
            (y.clone(), 13),
            (z.clone(), 17),
            (t("1"), 20),
            (t("2"), 30),
            (t("3"), 24),
        ]
        .into();
        let lines = vec![
            Line {
                total: t("1"),
                parts: vec![x.clone(), y.clone()],
            },
            Line {
                total: t("2"),
                parts: vec![y.clone(), z.clone()],
            },
            Line {
                total: t("3"),
                parts: vec![x.clone(), z.clone()],
            },
        ];
        let w = BTreeSet::from([x.clone(), y.clone(), z.clone()]);
        assert_eq!(exposed(&counts, &lines, &w, &BTreeSet::new()), w);
        let w = withheld(&counts, &lines, 10, &BTreeSet::new());
        assert!(
            exposed(&counts, &lines, &w, &BTreeSet::new()).is_empty(),
            "{w:?}"
        );
    }

    #[test]
    fn zero_is_not_small_and_off_means_off() {
        let (counts, lines) = column([0, 40, 300, 50]);
        assert!(withheld(&counts, &lines, 10, &BTreeSet::new()).is_empty());
        let (counts, lines) = column([3, 40, 300, 50]);
        assert!(withheld(&counts, &lines, 0, &BTreeSet::new()).is_empty());
    }

    #[test]
    fn periods_and_timings_are_sums_of_years() {
        let period = id(Atoms::Convictions, &[(PERIOD, "1990")]);
        let lines = implied_lines(&BTreeSet::from([period.clone()]));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].parts.len(), 5);
        assert_eq!(lines[0].parts[4], id(Atoms::Convictions, &[(YEAR, "1994")]));
        // After 2016-11-09: the rest of 2016 and the years after.
        let after = id(Atoms::Convictions, &[(TIMING, "after 2016-11-09")]);
        let year = |y: &str| id(Atoms::Convictions, &[(YEAR, y)]);
        let lines = implied_lines(&BTreeSet::from([after.clone(), year("2015"), year("2018")]));
        assert_eq!(lines[0].total, after);
        assert_eq!(lines[0].parts[0], year("2018"));
        assert_eq!(
            lines[0].parts[1],
            id(
                Atoms::Convictions,
                &[(YEAR, "2016"), (TIMING, "after 2016-11-09")]
            )
        );
        assert_eq!(lines[0].parts.len(), 2);
    }
}
