//! Small-cell suppression for published tables.
//!
//! Counts from 1 to `min_cell` are withheld (primary suppression). Then, so that no withheld
//! count can be recovered by subtracting the others from a total, every column (and every row,
//! for tables whose count columns add up to a row total) that holds exactly one withheld cell
//! gets a second one: its smallest other cell (complementary suppression), repeated until no
//! line has a lone withheld cell. Withheld cells become null and are marked in a
//! `<column>_suppressed` column, never zeroed. These are loops over a small aggregate table,
//! never over records.

use polars::prelude::*;

/// Which totals a reader could subtract from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Totals {
    /// Column totals only (count columns measure different things).
    Columns,
    /// Column and row totals (count columns split one total, e.g. by determination).
    ColumnsAndRows,
}

/// Withholds small counts in `counts` columns of `table`. `min_cell` 0 turns it off.
pub fn suppress(
    table: &DataFrame,
    counts: &[&str],
    min_cell: u64,
    totals: Totals,
) -> PolarsResult<DataFrame> {
    let values: Vec<Vec<Option<u64>>> = counts
        .iter()
        .map(|name| {
            let column = table.column(name)?.cast(&DataType::UInt64)?;
            Ok(column.u64()?.iter().collect())
        })
        .collect::<PolarsResult<_>>()?;
    let withheld = withheld_cells(&values, min_cell, totals);
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
fn withheld_cells(values: &[Vec<Option<u64>>], min_cell: u64, totals: Totals) -> Vec<Vec<bool>> {
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
        // Lines: each column, then each row when rows add up.
        let mut lines: Vec<Vec<(usize, usize)>> = (0..values.len())
            .map(|c| (0..rows).map(|r| (c, r)).collect())
            .collect();
        if totals == Totals::ColumnsAndRows {
            lines.extend((0..rows).map(|r| (0..values.len()).map(|c| (c, r)).collect::<Vec<_>>()));
        }
        for line in lines {
            let lone = line.iter().filter(|&&(c, r)| withheld[c][r]).count() == 1;
            if !lone {
                continue;
            }
            let partner = line
                .iter()
                .filter(|&&(c, r)| !withheld[c][r] && values[c][r].is_some())
                .min_by_key(|&&(c, r)| (values[c][r], c, r));
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
        let w = withheld_cells(&cells(&[&[5, 40, 300]]), 10, Totals::Columns);
        assert_eq!(w, [[true, true, false]]);
    }

    #[test]
    fn no_withheld_cell_can_be_recovered_from_row_or_column_totals() {
        let values = cells(&[&[3, 50, 60], &[70, 80, 90], &[15, 25, 35]]);
        let w = withheld_cells(&values, 10, Totals::ColumnsAndRows);
        for c in 0..3 {
            assert_ne!(w[c].iter().filter(|x| **x).count(), 1, "column {c}: {w:?}");
        }
        for r in 0..3 {
            assert_ne!((0..3).filter(|&c| w[c][r]).count(), 1, "row {r}: {w:?}");
        }
        assert!(w[0][0], "the small cell is withheld");
    }

    #[test]
    fn zero_is_not_small_and_off_means_off() {
        assert_eq!(
            withheld_cells(&cells(&[&[0, 40]]), 10, Totals::Columns),
            [[false, false]]
        );
        assert_eq!(
            withheld_cells(&cells(&[&[3, 40]]), 0, Totals::Columns),
            [[false, false]]
        );
    }

    #[test]
    fn suppressed_cells_are_null_and_marked() {
        let table = df!("group" => ["A", "B", "C"], "people" => [4u32, 30, 200]).unwrap();
        let out = suppress(&table, &["people"], 10, Totals::Columns).unwrap();
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
