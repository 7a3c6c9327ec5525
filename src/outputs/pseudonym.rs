//! `--pseudonymize`: what the row-level outputs (gogen/, convictions.parquet,
//! subjects.parquet, rejected_rows.csv) hide, column by column, as the layout declares each
//! column (`crate::ingest::layout`): its role, and whether clearstat reads it.
//!
//! - an **identifier** becomes a keyed pseudonym: HMAC-SHA-256 of the trimmed value under a
//!   key the office keeps (a file or the `CLEARSTAT_PSEUDONYM_KEY` environment variable,
//!   never written anywhere). The same value gets the same pseudonym in every run with the
//!   same key, so outputs still join, and nobody without the key can recover an identifier
//!   or confirm a guess;
//! - **free text** is withheld ([`WITHHELD`]): it may hold names;
//! - a **quasi-identifier or date of birth clearstat does not read** is withheld: no
//!   decision needs it;
//! - one it reads is kept, so that each decision can still be checked (a date of birth cut
//!   to its year with `--birth-year-only`);
//! - everything else is kept.

use std::borrow::Cow;
use std::collections::HashMap;

use hmac::{Hmac, Mac};
use polars::prelude::*;
use sha2::Sha256;

use crate::ingest::layout::{DojColumn, LAYOUT, Role};
use crate::normalize::columns as c;
use crate::normalize::offense;

/// The environment variable that may hold the key.
pub const KEY_VARIABLE: &str = "CLEARSTAT_PSEUDONYM_KEY";
/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;
/// What a withheld cell holds.
pub const WITHHELD: &str = "(withheld: --pseudonymize)";
/// How `case_number` joins the OFNs of one case (each becomes its own pseudonym, so a case
/// number still matches the OFN cells it lists).
const CASE_NUMBER_SEPARATOR: &str = "; ";

/// HMAC-SHA-256 keyed with `key` (any length: HMAC takes every key).
fn keyed(key: &[u8]) -> Hmac<Sha256> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// A cell with nothing in it: blank, or DOJ's `-` placeholder. Kept as it is.
fn is_blank(value: &str) -> bool {
    matches!(value.trim(), "" | "-")
}

/// Keyed pseudonyms (HMAC-SHA-256, RFC 2104, from RustCrypto's `hmac`), and the other
/// replacements of `--pseudonymize`.
#[derive(Clone)]
pub struct Pseudonymizer {
    /// The MAC keyed once; each pseudonym clones it.
    keyed: Hmac<Sha256>,
    /// `--birth-year-only`: dates of birth cut to the year.
    birth_year_only: bool,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(key withheld)")
    }
}

