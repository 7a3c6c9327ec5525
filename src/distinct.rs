//! Values numbered in order of first appearance: each value's code, and the distinct values
//! by code (a column's texts typed once each, or held as 4-byte codes).

use std::hash::Hash;

use polars::prelude::{PlHashMap, StringChunked};

/// Each of `values` as the number of its first appearance among them, and the distinct
/// values in that order (`distinct[codes[i]]` is the `i`-th value).
pub fn by_first_appearance<T: Hash + Eq + Copy>(
    values: impl Iterator<Item = T>,
) -> (Vec<u32>, Vec<T>) {
    let mut numbering = Numbering::default();
    let codes = unless_repeated(values, |value| numbering.code(value)).collect();
    (codes, numbering.distinct)
}

/// Values numbered as they are first met.
struct Numbering<T> {
    code_of: PlHashMap<T, u32>,
    distinct: Vec<T>,
}

impl<T> Default for Numbering<T> {
    fn default() -> Self {
        Numbering {
            code_of: PlHashMap::default(),
            distinct: Vec::new(),
        }
    }
}

impl<T: Hash + Eq + Copy> Numbering<T> {
    /// `value`'s number, the next one when it is new.
    fn code(&mut self, value: T) -> u32 {
        let distinct = &mut self.distinct;
        *self.code_of.entry(value).or_insert_with(|| {
            distinct.push(value);
            distinct.len() as u32 - 1
        })
    }
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

/// `f` of each text of `texts` (None for a null), where a text stored as the row before's
/// takes the result before, as [`unless_repeated`] does; but rows are compared by their
/// 16-byte views, not their bytes (a call to `memcmp` a row): equal views hold equal texts
/// (a text of up to 12 bytes is held in its view; a longer one is where its view says, in
/// the same chunk). A long text equal to the row before's but stored elsewhere is given to
/// `f` again: the same result, only not saved.
pub fn texts_unless_repeated<'a, R: Copy>(
    texts: &'a StringChunked,
    mut f: impl FnMut(Option<&'a str>) -> R,
) -> Vec<R> {
    let mut out = Vec::with_capacity(texts.len());
    // The view before, with the chunk its bytes are in (none for a short text), or None
    // for a null.
    let mut last: Option<(Option<(u128, usize)>, R)> = None;
    for (chunk, array) in texts.downcast_iter().enumerate() {
        let views = array.views();
        for (i, view) in views.iter().enumerate() {
            // SAFETY: `i` is below the array's length.
            let text = unsafe { array.get_unchecked(i) };
            let stored = text.map(|_| {
                let at = if view.is_inline() { usize::MAX } else { chunk };
                (view.as_u128(), at)
            });
            let result = match last {
                Some((before, result)) if before == stored => result,
                _ => {
                    let result = f(text);
                    last = Some((stored, result));
                    result
                }
            };
            out.push(result);
        }
    }
    out
}

/// [`by_first_appearance`] of a text column's values (None for a null), compared by
/// [`texts_unless_repeated`].
pub fn texts_by_first_appearance(texts: &StringChunked) -> (Vec<u32>, Vec<Option<&str>>) {
    let mut numbering = Numbering::default();
    let codes = texts_unless_repeated(texts, |value| numbering.code(value));
    (codes, numbering.distinct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn codes_number_values_by_first_appearance() {
        let (codes, distinct) =
            by_first_appearance(["b", "a", "a", "b", "c", "c", "a"].into_iter());
        assert_eq!(codes, [0, 1, 1, 0, 2, 2, 1]);
        assert_eq!(distinct, ["b", "a", "c"]);
    }

    /// Compared by their views, texts are numbered as by their bytes: short and long texts,
    /// nulls, equal long texts stored apart and stored once (gathered), and two long texts
    /// whose views are equal in two chunks.
    #[test]
    fn texts_compared_by_view_are_numbered_as_by_bytes() -> PolarsResult<()> {
        let long = "a text longer than twelve bytes";
        let other = "a text longer than twelve bytez";
        let chunk = |values: &[Option<&str>]| {
            StringChunked::from_iter_options("t".into(), values.iter().copied())
        };
        let first = chunk(&[Some(long)]);
        let second = chunk(&[Some(other), None, Some("short"), Some("short"), Some(long)]);
        let view = |texts: &StringChunked| texts.downcast_iter().next().map(|a| a.views()[0]);
        // The same length, first bytes, buffer and offset, in two chunks.
        assert_eq!(view(&first), view(&second));
        let gathered = second.take(&IdxCa::from_vec("row".into(), vec![4, 4, 0, 0, 1]))?;
        let mut texts = first;
        texts.append(&second)?;
        texts.append(&gathered)?;
        assert_eq!(texts.chunks().len(), 3);
        let by_bytes = by_first_appearance(texts.iter());
        assert_eq!(texts_by_first_appearance(&texts), by_bytes);
        assert_eq!(by_bytes.1, [Some(long), Some(other), None, Some("short")]);
        Ok(())
    }
}
