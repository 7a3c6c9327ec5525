use std::io::Write;

use crate::outputs::pseudonym;

/// List the 95 DOJ columns: what each says about a person, and what --pseudonymize does
///
/// A Markdown table: each column's role (identifier, date of birth, quasi-identifier, free
/// text, other), whether clearstat reads it, and what `clearstat run --pseudonymize` does to
/// it in the row-level outputs. The README's table of columns is this output.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    std::io::stdout()
        .lock()
        .write_all(pseudonym::columns_table().as_bytes())?;
    Ok(())
}