impl Pseudonymizer {
    /// A pseudonymizer for `key` (at least [`MIN_KEY_BYTES`] bytes).
    pub fn new(key: &[u8]) -> Result<Pseudonymizer, String> {
        if key.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the pseudonym key is {} bytes; use at least {MIN_KEY_BYTES} random bytes",
                key.len()
            ));
        }
        Ok(Pseudonymizer {
            keyed: keyed(key),
            birth_year_only: false,
        })
    }

    /// Dates of birth cut to the year as well.
    pub fn with_birth_year_only(mut self, birth_year_only: bool) -> Self {
        self.birth_year_only = birth_year_only;
        self
    }

    /// Whether dates of birth are cut to the year.
    pub fn birth_year_only(&self) -> bool {
        self.birth_year_only
    }

    fn mac(&self, value: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// `P` and 20 hex digits (80 bits) of the keyed hash of the trimmed value (padding must
    /// not change a pseudonym); a blank value stays as it is.
    pub fn pseudonym(&self, value: &str) -> String {
        if is_blank(value) {
            return value.to_string();
        }
        let mac = self.mac(value.trim().as_bytes());
        let mut out = String::with_capacity(21);
        out.push('P');
        for b in &mac[..10] {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// The cell of DOJ column `index` as the row-level outputs show it.
    pub fn cell<'a>(&self, index: usize, value: &'a str) -> Cow<'a, str> {
        match Treatment::of(&LAYOUT[index]) {
            Treatment::Pseudonym => Cow::Owned(self.pseudonym(value)),
            Treatment::Withheld => withheld(value),
            Treatment::BirthYear if self.birth_year_only && !is_blank(value) => {
                Cow::Owned(birth_year(value).unwrap_or(WITHHELD).to_string())
            }
            Treatment::BirthYear | Treatment::Kept => Cow::Borrowed(value),
        }
    }

    /// A `; `-joined list of identifiers, each replaced by its pseudonym.
    pub fn pseudonym_list(&self, values: &str) -> String {
        values
            .split(CASE_NUMBER_SEPARATOR)
            .map(|value| self.pseudonym(value))
            .collect::<Vec<_>>()
            .join(CASE_NUMBER_SEPARATOR)
    }

    /// Replaces every value of the text column `name` of `frame` by `replace(value)`,
    /// computed once per distinct value.
    fn map_column(
        &self,
        frame: &mut DataFrame,
        name: &str,
        replace: impl Fn(&str) -> String,
    ) -> PolarsResult<()> {
        let column = frame.column(name)?.cast(&DataType::String)?;
        let mut seen: HashMap<&str, String> = HashMap::new();
        let replaced: StringChunked = column
            .str()?
            .iter()
            .map(|v| v.map(|v| seen.entry(v).or_insert_with(|| replace(v)).clone()))
            .collect();
        frame.with_column(replaced.with_name(name.into()).into_column())?;
        Ok(())
    }

    /// Applies `--pseudonymize` to a row-level table (the conviction or the subject table):
    /// each column copied from a DOJ column ([`c::FROM_DOJ`]) as that column's declaration says.
    pub fn protect(&self, frame: &mut DataFrame) -> PolarsResult<()> {
        for &(name, index) in &c::FROM_DOJ {
            if frame.column(name).is_err() {
                continue;
            }
            match Treatment::of(&LAYOUT[index]) {
                Treatment::Pseudonym if name == c::CASE_NUMBER => {
                    self.map_column(frame, name, |v| self.pseudonym_list(v))?
                }
                Treatment::Pseudonym => self.map_column(frame, name, |v| self.pseudonym(v))?,
                Treatment::Withheld => self.map_column(frame, name, |v| withheld(v).into())?,
                Treatment::BirthYear if self.birth_year_only => {
                    let year = frame.column(name)?.as_materialized_series().year()?;
                    frame.replace(name, year.into_column())?;
                    frame.rename(name, c::birth_year_of(name).into())?;
                }
                Treatment::BirthYear | Treatment::Kept => {}
            }
        }
        self.protect_code_section(frame)
    }

    /// A code section the rules read from free text (DOJ's `SEE COMMENT FOR CHARGE`) is
    /// kept only when it starts as a code section does, with a digit: what a clerk typed
    /// before the first `-` could be a name.
    fn protect_code_section(&self, frame: &mut DataFrame) -> PolarsResult<()> {
        if frame.column(c::CODE_SECTION).is_err() || frame.column(c::OFFENSE_DESCR).is_err() {
            return Ok(());
        }
        let section = col(c::CODE_SECTION);
        let typed = section.clone().str().contains(lit(r"^\s*[0-9]"), false);
        let read_from_comment = offense::reads_comment(col(c::OFFENSE_DESCR).fill_null(lit("")));
        *frame = std::mem::take(frame)
            .lazy()
            .with_column(
                when(
                    read_from_comment
                        .and(typed.not())
                        .and(section.clone().is_not_null()),
                )
                .then(lit(WITHHELD))
                .otherwise(section)
                .alias(c::CODE_SECTION),
            )
            .collect()?;
        Ok(())
    }
}

/// What `--pseudonymize` does to a DOJ column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    Pseudonym,
    Withheld,
    /// Kept; cut to the year with `--birth-year-only`.
    BirthYear,
    Kept,
}

impl Treatment {
    /// The treatment of `column`, from its role and whether clearstat reads it.
    pub fn of(column: &DojColumn) -> Treatment {
        match column.role {
            Role::Identifier => Treatment::Pseudonym,
            Role::FreeText => Treatment::Withheld,
            Role::DateOfBirth | Role::QuasiIdentifier if !column.is_read() => Treatment::Withheld,
            Role::DateOfBirth => Treatment::BirthYear,
            Role::QuasiIdentifier | Role::Other => Treatment::Kept,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Treatment::Pseudonym => "keyed pseudonym",
            Treatment::Withheld => "withheld",
            Treatment::BirthYear => "kept (the year only with `--birth-year-only`)",
            Treatment::Kept => "kept",
        }
    }
}

