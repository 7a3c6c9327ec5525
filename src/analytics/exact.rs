//! The exact check behind small-cell suppression: a withheld count is recoverable when its set
//! of convictions or people is a linear combination of published cells' sets (then its count
//! is the same combination of published numbers), whether or not the tables' structure says
//! so: in a small county the people convicted after 2016-11-09 can be exactly those of 2017
//! and 2019, and nothing in the tables' layout tells.
//!
//! Members that are in the same cells form one class; the published cells' sets become
//! vectors over the classes, row-reduced modulo a prime (a combination over the rationals is
//! one modulo the prime, so nothing recoverable is missed). The work grows with published
//! cells squared times classes: a publication past [`BUDGET`] is left to the structural lines
//! of [`super::suppress`], and the caller says so.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::PlHashMap;

use super::modular::{inverse, mul, sub_mul};
use super::suppress::Identity;

/// Published cells squared times classes: about 4 s on one core of this project's machine
/// (release).
pub const BUDGET: u64 = 4_000_000_000;

/// The withheld identities whose set is a combination of the published ones' sets, or None
/// when the publication is past [`BUDGET`].
pub fn recoverable(
    members: &BTreeMap<Identity, Vec<u32>>,
    published: &BTreeSet<Identity>,
    withheld: &BTreeSet<Identity>,
) -> Option<BTreeSet<Identity>> {
    let cells: Vec<&Identity> = published
        .iter()
        .chain(withheld)
        .filter(|id| members.contains_key(*id))
        .collect();
    let (vectors, classes) = classes_of_cells(members, &cells);
    let classes = classes as u64;
    let rows = published.len() as u64;
    if rows.saturating_mul(rows).saturating_mul(classes) > BUDGET {
        return None;
    }
    let dense = |v: &[u32]| {
        let mut row = vec![0u64; classes as usize];
        v.iter().for_each(|&c| row[c as usize] = 1);
        row
    };
    // Echelon rows, each reduced by those before it: reducing a vector by them in order
    // leaves zero exactly when it is in their span.
    let mut pivots: Vec<(usize, Vec<u64>)> = Vec::new();
    let reduce = |pivots: &[(usize, Vec<u64>)], mut v: Vec<u64>| {
        for (lead, row) in pivots {
            let c = v[*lead];
            if c != 0 {
                for (x, r) in v.iter_mut().zip(row) {
                    if *r != 0 {
                        *x = sub_mul(*x, c, *r);
                    }
                }
            }
        }
        v
    };
    for (i, id) in cells.iter().enumerate() {
        if !published.contains(*id) {
            continue;
        }
        let mut v = reduce(&pivots, dense(&vectors[i]));
        let Some(lead) = v.iter().position(|x| *x != 0) else {
            continue;
        };
        let scale = inverse(v[lead]);
        v.iter_mut().for_each(|x| *x = mul(*x, scale));
        pivots.push((lead, v));
    }
    Some(
        cells
            .iter()
            .enumerate()
            .filter(|(i, id)| {
                withheld.contains(**id)
                    && !vectors[*i].is_empty()
                    && reduce(&pivots, dense(&vectors[*i])).iter().all(|x| *x == 0)
            })
            .map(|(_, id)| (*id).clone())
            .collect(),
    )
}

/// Each cell's classes, numbered from 0, and how many there are: members in exactly the same
/// cells are one class (members in no cell are in none). Found by refining a partition of the members cell by
/// cell: the members of a cell leave their class for a new one shared with the others of
/// that class in the cell. The work is the cells' sizes summed; nothing is kept per member
/// but its class.
fn classes_of_cells(
    members: &BTreeMap<Identity, Vec<u32>>,
    cells: &[&Identity],
) -> (Vec<Vec<u32>>, usize) {
    const NONE: u32 = 0;
    let size = cells
        .iter()
        .flat_map(|id| members[*id].last())
        .max()
        .map_or(0, |m| *m as usize + 1);
    let mut class = vec![NONE; size];
    let mut classes = 1u32;
    let mut split: PlHashMap<u32, u32> = PlHashMap::default();
    for id in cells {
        split.clear();
        for &m in &members[*id] {
            let old = class[m as usize];
            class[m as usize] = *split.entry(old).or_insert_with(|| {
                classes += 1;
                classes - 1
            });
        }
    }
    // The classes left, numbered from 0 in order of first appearance.
    let mut number: PlHashMap<u32, u32> = PlHashMap::default();
    let vectors = cells
        .iter()
        .map(|id| {
            let mut v: Vec<u32> = members[*id]
                .iter()
                .map(|&m| {
                    let n = number.len() as u32;
                    *number.entry(class[m as usize]).or_insert(n)
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    (vectors, number.len())
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
        let (vectors, classes) = classes_of_cells(&members, &cells);
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
}
