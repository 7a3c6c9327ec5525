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
use rayon::prelude::*;

use super::suppress::{Atoms, Identity, KNOWN_RACE, Line, NO_VALUE, RACE, UNKNOWN_RACE};
pub(super) use crate::normalize::columns::SUBJECT_ID as SUBJECT;

/// A column as text, null as [`NO_VALUE`].
pub(super) fn texts(frame: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    with_texts(frame, name, |texts| texts.map(String::from).collect())
}

/// `read` of a column's texts, null as [`NO_VALUE`].
fn with_texts<T>(
    frame: &DataFrame,
    name: &str,
    read: impl FnOnce(&mut dyn Iterator<Item = &str>) -> T,
) -> PolarsResult<T> {
    let column = frame.column(name)?.cast(&DataType::String)?;
    Ok(read(
        &mut column.str()?.iter().map(|v| v.unwrap_or(NO_VALUE)),
    ))
}

/// A 64-bit mix (splitmix64's finaliser): member hashes that sum without collisions.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A column's texts as codes into its distinct texts: 4 bytes a row, not a string (at 10M
/// rows the review's rows are about a million, with a dozen dimensions).
struct Coded {
    codes: Vec<u32>,
    values: Vec<String>,
}

impl Coded {
    fn from_texts<'a>(texts: impl Iterator<Item = &'a str>) -> Coded {
        let (codes, values) = crate::distinct::by_first_appearance(texts);
        let values = values.into_iter().map(String::from).collect();
        Coded { codes, values }
    }

    /// A column as text, null as [`NO_VALUE`].
    fn of(frame: &DataFrame, name: &str) -> PolarsResult<Coded> {
        with_texts(frame, name, |texts| Coded::from_texts(texts))
    }

    fn get(&self, row: usize) -> &str {
        &self.values[self.codes[row] as usize]
    }
}

/// The review's rows: each dimension's value per conviction, and each conviction's person.
pub struct Rows {
    columns: HashMap<String, Coded>,
    /// Each row's person, numbered in order of first appearance.
    person: Vec<u32>,
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
        // Each column coded on its own core (statewide: a dozen columns, a million rows each).
        let names = reviewed.get_column_names();
        let wanted: Vec<&str> = std::iter::once(SUBJECT)
            .chain(
                names
                    .iter()
                    .map(|name| name.as_str())
                    .filter(|name| dims.contains(name)),
            )
            .collect();
        let mut columns = (wanted.into_par_iter())
            .map(|name| Ok((name.to_string(), Coded::of(reviewed, name)?)))
            .collect::<PolarsResult<HashMap<String, Coded>>>()?;
        let ids = columns
            .remove(SUBJECT)
            .ok_or_else(|| polars_err!(ColumnNotFound: "{SUBJECT}"))?;
        // A person's outcome flags, on each of their rows (only the reviewed people's
        // subject rows are looked at: the subject table has every person).
        let person_of: PlHashMap<&str, usize> = (ids.values.iter().enumerate())
            .map(|(person, id)| (id.as_str(), person))
            .collect();
        let mut subject_row: Vec<Option<usize>> = vec![None; ids.values.len()];
        let subject_ids = subjects.column(SUBJECT)?.cast(&DataType::String)?;
        for (row, id) in subject_ids.str()?.iter().enumerate() {
            if let Some(&person) = person_of.get(id.unwrap_or(NO_VALUE)) {
                subject_row[person] = Some(row);
            }
        }
        let mut flags = Vec::new();
        for column in subjects.columns() {
            let name = column.name().as_str();
            if !columns.contains_key(name)
                && dims.contains(name)
                && column.dtype() == &DataType::Boolean
            {
                flags.push(name);
            }
        }
        let flags = (flags.into_par_iter())
            .map(|name| {
                let values = Coded::of(subjects, name)?;
                let per_row = ids.codes.iter().map(|&person| {
                    subject_row[person as usize].map_or(NO_VALUE, |row| values.get(row))
                });
                Ok((name.to_string(), Coded::from_texts(per_row)))
            })
            .collect::<PolarsResult<Vec<_>>>()?;
        columns.extend(flags);
        Ok(Rows {
            columns,
            len: ids.codes.len(),
            person: ids.codes,
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
        // Each grouping on its own core (a statewide run makes about a hundred).
        let found: Vec<Vec<(Identity, Vec<u32>)>> = by_dims
            .into_par_iter()
            .map(|((atoms, dims), identities)| {
                let groups = self.grouped(atoms, &dims);
                (identities.into_iter())
                    .map(|identity| (identity.clone(), groups.lookup(&dims, identity)))
                    .collect()
            })
            .collect();
        found.into_iter().flatten().collect()
    }

    /// The members of each combination of `dims` values.
    fn grouped(&self, atoms: Atoms, dims: &[String]) -> Groups<'_> {
        let columns: Vec<&Coded> = dims.iter().map(|d| &self.columns[d]).collect();
        // Each row's group, numbered by first appearance: the columns' codes folded in one
        // column at a time, so that no key is built per row.
        let mut group = vec![0u32; self.len];
        let mut keys: Vec<Vec<u32>> = vec![Vec::new()];
        for column in &columns {
            let mut next: PlHashMap<(u32, u32), u32> = PlHashMap::default();
            let mut next_keys: Vec<Vec<u32>> = Vec::new();
            for (g, &code) in group.iter_mut().zip(&column.codes) {
                *g = *next.entry((*g, code)).or_insert_with(|| {
                    let mut key = keys[*g as usize].clone();
                    key.push(code);
                    next_keys.push(key);
                    next_keys.len() as u32 - 1
                });
            }
            keys = next_keys;
        }
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); keys.len()];
        for (row, &g) in group.iter().enumerate() {
            let member = match atoms {
                Atoms::Convictions => row,
                Atoms::People => self.len + self.person[row] as usize,
            };
            members[g as usize].push(member as u32);
        }
        for members in &mut members {
            members.sort_unstable();
            members.dedup();
        }
        Groups {
            of_key: keys.into_iter().zip(0..).collect(),
            members,
            columns,
        }
    }
}