/// A cell withheld: [`WITHHELD`], or the blank it was.
fn withheld(value: &str) -> Cow<'_, str> {
    if is_blank(value) {
        Cow::Borrowed(value)
    } else {
        Cow::Borrowed(WITHHELD)
    }
}

/// The layout as a Markdown table: each column with its role, whether clearstat reads it and
/// what `--pseudonymize` does to it (`clearstat columns`, and the README's copy of it).
pub fn columns_table() -> String {
    let mut out = String::from(
        "| # | DOJ column | role | read by clearstat | with `--pseudonymize` |\n\
         |---:|---|---|---|---|\n",
    );
    for (i, column) in LAYOUT.iter().enumerate() {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            i + 1,
            column.name,
            column.role.label(),
            if column.is_read() { "yes" } else { "" },
            Treatment::of(column).label(),
        ));
    }
    out
}

/// The year of a DOJ date of birth (`YYYYMMDD`), or `None` when it is not one.
fn birth_year(value: &str) -> Option<&str> {
    let value = value.trim();
    (value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit())).then(|| &value[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every HMAC-SHA-256 test case of RFC 4231 (case 5 compares the first 128 bits).
    #[test]
    fn hmac_sha256_matches_every_rfc_4231_case() {
        let text = |t: &str| t.as_bytes().to_vec();
        let big = "Test Using Larger Than Block-Size Key - Hash Key First";
        let long = "This is a test using a larger than block-size key and a larger than \
                    block-size data. The key needs to be hashed before being used by the HMAC \
                    algorithm.";
        let cases: [(Vec<u8>, Vec<u8>, &str); 7] = [
            (
                vec![0x0b; 20],
                text("Hi There"),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                text("Jefe"),
                text("what do ya want for nothing?"),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                vec![0xaa; 20],
                vec![0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            (
                (1..=25).collect(),
                vec![0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                vec![0x0c; 20],
                text("Test With Truncation"),
                "a3b6167473100ee06e0c796c2955552b",
            ),
            (
                vec![0xaa; 131],
                text(big),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                vec![0xaa; 131],
                text(long),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (i, (key, data, expected)) in cases.iter().enumerate() {
            let mut mac = keyed(key);
            mac.update(data);
            let hex: String = mac
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                &hex[..expected.len()],
                *expected,
                "RFC 4231 test case {}",
                i + 1
            );
        }
    }

    /// Pseudonyms of earlier runs must still join: these were made by the hand-written HMAC
    /// of 2026-11 and checked with Python's `hmac` module.
    #[test]
    fn pseudonyms_stay_what_they_were() {
        let p = Pseudonymizer::new(b"0123456789abcdef").unwrap();
        assert_eq!(p.pseudonym("10000001"), "P6ec25245f83bca33ae9c");
        assert_eq!(p.pseudonym("DOE,JANE"), "P6348029b5cd0f913decb");
        assert_eq!(p.pseudonym("123-45-6789"), "P249d675a58148e16b879");
    }

    #[test]
    fn pseudonyms_are_keyed_stable_and_short_keys_refused() {
        let a = Pseudonymizer::new(b"0123456789abcdef").unwrap();
        let b = Pseudonymizer::new(b"0123456789abcdeX").unwrap();
        assert_eq!(a.pseudonym("10000001"), a.pseudonym("10000001"));
        assert_ne!(a.pseudonym("10000001"), b.pseudonym("10000001"));
        assert_ne!(a.pseudonym("10000001"), a.pseudonym("10000002"));
        assert_eq!(a.pseudonym("10000001").len(), 21);
        assert_eq!(a.pseudonym(""), "");
        assert!(Pseudonymizer::new(b"short").is_err());
        assert_eq!(format!("{a:?}"), "Pseudonymizer(key withheld)");
    }
}
