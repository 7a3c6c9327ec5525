//! The exact check behind small-cell suppression: a withheld count is recoverable when its set
//! of convictions or people is a linear combination of published cells' sets (then its count
//! is the same combination of published numbers), whether or not the tables' structure says
//! so: in a small county the people convicted after 2016-11-09 can be exactly those of 2017
//! and 2019, and nothing in the tables' layout tells.
//!
//! Members that are in the same published cells form one class; the published cells' sets
//! become vectors over the classes, row-reduced modulo a prime (a combination over the
//! rationals is one modulo the prime, so nothing recoverable is missed). The rows are kept
//! sparse and reduced smallest cell first: most cells are of one county or one group, and
//! their rows stay short.
//!
//! A withheld set is then tested against one vector orthogonal to every published set, drawn
//! at random (seeded, so a run's outputs are the same every time): a set in the published
//! sets' span is orthogonal to every such vector; one outside it is orthogonal to a random
//! one with a chance of 1 in the prime (then a cell more is withheld, never one less).
//!
//! Statewide, 1M rows (1,671 published cells): dense rows over the classes of all cells took
//! 14.4 s and 1.7 GB; reducing each withheld set too, hundreds of thousands of steps apiece;
//! this, 0.3 s. A publication whose reduction touches more than [`BUDGET`] entries, or holds
//! more than `HELD`, is left to the structural lines of [`super::suppress`], and the caller
//! says so.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use super::modular::{P, add, inverse, mul, sub, sub_mul};
use super::suppress::Identity;
use crate::generate::rng::Rng;

/// Entries touched by the reduction, at most: about 6 s on one core of this project's
/// machine (release; a statewide run of 10M rows touches 195 million).
pub const BUDGET: u64 = 500_000_000;

/// Entries held in the rows, at most (16 bytes each: 1 GiB).
const HELD: usize = 1 << 26;

/// The withheld identities whose set is a combination of the published ones' sets, or None
/// when the publication is past `BUDGET` or `HELD`.
pub fn recoverable(
    members: &BTreeMap<Identity, Vec<u32>>,
    published: &BTreeSet<Identity>,
    withheld: &BTreeSet<Identity>,
) -> Option<BTreeSet<Identity>> {
    // Smallest first, so that the classes of small cells are numbered first and lead rows.
    let mut cells: Vec<&Identity> = published
        .iter()
        .filter(|id| members.contains_key(*id))
        .collect();
    cells.sort_by_key(|id| (members[*id].len(), *id));
    let classes = Classes::of(members, &cells);
    let mut echelon = Echelon::new(classes.count, BUDGET);
    for vector in &classes.vectors {
        echelon.insert(vector)?;
    }
    let rng = &mut Rng::new(SEED);
    let size = member_bound(withheld.iter().filter_map(|id| members.get(id)));
    let null = classes.of_members(&echelon.null_vector(rng), size, rng);
    let orthogonal = |set: &[u32]| {
        let sum = set.iter().fold(0, |sum, &m| add(sum, null[m as usize]));
        sum == 0
    };
    let found = withheld
        .iter()
        .filter(|id| {
            members
                .get(*id)
                .is_some_and(|set| !set.is_empty() && orthogonal(set))
        })
        .cloned();
    Some(found.collect())
}

/// The seed of the null vector: fixed, so that a run's outputs are the same every time.
const SEED: u64 = 64;

/// Rows in echelon form modulo the prime, sparse: each row's entries (class, value) in
/// class order, the first (its lead) 1, no two rows with the same lead.
struct Echelon {
    rows: Vec<Vec<(u32, u64)>>,
    /// Per class, the row it leads ([`NO_ROW`]: none).
    led_by: Vec<u32>,
    /// Entries touched so far, against `budget` ([`BUDGET`]), and held, against [`HELD`].
    work: u64,
    budget: u64,
    held: usize,
    /// The vector being reduced, dense (zero between reductions), and a bit for each of its
    /// classes to visit (a heap of them took twice as long).
    scratch: Vec<u64>,
    to_visit: Vec<u64>,
}

const NO_ROW: u32 = u32::MAX;

impl Echelon {
    fn new(classes: usize, budget: u64) -> Self {
        Echelon {
            rows: Vec::new(),
            led_by: vec![NO_ROW; classes],
            work: 0,
            budget,
            held: 0,
            scratch: vec![0; classes],
            to_visit: vec![0; classes.div_ceil(64)],
        }
    }

