//! The fact sheet: press-ready sentences, each number taken from one published table cell
//! and cited with its table, row, column and query, so that a reader (and a test) can check it.

use std::path::Path;

use crate::analytics::published::{Published, TableError, busiest_county, csv_text};
use crate::charts::{group_label, title_case};

/// A number in a sentence and the cell it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Cited {
    pub table: &'static str,
    /// (key column, key value) of the row; empty for a one-row table.
    pub row: Vec<(&'static str, String)>,
    pub column: &'static str,
    /// The cell as the CSV shows it.
    pub text: String,
    pub value: f64,
}

/// One sentence of the fact sheet.
#[derive(Debug, Clone)]
pub struct Fact {
    pub sentence: String,
    pub sources: Vec<Cited>,
}

impl Fact {
    /// `tables/x.csv (row race_group = BLACK): people = 224, ...; query queries/x.sql`.
    pub fn citation(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut last: Option<(&str, &Vec<(&str, String)>)> = None;
        for cited in &self.sources {
            let place = (cited.table, &cited.row);
            if last != Some(place) {
                let row = match cited.row.is_empty() {
                    true => String::new(),
                    false => {
                        let keys: Vec<String> = cited
                            .row
                            .iter()
                            .map(|(k, v)| format!("{k} = {v}"))
                            .collect();
                        format!(", row {}", keys.join(" and "))
                    }
                };
                parts.push(format!(
                    "`tables/{}.csv`{row} (query `queries/{}.sql`):",
                    cited.table, cited.table
                ));
                last = Some(place);
            }
            parts.push(format!("{} = {};", cited.column, cited.text));
        }
        parts.join(" ").trim_end_matches(';').to_string()
    }
}

/// A row of a published table, for citing its cells.
struct Row<'a> {
    table: &'static str,
    frame: &'a Published,
    index: usize,
    key: Vec<(&'static str, String)>,
}

impl Row<'_> {
    /// The cell, or None when it is withheld.
    fn cite(&self, column: &'static str) -> Result<Option<Cited>, TableError> {
        let text = csv_text(&self.frame.frame, self.index, column).map_err(|e| TableError {
            path: self.frame.path.clone(),
            message: e.to_string(),
        })?;
        Ok(text.and_then(|text| {
            let value = text.parse::<f64>().ok()?;
            Some(Cited {
                table: self.table,
                row: self.key.clone(),
                column,
                text,
                value,
            })
        }))
    }

    /// Every cell of `columns`, or None when any is withheld (the fact is then left out).
    fn cite_all<const N: usize>(
        &self,
        columns: [&'static str; N],
    ) -> Result<Option<[Cited; N]>, TableError> {
        let mut cited = Vec::with_capacity(N);
        for column in columns {
            match self.cite(column)? {
                Some(c) => cited.push(c),
                None => return Ok(None),
            }
        }
        Ok(cited.try_into().ok())
    }
}

fn find<'a>(
    table: &'static str,
    frame: &'a Published,
    key: &'static str,
    value: &str,
) -> Result<Option<Row<'a>>, TableError> {
    let keys = frame.text(key)?;
    Ok(keys.iter().position(|k| k == value).map(|index| Row {
        table,
        frame,
        index,
        key: vec![(key, value.to_string())],
    }))
}

/// The row of `group` in the latest period of `rates_by_period` that has residents.
fn latest_period_with_residents<'a>(
    table: &'a Published,
    group: &str,
) -> Result<Option<Row<'a>>, TableError> {
    let (groups, starts, years) = (
        table.text("race_group")?,
        table.numbers("period_start")?,
        table.numbers("residents_year")?,
    );
    let latest = (0..groups.len())
        .filter(|&i| groups[i] == group && years[i].is_some())
        .max_by(|&a, &b| {
            starts[a]
                .unwrap_or(0.0)
                .total_cmp(&starts[b].unwrap_or(0.0))
        });
    Ok(latest.map(|index| Row {
        table: "rates_by_period",
        frame: table,
        index,
        key: vec![
            (
                "period_start",
                table.text("period_start").unwrap_or_default()[index].clone(),
            ),
            ("race_group", group.to_string()),
        ],
    }))
}

