//! Values numbered in order of first appearance: each value's code, and the distinct values
//! by code (a column's texts typed once each, or held as 4-byte codes).

use std::hash::Hash;

use polars::prelude::PlHashMap;

/// Each of `values` as the number of its first appearance among them, and the distinct
/// values in that order (`distinct[codes[i]]` is the `i`-th value).
pub fn by_first_appearance<T: Hash + Eq + Copy>(
    values: impl Iterator<Item = T>,
) -> (Vec<u32>, Vec<T>) {
    let mut code_of: PlHashMap<T, u32> = PlHashMap::default();
    let mut distinct = Vec::new();
    let codes = unless_repeated(values, |value| {
        *code_of.entry(value).or_insert_with(|| {
            distinct.push(value);
            distinct.len() as u32 - 1
        })
    })
    .collect();
    (codes, distinct)
}

/// `f` of each of `values`, where a value equal to the one before takes the result before
/// instead: a person's rows follow each other, and most of their columns repeat from row to
/// row (a lookup or a parse saved).
pub fn unless_repeated<T: PartialEq + Copy, R: Copy>(
    values: impl Iterator<Item = T>,
    mut f: impl FnMut(T) -> R,
) -> impl Iterator<Item = R> {
    let mut last: Option<(T, R)> = None;
    values.map(move |value| match last {
        Some((before, result)) if before == value => result,
        _ => {
            let result = f(value);
            last = Some((value, result));
            result
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_number_values_by_first_appearance() {
        let (codes, distinct) =
            by_first_appearance(["b", "a", "a", "b", "c", "c", "a"].into_iter());
        assert_eq!(codes, [0, 1, 1, 0, 2, 2, 1]);
        assert_eq!(distinct, ["b", "a", "c"]);
    }
}
