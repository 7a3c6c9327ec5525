use crate::eligibility::{self, condition::VOCABULARY};
use std::io::Write;

/// List the built-in flows with their rules, in order, in words.
///
/// A flow is an ordered list of rules: the first rule whose conditions all hold decides a
/// conviction (determination and reason). Only convictions in the county under review are
/// decided: Prop 64 convictions, or also related charges (scope prop64_and_related).
///
/// A flow of your own is a JSON file given to `clearstat run --flow-file`:
///   {"name": "my-county", "description": "...", "scope": "prop64",
///    "rules": [{"when": ["misdemeanor"], "determination": "Eligible for Dismissal",
///               "reason": "Misdemeanor or Infraction"},
///              {"when": ["felony", "age_at_least:50"], "determination": "Eligible for Dismissal",
///               "reason": "50 years or older"}],
///    "otherwise": {"determination": "Hand Review", "reason": "No applicable criteria"}}
///
/// Determinations: Eligible for Dismissal, Eligible for Reduction, Not eligible, Hand Review,
/// Maybe Eligible - Flag for Review, To be reviewed by City Attorneys, No determination.
/// Conditions are listed by `clearstat flows --conditions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  clearstat flows
  clearstat flows los-angeles
  clearstat flows --conditions")]
pub struct Args {
    /// Show only this flow.
    name: Option<String>,
    /// List the condition vocabulary of flow files instead.
    #[arg(long)]
    conditions: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.conditions {
        for (name, meaning) in VOCABULARY {
            writeln!(std::io::stdout().lock(), "{name:<32} {meaning}")?;
        }
        return Ok(());
    }
    let names = match &args.name {
        Some(name) => vec![name.as_str()],
        None => eligibility::built_in_names(),
    };
    for name in names {
        let flow = eligibility::built_in(name)?.ok_or_else(|| {
            super::UsageError(format!(
                "unknown flow '{name}'. Run `clearstat flows` to list flows."
            ))
        })?;
        writeln!(std::io::stdout().lock(), "{}", flow.describe())?;
    }
    Ok(())
}