/// The members of each combination of some dimensions' values (as codes, in the order of
/// the dimensions).
struct Groups<'a> {
    of_key: HashMap<Vec<u32>, usize>,
    members: Vec<Vec<u32>>,
    columns: Vec<&'a Coded>,
}

impl Groups<'_> {
    /// An identity's members; race KNOWN is every race but UNKNOWN (a person has one race).
    fn lookup(&self, dims: &[String], identity: &Identity) -> Vec<u32> {
        let wanted: Vec<&str> = identity.filters.values().map(String::as_str).collect();
        let code = |i: usize, text: &str| {
            let values = &self.columns[i].values;
            values.iter().position(|v| v == text).map(|c| c as u32)
        };
        let race = dims.iter().position(|d| d == RACE);
        match race.filter(|&i| wanted[i] == KNOWN_RACE) {
            None => {
                let key: Option<Vec<u32>> =
                    wanted.iter().enumerate().map(|(i, w)| code(i, w)).collect();
                key.and_then(|key| self.of_key.get(&key))
                    .map_or_else(Vec::new, |&g| self.members[g].clone())
            }
            Some(i) => {
                let unknown = code(i, UNKNOWN_RACE);
                let wanted: Vec<Option<u32>> =
                    wanted.iter().enumerate().map(|(j, w)| code(j, w)).collect();
                let mut members: Vec<u32> = self
                    .of_key
                    .iter()
                    .filter(|(key, _)| {
                        Some(key[i]) != unknown
                            && key
                                .iter()
                                .zip(&wanted)
                                .enumerate()
                                .all(|(j, (k, w))| j == i || Some(*k) == *w)
                    })
                    .flat_map(|(_, &g)| self.members[g].iter().copied())
                    .collect();
                members.sort_unstable();
                members
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coded_texts_read_back_and_share_a_code() {
        let coded = Coded::from_texts(["Felony", "Misdemeanor", "Felony", NO_VALUE].into_iter());
        assert_eq!(coded.codes, [0, 1, 0, 2]);
        let back: Vec<&str> = (0..4).map(|row| coded.get(row)).collect();
        assert_eq!(back, ["Felony", "Misdemeanor", "Felony", NO_VALUE]);
    }

    /// Members as the definition says: the rows whose every filtered column holds the value
    /// (race KNOWN: any race but UNKNOWN), as convictions or as their people.
    fn members_by_filter(rows: &Rows, identity: &Identity) -> Vec<u32> {
        let matches = |row: usize| {
            identity.filters.iter().all(|(dim, value)| {
                let text = rows.columns[dim].get(row);
                match (dim.as_str(), value.as_str()) {
                    (RACE, KNOWN_RACE) => text != UNKNOWN_RACE,
                    _ => text == value,
                }
            })
        };
        let mut members: Vec<u32> = (0..rows.len)
            .filter(|&row| matches(row))
            .map(|row| match identity.atoms {
                Atoms::Convictions => row as u32,
                Atoms::People => (rows.len + rows.person[row] as usize) as u32,
            })
            .collect();
        members.sort_unstable();
        members.dedup();
        members
    }

    #[test]
    fn members_are_the_rows_that_match_every_filter() -> PolarsResult<()> {
        let n = 400;
        fn pick(values: &[&'static str], row: usize, step: usize) -> &'static str {
            values[(row * step / 7) % values.len()]
        }
        let races = ["WHITE", "BLACK", "HISPANIC", UNKNOWN_RACE];
        let reviewed = df!(
            SUBJECT => (0..n).map(|r| format!("s{}", r / 3)).collect::<Vec<_>>(),
            // A person has one race.
            RACE => (0..n).map(|r| pick(&races, r / 3, 7)).collect::<Vec<_>>(),
            "year" => (0..n).map(|r| pick(&["2010", "2011", "2012"], r, 3)).collect::<Vec<_>>(),
            "level" => (0..n).map(|r| pick(&["F", "M"], r, 11)).collect::<Vec<_>>(),
        )?;
        let subjects = df!(SUBJECT => ["s0"], "relief" => [true])?;
        let dims = BTreeSet::from([RACE, "year", "level", "relief"]);
        let rows = Rows::new(&reviewed, &subjects, &dims)?;
        let mut identities = Vec::new();
        for atoms in [Atoms::Convictions, Atoms::People] {
            for race in ["WHITE", UNKNOWN_RACE, KNOWN_RACE, "NOT THERE"] {
                for year in ["2010", "2012"] {
                    let filters = [(RACE, race), ("year", year)];
                    let filters = filters.iter().map(|(d, v)| (d.to_string(), v.to_string()));
                    identities.push(Identity {
                        atoms,
                        filters: filters.collect(),
                    });
                }
            }
            let filters = [("level".to_string(), "M".to_string())].into();
            identities.push(Identity { atoms, filters });
            identities.push(Identity {
                atoms,
                filters: BTreeMap::new(),
            });
        }
        let found = rows.members(&identities);
        assert_eq!(found.len(), identities.len());
        for identity in &identities {
            let expected = members_by_filter(&rows, identity);
            assert_eq!(found[identity], expected, "{identity}");
        }
        assert!(found.values().filter(|m| !m.is_empty()).count() > identities.len() / 2);
        Ok(())
    }

    #[test]
    fn people_are_numbered_by_first_row_and_take_their_subject_flags() -> PolarsResult<()> {
        let reviewed = df!(SUBJECT => ["b", "a", "b"], "level" => ["x", "y", "x"])?;
        let subjects = df!(SUBJECT => ["a", "b", "c"], "some_relief" => [true, false, true])?;
        let dims = BTreeSet::from(["level", "some_relief"]);
        let rows = Rows::new(&reviewed, &subjects, &dims)?;
        assert_eq!(rows.person, [0, 1, 0]);
        let flags: Vec<&str> = (0..3).map(|r| rows.columns["some_relief"].get(r)).collect();
        assert_eq!(flags, ["false", "true", "false"]);
        Ok(())
    }
}