/// `1486` -> `1,486`.
pub fn count(v: f64) -> String {
    let digits = format!("{:.0}", v);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.2179` -> `21.8%`.
pub fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// `3.7507` -> `3.8`.
pub fn ratio(v: f64) -> String {
    format!("{v:.1}")
}

/// What the facts need to know about the run.
pub struct Setting<'a> {
    /// `San Francisco` or `all counties reviewed`.
    pub place: &'a str,
    pub flow: &'a str,
    pub baseline: &'a crate::population::Baseline,
    /// The run covers every county (`--county ALL`): shares and rates are California's.
    pub statewide: bool,
}

impl Setting<'_> {
    /// `residents of all ages in 2010 (census2010)`: whom the shares compare with.
    fn all_residents(&self) -> String {
        format!(
            "residents of all ages in {} ({})",
            self.baseline.year,
            self.baseline.label()
        )
    }

    /// Whom the rates are per: adults where the baseline has them.
    fn rate_residents(&self) -> String {
        if self.baseline.has_adults {
            format!(
                "adult residents (18 and over) in {} ({})",
                self.baseline.year,
                self.baseline.label()
            )
        } else {
            self.all_residents()
        }
    }
}

/// The first and last year of the Prop 64 convictions reviewed (`convictions_by_conviction_year`).
fn conviction_span(tables: &Path) -> Result<Option<(f64, f64)>, TableError> {
    let years =
        Published::read(tables, "convictions_by_conviction_year")?.numbers("conviction_year")?;
    let known = years.into_iter().flatten();
    Ok(known.clone().reduce(f64::min).zip(known.reduce(f64::max)))
}

/// The fact sheet of the tables in `tables`. A fact whose cells are withheld is left out.
pub fn facts(tables: &Path, setting: &Setting) -> Result<Vec<Fact>, TableError> {
    let mut facts = Vec::new();
    let headline = Published::read(tables, "headline")?;
    let row = Row {
        table: "headline",
        frame: &headline,
        index: 0,
        key: Vec::new(),
    };
    if let Some([people, convictions]) = row.cite_all(["people", "convictions"])? {
        facts.push(Fact {
            sentence: format!(
                "{} people had {} Prop 64 convictions (Health and Safety Code 11357 to 11360) \
                 in {} in the DOJ records reviewed.",
                count(people.value),
                count(convictions.value),
                setting.place
            ),
            sources: vec![people, convictions],
        });
    }
    if let Some([convictions, dismissal, reduction, review, not_eligible]) = row.cite_all([
        "convictions",
        "dismissal",
        "reduction",
        "review",
        "not_eligible",
    ])? {
        facts.push(Fact {
            sentence: format!(
                "Under the chosen flow ({}), {} of the {} convictions are eligible for \
                 dismissal and {} for reduction; {} go to review and {} are not eligible.",
                setting.flow,
                count(dismissal.value),
                count(convictions.value),
                count(reduction.value),
                count(review.value),
                count(not_eligible.value)
            ),
            sources: vec![convictions, dismissal, reduction, review, not_eligible],
        });
    }
    if let Some([people, relief, no_felony, no_conviction, recent]) = row.cite_all([
        "people",
        "some_relief",
        "no_felony_left",
        "no_conviction_left",
        "no_conviction_last_7_years",
    ])? {
        facts.push(Fact {
            sentence: format!(
                "{} of these {} people get some relief: {} are left with no felony, {} with no \
                 conviction at all, and {} with no conviction in the last 7 years.",
                count(relief.value),
                count(people.value),
                count(no_felony.value),
                count(no_conviction.value),
                count(recent.value)
            ),
            sources: vec![relief, people, no_felony, no_conviction, recent],
        });
    }
    if let Some([chosen, all, related]) = row.cite_all([
        "no_conviction_left",
        "dismiss_all_no_conviction_left",
        "dismiss_all_related_no_conviction_left",
    ])? {
        facts.push(Fact {
            sentence: format!(
                "What if: dismissing every Prop 64 conviction would leave {} people with no \
                 conviction ({} under the chosen flow); dismissing related charges too, {}.",
                count(all.value),
                count(chosen.value),
                count(related.value)
            ),
            sources: vec![all, chosen, related],
        });
    }

    let timing = Published::read(tables, "convictions_by_prop64_timing")?;
    if let Some(row) = find(
        "convictions_by_prop64_timing",
        &timing,
        "prop64_timing",
        "after 2016-11-09",
    )? && let Some([convictions, dismissal, reduction, review, not_eligible]) =
        row.cite_all([
            "convictions",
            "dismissal",
            "reduction",
            "review",
            "not_eligible",
        ])?
    {
        facts.push(Fact {
            sentence: format!(
                "{} of the Prop 64 convictions reviewed are dated after 9 November 2016, when \
                 Prop 64 passed; the chosen flow found {} of them eligible for dismissal and {} \
                 for reduction, sent {} to review and found {} not eligible.",
                count(convictions.value),
                count(dismissal.value),
                count(reduction.value),
                count(review.value),
                count(not_eligible.value)
            ),
            sources: vec![convictions, dismissal, reduction, review, not_eligible],
        });
    }

    let span = match conviction_span(tables)? {
        Some((first, last)) => format!("{first:.0} to {last:.0}"),
        None => "in any year".to_string(),
    };
    // A statewide run speaks of California, against all its residents; a county's of the county.
    let (shares, rate_table, place, whose) = if setting.statewide {
        let (s, r) = (
            "state_disparity_vs_population",
            "state_rate_ratios_vs_white",
        );
        (s, r, "California".to_string(), "the state's")
    } else {
        let (s, r) = ("disparity_vs_population", "rate_ratios_vs_white");
        (s, r, setting.place.to_string(), "the county's")
    };
    let disparity = Published::read(tables, shares)?;
    let rates = Published::read(tables, rate_table)?;
    for group in ["BLACK", "HISPANIC"] {
        let label = group_label(group);
        if let Some(row) = find(shares, &disparity, "race_group", group)?
            && let Some([share, people, low, high, residents, times]) = row.cite_all([
                "share_of_people",
                if setting.statewide {
                    "all_people"
                } else {
                    "county_people"
                },
                "share_low",
                "share_high",
                "share_of_population",
                "share_ratio",
            ])?
        {
            facts.push(Fact {
                sentence: format!(
                    "{} of the {} people with a Prop 64 conviction in {place} (race known or \
                     not) were {label} (95% interval {} to {}), against {} of {whose} {}: {} \
                     times their share.",
                    percent(share.value),
                    count(people.value),
                    percent(low.value),
                    percent(high.value),
                    percent(residents.value),
                    setting.all_residents(),
                    ratio(times.value)
                ),
                sources: vec![share, people, low, high, residents, times],
            });
        }
        if let Some(row) = find(rate_table, &rates, "race_group", group)?
            && let Some([rr, low, high, rate]) = row.cite_all([
                "rate_ratio",
                "rate_ratio_low",
                "rate_ratio_high",
                "rate_per_100k",
            ])?
        {
            facts.push(Fact {
                sentence: format!(
                    "{label} residents of {place} had a Prop 64 conviction at {} times the rate \
                     of White residents (95% interval {} to {}): {} people with a Prop 64 \
                     conviction dated {span} per 100,000 {}. This is a cumulative figure: people \
                     with a Prop 64 conviction in any of those years against the residents of one year.",
                    ratio(rr.value),
                    ratio(low.value),
                    ratio(high.value),
                    ratio(rate.value),
                    setting.rate_residents()
                ),
                sources: vec![rr, low, high, rate],
            });
        }
    }

    // Period rates are published per county: a statewide run cites its busiest county, and
    // says so.
    let county = busiest_county(tables)?.filter(|_| setting.statewide);
    let periods = Published::read(tables, "rates_by_period")?.only_county(county.as_deref())?;
    let place = match &county {
        Some(county) => format!(
            "{} (the county with the most people reviewed: period rates are published per \
             county)",
            title_case(county)
        ),
        None => place,
    };
    for group in ["BLACK", "HISPANIC"] {
        if let Some(row) = latest_period_with_residents(&periods, group)?
            && let Some([start, rr, low, high, rate, year]) = row.cite_all([
                "period_start",
                "rate_ratio",
                "rate_ratio_low",
                "rate_ratio_high",
                "rate_per_100k",
                "residents_year",
            ])?
        {
            let residents = match periods.text("residents_age")?[row.index].as_str() {
                "18+" => "adult residents (18 and over)",
                _ => "residents of all ages",
            };
            let vintage = &periods.text("residents_vintage")?[row.index];
            facts.push(Fact {
                sentence: format!(
                    "In the five years from {}, {} residents of {place} had a Prop 64 \
                     conviction dated in those years at {} times the rate of White residents \
                     (95% interval {} to {}): {} people per 100,000 {residents} in {} \
                     ({vintage}).",
                    start.text,
                    group_label(group),
                    ratio(rr.value),
                    ratio(low.value),
                    ratio(high.value),
                    ratio(rate.value),
                    year.text
                ),
                sources: vec![start, rr, low, high, rate, year],
            });
        }
    }

    let by_race = Published::read(tables, "convictions_by_race")?;
    if let Some(row) = find("convictions_by_race", &by_race, "race_group", "UNKNOWN")?
        && let Some([people]) = row.cite_all(["people"])?
    {
        facts.push(Fact {
            sentence: format!(
                "{} people had a race code that the race mapping does not place in a census \
                 group; they are counted as UNKNOWN and left out of the shares and rates.",
                count(people.value)
            ),
            sources: vec![people],
        });
    }
    Ok(facts)
}
