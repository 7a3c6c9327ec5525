//! What `clearstat query` may read: the run's tables, nothing else. Polars SQL has table
//! functions (`read_parquet('http://...')`, `read_csv('/etc/...')`) that would open a file or
//! a network connection; a query naming anything but the run's tables and its own common
//! table expressions, or that is not a single SELECT, is refused before Polars sees it.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Query, Statement, TableFactor, Visit, Visitor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::QueryError;

/// The run's tables `clearstat query` registers, beside the views of `queries/views/`.
const RUN_TABLES: [&str; 4] = ["convictions", "subjects", "baseline", "population"];

/// Every table `clearstat query` registers: the run's and the views.
pub fn tables() -> Vec<&'static str> {
    let views = super::tables::VIEWS.iter().map(|(name, _)| *name);
    RUN_TABLES.iter().copied().chain(views).collect()
}

/// The relations a query reads, and whether it calls a table function.
#[derive(Default)]
struct Reads {
    ctes: BTreeSet<String>,
    relations: Vec<String>,
    functions: bool,
}

impl Visitor for Reads {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        for cte in query.with.iter().flat_map(|w| &w.cte_tables) {
            self.ctes.insert(cte.alias.name.value.to_lowercase());
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        match factor {
            TableFactor::Table { name, args, .. } => {
                self.functions |= args.is_some();
                self.relations.push(name.to_string().to_lowercase());
            }
            TableFactor::TableFunction { .. } | TableFactor::Function { .. } => {
                self.functions = true
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Ok when `sql` is one SELECT over the run's tables; a query Polars would not parse either is
/// left to Polars (its message is the better one).
pub fn only_run_tables(sql: &str) -> Result<(), QueryError> {
    let Ok(statements) = Parser::parse_sql(&GenericDialect {}, sql) else {
        return Ok(());
    };
    let refused = |what: String| QueryError::Refused { what };
    let [Statement::Query(query)] = &statements[..] else {
        return Err(refused("a statement other than one SELECT".into()));
    };
    let mut reads = Reads::default();
    let _ = query.visit(&mut reads);
    if reads.functions {
        return Err(refused(
            "a table function (it could open a file or a URL)".into(),
        ));
    }
    let tables = tables();
    let known = |r: &String| tables.contains(&r.as_str()) || reads.ctes.contains(r);
    match reads.relations.iter().find(|r| !known(r)) {
        Some(other) => Err(refused(format!(
            "'{other}', which is not one of the run's tables"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_query_reads_only_what_query_registers() {
        for (name, sql) in crate::analytics::tables::BUNDLED {
            assert!(only_run_tables(sql).is_ok(), "{name}");
        }
    }

    #[test]
    fn the_runs_tables_and_ctes_pass_and_anything_else_is_refused() {
        for sql in [
            "select * from convictions",
            "with x as (select * from reviewed) select count(*) from x join baseline using (county)",
            "select (select count(*) from subjects) as n from population",
            "select * from period_residents join period_rates using (period_start)",
        ] {
            assert!(only_run_tables(sql).is_ok(), "{sql}");
        }
        for sql in [
            "select * from read_parquet('http://127.0.0.1:9/x.parquet')",
            "select * from read_csv('/etc/passwd')",
            "select * from convictions where subject_id in (select id from read_json('x.json'))",
            "select * from '/tmp/x.parquet'",
            "select * from other_table",
            "drop table convictions",
            "select 1; select * from read_parquet('x')",
        ] {
            let refused = only_run_tables(sql).unwrap_err().to_string();
            assert!(refused.contains("refused"), "{sql}: {refused}");
        }
    }
}
