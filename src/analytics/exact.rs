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

use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    let mut signature: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, id) in cells.iter().enumerate() {
        for member in &members[*id] {
            signature.entry(*member).or_default().push(i as u32);
        }
    }
    let mut class_of: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut vectors: Vec<Vec<usize>> = vec![Vec::new(); cells.len()];
    for sig in signature.into_values() {
        if class_of.contains_key(&sig) {
            continue;
        }
        let class = class_of.len();
        for &cell in &sig {
            vectors[cell as usize].push(class);
        }
        class_of.insert(sig, class);
    }
    let classes = class_of.len() as u64;
    let rows = published.len() as u64;
    if rows.saturating_mul(rows).saturating_mul(classes) > BUDGET {
        return None;
    }
    let dense = |v: &[usize]| {
        let mut row = vec![0u64; classes as usize];
        v.iter().for_each(|&c| row[c] = 1);
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