    /// Adds the set `classes` (sorted) to the rows' span; None past its budget or [`HELD`]
    /// (the rows are then not to be used). The set is reduced by the rows, classes visited
    /// in increasing order: subtracting a row led by a class only changes classes after it,
    /// so what is left has no class that leads a row.
    fn insert(&mut self, classes: &[u32]) -> Option<()> {
        let Some(&first) = classes.first() else {
            return Some(());
        };
        for &c in classes {
            self.scratch[c as usize] = 1;
            self.to_visit[c as usize / 64] |= 1 << (c % 64);
        }
        let mut rest: Vec<(u32, u64)> = Vec::new();
        let mut word = first as usize / 64;
        while word < self.to_visit.len() {
            let bits = self.to_visit[word];
            if bits == 0 {
                word += 1;
                continue;
            }
            self.to_visit[word] = bits & (bits - 1);
            let c = word * 64 + bits.trailing_zeros() as usize;
            let x = std::mem::take(&mut self.scratch[c]);
            if x == 0 {
                continue; // cancelled
            }
            let Some(row) = self.rows.get(self.led_by[c] as usize) else {
                rest.push((c as u32, x));
                continue;
            };
            self.work += row.len() as u64;
            if self.work > self.budget {
                return None;
            }
            for &(k, r) in &row[1..] {
                self.scratch[k as usize] = sub_mul(self.scratch[k as usize], x, r);
                self.to_visit[k as usize / 64] |= 1 << (k % 64);
            }
        }
        let Some(&(lead, value)) = rest.first() else {
            return Some(()); // in the span already
        };
        self.held += rest.len();
        if self.held > HELD {
            return None;
        }
        let scale = inverse(value);
        rest.iter_mut().for_each(|(_, x)| *x = mul(*x, scale));
        self.led_by[lead as usize] = self.rows.len() as u32;
        self.rows.push(rest);
        Some(())
    }

    /// A vector orthogonal to every row, drawn at random: its classes that lead no row are
    /// random, each lead is then what makes its row's sum zero (the rows taken from the
    /// last lead back, so a row's other classes are known by then).
    fn null_vector(&self, rng: &mut Rng) -> Vec<u64> {
        let mut null: Vec<u64> = (0..self.led_by.len()).map(|_| random(rng)).collect();
        let mut rows: Vec<&Vec<(u32, u64)>> = self.rows.iter().collect();
        rows.sort_unstable_by_key(|row| Reverse(row[0].0));
        for row in rows {
            let minus_rest = row[1..]
                .iter()
                .fold(0, |sum, &(k, r)| sub_mul(sum, r, null[k as usize]));
            null[row[0].0 as usize] = minus_rest;
        }
        null
    }
}

/// The classes of a set of cells: members in exactly the same cells are one class.
struct Classes {
    /// Each cell's classes, numbered from 0 in order of first appearance, sorted.
    vectors: Vec<Vec<u32>>,
    count: usize,
    /// Each member's class ([`NO_CLASS`]: in no cell).
    of_member: Vec<u32>,
}

const NO_CLASS: u32 = u32::MAX;

impl Classes {
    /// Found by refining a partition of the members cell by cell: the members of a cell
    /// leave their class for a new one shared with the others of that class in the cell.
    /// The work is the cells' sizes summed; nothing is kept per member but its class, and
    /// per class what it became last (arrays, not hash maps: statewide at 10M rows the cells
    /// hold about 200M members).
    fn of(members: &BTreeMap<Identity, Vec<u32>>, cells: &[&Identity]) -> Classes {
        let mut class = vec![NO_CLASS; member_bound(cells.iter().map(|id| &members[*id]))];
        // Per class: the class its members moved to, and in which cell (numbered from 1).
        let (mut moved_to, mut moved_in): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        let mut classes = 0u32;
        for (cell, id) in (1..).zip(cells) {
            // The class of this cell's members that were in none.
            let mut from_none = NO_CLASS;
            for &m in &members[*id] {
                let old = class[m as usize];
                class[m as usize] = if old == NO_CLASS {
                    if from_none == NO_CLASS {
                        from_none = classes;
                        classes += 1;
                    }
                    from_none
                } else {
                    let old = old as usize;
                    if moved_in[old] != cell {
                        moved_in[old] = cell;
                        moved_to[old] = classes;
                        classes += 1;
                    }
                    moved_to[old]
                };
            }
            moved_to.resize(classes as usize, NO_CLASS);
            moved_in.resize(classes as usize, 0);
        }
        // The classes left, numbered from 0 in order of first appearance, and each cell's
        // distinct classes (`last_in`: the cell that last took a class).
        let (mut number, mut last_in) = (moved_to, moved_in);
        number.fill(NO_CLASS);
        last_in.fill(0);
        let mut count = 0u32;
        let vectors = (1..)
            .zip(cells)
            .map(|(cell, id)| {
                let mut v = Vec::new();
                for &m in &members[*id] {
                    let c = class[m as usize] as usize;
                    if number[c] == NO_CLASS {
                        number[c] = count;
                        count += 1;
                    }
                    if std::mem::replace(&mut last_in[number[c] as usize], cell) != cell {
                        v.push(number[c]);
                    }
                }
                v.sort_unstable();
                v
            })
            .collect();
        for c in class.iter_mut().filter(|c| **c != NO_CLASS) {
            *c = number[*c as usize];
        }
        Classes {
            vectors,
            count: count as usize,
            of_member: class,
        }
    }

