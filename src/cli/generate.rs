use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

use super::UsageError;
use crate::generate::{self, DEFAULT_OVERREPRESENTATION, GenerateConfig};
use crate::population::GROUPS;

/// Write a synthetic DOJ research file (deterministic: same arguments, same bytes).
///
/// The file has a header and exactly --rows data rows in the 95-column research-file layout,
/// written as a stream (constant memory at any size). The model:
///   - people spread over the counties in proportion to the 2020 census;
///   - race/ethnicity drawn from the county's census groups, weighted by a drug-arrest
///     over-representation factor per group (default HISPANIC=1.5 WHITE=1 BLACK=4
///     AMERICAN_INDIAN=1.5 ASIAN=0.3 PACIFIC_ISLANDER=1 OTHER_OR_MULTI=1); 80% men;
///   - births 1930-2005, first arrest at 14-40, about 3 arrest cycles each (gaps of ~2.5
///     years), none after 2024;
///   - every person has a Prop 64 charge; arrest and court rows per count with consistent
///     CNT_ORDER (cycle, step, count); convictions (65% of adult counts, 10% of minors')
///     with sentences, some split over 2-3 rows; related charges, other offences,
///     superstrikes, PC 290 offences with REGISTRATION steps, DECEASED steps;
///   - what real extracts hold: SEE COMMENT FOR CHARGE, blank CONV_STAT_DESCR with TOC F,
///     padded values, "  -  " placeholders, blank and YYYY0000 dates of birth;
///   - one person in 10 arrested again for the same Prop 64 offence in each later cycle;
///   - every identifier column filled (see `clearstat columns`), each made-up value but the
///     subject id and the OFN starting with FAKE- so that a test can find it in any output.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  clearstat generate --rows 20000 --seed 64 --county 'SAN FRANCISCO' --county 'LOS ANGELES' --out sample.csv
  clearstat generate --rows 1000000 --seed 1 --out big.csv
  clearstat generate --rows 5000 --seed 2 --messy 0.01 --out messy.csv")]
pub struct Args {
    /// Data rows to write.
    #[arg(long)]
    rows: u64,
    /// Seed of the random generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Draw people from this county only (repeat for several). Default: all 58.
    #[arg(long = "county", value_name = "NAME")]
    counties: Vec<String>,
    /// Multiply a county's share of people by FACTOR, as COUNTY=FACTOR (repeatable).
    #[arg(long = "county-weight", value_name = "COUNTY=FACTOR")]
    county_weights: Vec<String>,
    /// Share of malformed rows (0 to 1), for testing the reject path.
    #[arg(long, default_value_t = 0.0)]
    messy: f64,
    /// Over-representation factor of a group, as GROUP=FACTOR (repeatable).
    #[arg(long = "overrepresentation", value_name = "GROUP=FACTOR")]
    overrepresentation: Vec<String>,
    /// Write every field the model leaves empty as DOJ's placeholder "  -  " (quoted), as
    /// gogen's generator and some extracts do: about 800 bytes a row instead of 450. Same
    /// people and records as without.
    #[arg(long)]
    padded: bool,
    /// File to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

fn factors(settings: &[String]) -> Result<[f64; 7], UsageError> {
    let mut factors = DEFAULT_OVERREPRESENTATION;
    for setting in settings {
        let (group, factor) = setting.split_once('=').ok_or_else(|| {
            UsageError(format!(
                "--overrepresentation '{setting}': use GROUP=FACTOR"
            ))
        })?;
        let group = group.trim().to_uppercase();
        let index = GROUPS.iter().position(|g| *g == group).ok_or_else(|| {
            UsageError(format!(
                "unknown group '{group}': use one of {}",
                GROUPS.join(", ")
            ))
        })?;
        factors[index] = factor.trim().parse().map_err(|_| {
            UsageError(format!(
                "--overrepresentation '{setting}': FACTOR must be a number"
            ))
        })?;
    }
    Ok(factors)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = GenerateConfig {
        rows: args.rows,
        seed: args.seed,
        counties: args
            .counties
            .iter()
            .map(|c| c.trim().to_uppercase())
            .collect(),
        messy: args.messy,
        padded: args.padded,
        overrepresentation: factors(&args.overrepresentation)?,
        county_weights: args
            .county_weights
            .iter()
            .map(|setting| {
                let (county, factor) = setting
                    .split_once('=')
                    .and_then(|(c, f)| Some((c.trim().to_uppercase(), f.trim().parse().ok()?)))
                    .ok_or_else(|| {
                        UsageError(format!(
                            "--county-weight '{setting}': use COUNTY=FACTOR, e.g. 'SAN FRANCISCO=12'"
                        ))
                    })?;
                Ok((county, factor))
            })
            .collect::<Result<_, UsageError>>()?,
    };
    generate::validate(&config)?;
    let started = Instant::now();
    let out = &args.out;
    crate::outputs::write_atomically(out, |writer| {
        generate::generate(&config, &mut BufWriter::new(writer))
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    if !args.quiet {
        eprintln!(
            "wrote {} rows to {} in {:.1} s",
            config.rows,
            out.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
