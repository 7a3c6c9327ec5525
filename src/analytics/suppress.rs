//! Small-cell suppression for published tables.
//!
//! Counts from 1 to `min_cell` are withheld (primary suppression). Then, so that no withheld
//! count can be recovered by subtracting the others from a total, every column (and, within
//! a row, every set of count columns that add up to a total) that holds exactly one withheld
//! cell gets a second one: its smallest other non-zero cell (complementary suppression),
//! repeated until no line has a lone withheld cell. Withheld cells become null and are marked in a
//! `<column>_suppressed` column, never zeroed. These are loops over a small aggregate table,
//! never over records.

use polars::prelude::*;

/// Withholds small counts in `counts` columns of `table`. `min_cell` 0 turns it off.
///
/// Column totals are always assumed known. `row_sums` lists sets of count columns that add up
/// within a row (a total and its parts, e.g. convictions and each determination): a reader
/// could subtract along those too.
pub fn suppress(
    table: &DataFrame,
    counts: &[&str],
    min_cell: u64,
    row_sums: &[Vec<String>],
) -> PolarsResult<DataFrame> {
    let row_sums: Vec<Vec<usize>> = row_sums
        .iter()
        .map(|set| {
            set.iter()
                .map(|name| {
                    counts.iter().position(|c| c == name).ok_or_else(|| {
                        polars_err!(ColumnNotFound: "{name} is summed in a row but is not a count")
                    })
                })
                .collect()
        })
        .collect::<PolarsResult<_>>()?;
    let values: Vec<Vec<Option<u64>>> = counts
        .iter()
        .map(|name| {
            let column = table.column(name)?.cast(&DataType::UInt64)?;
            Ok(column.u64()?.iter().collect())
        })
        .collect::<PolarsResult<_>>()?;
    let withheld = withheld_cells(&values, min_cell, &row_sums);
    let mut out = table.clone();
    for (c, name) in counts.iter().enumerate() {
        let kept: Vec<Option<u64>> = values[c]
            .iter()
            .zip(&withheld[c])
            .map(|(v, w)| if *w { None } else { *v })
            .collect();
        out.with_column(Column::new((*name).into(), kept))?;
        out.with_column(Column::new(
            format!("{name}_suppressed").into(),
            withheld[c].clone(),
        ))?;
    }
    Ok(out)
}

/// `withheld[column][row]`.
fn withheld_cells(
    values: &[Vec<Option<u64>>],
    min_cell: u64,
    row_sums: &[Vec<usize>],
) -> Vec<Vec<bool>> {
    let mut withheld: Vec<Vec<bool>> = values
        .iter()
        .map(|column| {
            column
                .iter()
                .map(|v| matches!(v, Some(n) if *n >= 1 && *n <= min_cell))
                .collect()
        })
        .collect();
    let rows = values.first().map_or(0, Vec::len);
    loop {
        let mut changed = false;
        // Lines: each column, then each set of columns that add up, in each row.
        let mut lines: Vec<Vec<(usize, usize)>> = (0..values.len())
            .map(|c| (0..rows).map(|r| (c, r)).collect())
            .collect();
        for set in row_sums {
            lines.extend((0..rows).map(|r| set.iter().map(|&c| (c, r)).collect::<Vec<_>>()));
        }
        for line in lines {
            let lone = line.iter().filter(|&&(c, r)| withheld[c][r]).count() == 1;
            if !lone {
                continue;
            }
            let partner = line
                .iter()
                .filter(|&&(c, r)| !withheld[c][r] && values[c][r].is_some())
                // A withheld zero would hide little: prefer the smallest non-zero cell.
                .min_by_key(|&&(c, r)| (values[c][r] == Some(0), values[c][r], c, r));
            if let Some(&(c, r)) = partner {
                withheld[c][r] = true;
                changed = true;
            }
        }
        if !changed {
            return withheld;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(values: &[&[u64]]) -> Vec<Vec<Option<u64>>> {
        values
            .iter()
            .map(|c| c.iter().map(|v| Some(*v)).collect())
            .collect()
    }

    #[test]
    fn a_lone_small_cell_gets_a_partner_in_its_column() {
        // One column: 5 is withheld, then the smallest other (40) too.
        let w = withheld_cells(&cells(&[&[5, 40, 300]]), 10, &[]);
        assert_eq!(w, [[true, true, false]]);
    }

    #[test]
    fn no_withheld_cell_can_be_recovered_from_row_or_column_totals() {
        let values = cells(&[&[3, 50, 60], &[70, 80, 90], &[15, 25, 35]]);
        let w = withheld_cells(&values, 10, &[vec![0, 1, 2]]);
        for c in 0..3 {
            assert_ne!(w[c].iter().filter(|x| **x).count(), 1, "column {c}: {w:?}");
        }
        for r in 0..3 {
            assert_ne!((0..3).filter(|&c| w[c][r]).count(), 1, "row {r}: {w:?}");
        }
        assert!(w[0][0], "the small cell is withheld");
    }

    #[test]
    fn a_partner_is_non_zero_when_one_exists() {
        let w = withheld_cells(&cells(&[&[4, 0, 30, 50]]), 10, &[]);
        assert_eq!(w, [[true, false, true, false]]);
    }

    #[test]
    fn zero_is_not_small_and_off_means_off() {
        assert_eq!(
            withheld_cells(&cells(&[&[0, 40]]), 10, &[]),
            [[false, false]]
        );
        assert_eq!(
            withheld_cells(&cells(&[&[3, 40]]), 0, &[]),
            [[false, false]]
        );
    }

    #[test]
    fn suppressed_cells_are_null_and_marked() {
        let table = df!("group" => ["A", "B", "C"], "people" => [4u32, 30, 200]).unwrap();
        let out = suppress(&table, &["people"], 10, &[]).unwrap();
        let people: Vec<Option<u64>> = out
            .column("people")
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(people, [None, None, Some(200)]);
        let marked: Vec<Option<bool>> = out
            .column("people_suppressed")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(marked, [Some(true), Some(true), Some(false)]);
    }
}
