//! Which identities count the same set: two tables can name one set two ways (under a flow
//! that dismisses everything, "no conviction left" and "no conviction left if all were
//! dismissed" are the same people; in a small county, the convictions after 2016-11-09 can be
//! exactly those of 2017). Suppression must treat them as one number.
//!
//! Each identity's set of convictions or people is read from the review's rows (one grouping
//! per set of dimensions, not one pass per identity) and fingerprinted as the sum of a 64-bit
//! hash of its members; the members themselves feed the exact check ([`super::exact`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;

use super::suppress::{Atoms, Identity, KNOWN_RACE, Line, NO_VALUE, RACE, UNKNOWN_RACE};
use crate::normalize::columns::SUBJECT_ID as SUBJECT;

/// A column as text, null as [`NO_VALUE`].
pub(super) fn texts(frame: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    let column = frame.column(name)?.cast(&DataType::String)?;
    Ok(column
        .str()?
        .iter()
        .map(|v| v.unwrap_or(NO_VALUE).to_string())
        .collect())
}

/// A 64-bit mix (splitmix64's finaliser): member hashes that sum without collisions.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The review's rows: each dimension's value per conviction, and each conviction's person.
pub struct Rows {
    columns: HashMap<String, Vec<String>>,
    person: Vec<usize>,
    len: usize,
}

impl Rows {
    /// From `reviewed` (one row per conviction under review) and `subjects` (the people's
    /// outcome flags, joined by subject): the columns named in `dims`, as text.
    pub fn new(
        reviewed: &DataFrame,
        subjects: &DataFrame,
        dims: &BTreeSet<&str>,
    ) -> PolarsResult<Rows> {
        let ids = texts(reviewed, SUBJECT)?;
        let mut index: HashMap<&str, usize> = HashMap::new();
        let person: Vec<usize> = ids
            .iter()
            .map(|id| {
                let next = index.len();
                *index.entry(id.as_str()).or_insert(next)
            })
            .collect();
        let mut columns = HashMap::new();
        for name in reviewed.get_column_names() {
            if dims.contains(name.as_str()) {
                columns.insert(name.to_string(), texts(reviewed, name)?);
            }
        }
        // A person's outcome flags, on each of their rows.
        let subject_ids = texts(subjects, SUBJECT)?;
        let row_of: HashMap<&str, usize> = subject_ids
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        for name in subjects.get_column_names() {
            if columns.contains_key(name.as_str())
                || !dims.contains(name.as_str())
                || subjects.column(name)?.dtype() != &DataType::Boolean
            {
                continue;
            }
            let values = texts(subjects, name)?;
            let per_row = ids
                .iter()
                .map(|id| {
                    row_of
                        .get(id.as_str())
                        .map_or(NO_VALUE.to_string(), |&r| values[r].clone())
                })
                .collect();
            columns.insert(name.to_string(), per_row);
        }
        Ok(Rows {
            columns,
            person,
            len: ids.len(),
        })
    }

    /// The members of each identity's set (convictions are `0..len`, people `len..`), sorted;
    /// identities on dimensions the rows do not have are left out.
    pub fn members<'a>(
        &self,
        identities: impl IntoIterator<Item = &'a Identity>,
    ) -> BTreeMap<Identity, Vec<u32>> {
        // Identities by the dimensions they filter on: one grouping per set of dimensions.
        let mut by_dims: BTreeMap<(Atoms, Vec<String>), Vec<&Identity>> = BTreeMap::new();
        for identity in identities {
            let dims: Vec<String> = identity.filters.keys().cloned().collect();
            if dims.iter().all(|d| self.columns.contains_key(d)) {
                by_dims
                    .entry((identity.atoms, dims))
                    .or_default()
                    .push(identity);
            }
        }
        let mut out = BTreeMap::new();
        for ((atoms, dims), identities) in by_dims {
            let groups = self.grouped(atoms, &dims);
            for identity in identities {
                out.insert(identity.clone(), lookup(&groups, &dims, identity));
            }
        }
        out
    }

    /// The members of each combination of `dims` values.
    fn grouped(&self, atoms: Atoms, dims: &[String]) -> HashMap<Vec<&str>, Vec<u32>> {
        let columns: Vec<&Vec<String>> = dims.iter().map(|d| &self.columns[d]).collect();
        let mut groups: HashMap<Vec<&str>, Vec<u32>> = HashMap::new();
        for row in 0..self.len {
            let key: Vec<&str> = columns.iter().map(|c| c[row].as_str()).collect();
            let member = match atoms {
                Atoms::Convictions => row,
                Atoms::People => self.len + self.person[row],
            };
            groups.entry(key).or_default().push(member as u32);
        }
        for members in groups.values_mut() {
            members.sort_unstable();
            members.dedup();
        }
        groups
    }
}

/// An identity's members; race KNOWN is every race but UNKNOWN (a person has one race).
fn lookup(groups: &HashMap<Vec<&str>, Vec<u32>>, dims: &[String], identity: &Identity) -> Vec<u32> {
    let wanted: Vec<&str> = identity.filters.values().map(String::as_str).collect();
    let race = dims.iter().position(|d| d == RACE);
    match race.filter(|&i| wanted[i] == KNOWN_RACE) {
        None => groups.get(&wanted).cloned().unwrap_or_default(),
        Some(i) => {
            let mut members: Vec<u32> = groups
                .iter()
                .filter(|(key, _)| {
                    key[i] != UNKNOWN_RACE
                        && key
                            .iter()
                            .zip(&wanted)
                            .enumerate()
                            .all(|(j, (k, w))| j == i || k == w)
                })
                .flat_map(|(_, m)| m.iter().copied())
                .collect();
            members.sort_unstable();
            members
        }
    }
}

/// Each set's fingerprint: the sum of its members' hashes (same set, same sum; different
/// sets, different sums but for a 2^-64 chance; the sum of disjoint sets' is their union's).
pub fn fingerprints(members: &BTreeMap<Identity, Vec<u32>>) -> BTreeMap<Identity, u64> {
    members
        .iter()
        .map(|(id, m)| {
            (
                id.clone(),
                m.iter()
                    .fold(0u64, |acc, x| acc.wrapping_add(mix(*x as u64))),
            )
        })
        .collect()
}

/// Each identity's representative: the least identity with the same set (identities alone
/// in their set are left out).
pub fn same_sets(fingerprints: &BTreeMap<Identity, u64>) -> BTreeMap<Identity, Identity> {
    let mut first: BTreeMap<(Atoms, u64), &Identity> = BTreeMap::new();
    for (identity, sum) in fingerprints {
        first.entry((identity.atoms, *sum)).or_insert(identity);
    }
    fingerprints
        .iter()
        .map(|(identity, sum)| (identity.clone(), first[&(identity.atoms, *sum)].clone()))
        .filter(|(a, b)| a != b)
        .collect()
}

/// True when the line's parts make its total, as sets, for these rows (or when a member has no
/// fingerprint: kept, to be safe).
pub fn holds(fingerprints: &BTreeMap<Identity, u64>, line: &Line) -> bool {
    let mut parts = 0u64;
    for part in &line.parts {
        match fingerprints.get(part) {
            Some(sum) => parts = parts.wrapping_add(*sum),
            None => return true,
        }
    }
    fingerprints
        .get(&line.total)
        .is_none_or(|total| *total == parts)
}