    /// A vector over members `0..size` whose sum over each class is that class's value in
    /// `by_class`, drawn at random among those (members in no class: at random).
    fn of_members(&self, by_class: &[u64], size: usize, rng: &mut Rng) -> Vec<u64> {
        let mut values: Vec<u64> = (0..size.max(self.of_member.len()))
            .map(|_| random(rng))
            .collect();
        let mut sum = vec![0; self.count];
        let mut first = vec![None; self.count];
        for (m, &c) in self.of_member.iter().enumerate() {
            if c != NO_CLASS {
                sum[c as usize] = add(sum[c as usize], values[m]);
                first[c as usize].get_or_insert(m);
            }
        }
        for (c, m) in first.into_iter().enumerate() {
            if let Some(m) = m {
                values[m] = add(values[m], sub(by_class[c], sum[c]));
            }
        }
        values
    }
}

/// One past the largest member of `sets` (0 when there is none).
fn member_bound<'a>(sets: impl Iterator<Item = &'a Vec<u32>>) -> usize {
    sets.flat_map(|set| set.iter().max())
        .max()
        .map_or(0, |m| *m as usize + 1)
}

fn random(rng: &mut Rng) -> u64 {
    (rng.next_u64() >> 3) % P
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::suppress::Atoms;

    fn id(name: &str) -> Identity {
        Identity {
            atoms: Atoms::People,
            filters: [("x".to_string(), name.to_string())].into(),
        }
    }

    #[test]
    fn classes_are_the_distinct_sets_of_cells_a_member_is_in() {
        // Cells of a 60-member universe drawn by a fixed scramble, and one cell twice over.
        let drawn = |m: u32, i: u32| {
            ((m as u64 * 2_654_435_761 + i as u64 * 40_503) >> 7).is_multiple_of(3)
        };
        let members: BTreeMap<Identity, Vec<u32>> = (0..12u32)
            .map(|i| {
                let set = (0..60u32).filter(|&m| drawn(m, i % 11));
                (id(&format!("c{i:02}")), set.collect())
            })
            .collect();
        let cells: Vec<&Identity> = members.keys().collect();
        let Classes {
            vectors,
            count: classes,
            of_member,
        } = Classes::of(&members, &cells);
        // Each member's cells, by definition; its class's cells, by the vectors.
        let mut signatures = BTreeSet::new();
        let mut cells_of_class: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for m in 0..60u32 {
            let sig: Vec<usize> = (0..cells.len())
                .filter(|&i| members[cells[i]].contains(&m))
                .collect();
            if !sig.is_empty() {
                signatures.insert(sig);
            }
        }
        for (i, classes) in vectors.iter().enumerate() {
            for c in classes {
                cells_of_class.entry(*c).or_default().push(i);
            }
        }
        let by_class: BTreeSet<Vec<usize>> = cells_of_class.values().cloned().collect();
        assert_eq!(
            cells_of_class.len(),
            by_class.len(),
            "two classes, one set of cells"
        );
        assert_eq!(by_class, signatures);
        assert_eq!(classes, cells_of_class.len());
        for (i, classes) in vectors.iter().enumerate() {
            let of_cell: BTreeSet<u32> = members[cells[i]]
                .iter()
                .map(|&m| of_member[m as usize])
                .collect();
            assert_eq!(of_cell, classes.iter().copied().collect(), "cell {i}");
        }
        assert!(signatures.len() > 15, "{}", signatures.len());
    }

    #[test]
    fn a_set_made_of_published_sets_is_found_and_one_that_is_not_is_not() {
        // all = {0..6}; a = {0,1}; b = {2,3}; c = {4,5}; d = {0,2}.
        let members: BTreeMap<Identity, Vec<u32>> = [
            (id("all"), vec![0, 1, 2, 3, 4, 5]),
            (id("a"), vec![0, 1]),
            (id("b"), vec![2, 3]),
            (id("c"), vec![4, 5]),
            (id("d"), vec![0, 2]),
        ]
        .into();
        let published = BTreeSet::from([id("all"), id("a"), id("b")]);
        // c = all - a - b.
        let found = recoverable(&members, &published, &BTreeSet::from([id("c"), id("d")]));
        assert_eq!(found, Some(BTreeSet::from([id("c")])));
    }

    /// The rank of 0/1 vectors over `size` members, by dense elimination modulo the prime.
    fn rank(sets: &[&Vec<u32>], size: usize) -> usize {
        let mut pivots: Vec<Vec<u64>> = Vec::new();
        for set in sets {
            let mut v = vec![0u64; size];
            set.iter().for_each(|&m| v[m as usize] = 1);
            for p in &pivots {
                let lead = p.iter().position(|x| *x != 0).expect("a pivot is not zero");
                let c = v[lead];
                v.iter_mut()
                    .zip(p)
                    .for_each(|(x, r)| *x = sub_mul(*x, c, *r));
            }
            if let Some(lead) = v.iter().position(|x| *x != 0) {
                let scale = inverse(v[lead]);
                v.iter_mut().for_each(|x| *x = mul(*x, scale));
                pivots.push(v);
            }
        }
        pivots.len()
    }

    #[test]
    fn recoverable_sets_are_those_in_the_published_span_by_dense_elimination() {
        // Cells made of blocks of members, so that some withheld sets are combinations of
        // published ones and others are not; member 99 is in no published cell, and the
        // largest of any.
        let mut rng = Rng::new(7);
        let mut found_some = (0, 0);
        for round in 0..40 {
            let blocks: Vec<Vec<u32>> = (0..10u32)
                .map(|b| (b * 4..b * 4 + 1 + b % 4).collect())
                .collect();
            let mut union = |n: u64| {
                let mut set: Vec<u32> = (0..1 + rng.next_u64() % n)
                    .flat_map(|_| blocks[(rng.next_u64() % 10) as usize].clone())
                    .collect();
                set.sort_unstable();
                set.dedup();
                set
            };
            let mut members = BTreeMap::new();
            let mut published = BTreeSet::new();
            let mut withheld = BTreeSet::new();
            for i in 0..9 {
                members.insert(id(&format!("p{i}")), union(4));
                published.insert(id(&format!("p{i}")));
            }
            for i in 0..12 {
                let mut set = union(5);
                if i == 0 {
                    set.push(99);
                    set.reverse(); // members need not come in order
                }
                members.insert(id(&format!("w{i}")), set);
                withheld.insert(id(&format!("w{i}")));
            }
            let sets: Vec<&Vec<u32>> = published.iter().map(|id| &members[id]).collect();
            let expected: BTreeSet<Identity> = withheld
                .iter()
                .filter(|w| {
                    let mut with = sets.clone();
                    with.push(&members[*w]);
                    rank(&with, 100) == rank(&sets, 100)
                })
                .cloned()
                .collect();
            let found = recoverable(&members, &published, &withheld);
            assert_eq!(found.as_ref(), Some(&expected), "round {round}");
            found_some.0 += expected.len();
            found_some.1 += withheld.len() - expected.len();
        }
        assert!(found_some.0 > 40 && found_some.1 > 40, "{found_some:?}");
    }

    #[test]
    fn a_reduction_past_its_budget_gives_up() {
        let sets: [&[u32]; 3] = [&[0, 1, 2, 3], &[0, 4, 5], &[0, 1, 4]];
        let mut enough = Echelon::new(6, 100);
        assert!(sets.iter().all(|set| enough.insert(set).is_some()));
        assert!(enough.work > 4, "the third set is reduced by both rows");
        let mut short = Echelon::new(6, 4);
        let inserted: Vec<bool> = sets.iter().map(|set| short.insert(set).is_some()).collect();
        assert_eq!(inserted, [true, true, false]);
    }
}
