//! `--pseudonymize`: identifiers in row-level outputs replaced by keyed pseudonyms.
//!
//! A pseudonym is HMAC-SHA-256 of the value under a key the office keeps (a file or the
//! `CLEARSTAT_PSEUDONYM_KEY` environment variable, never written anywhere): the same person
//! gets the same pseudonym in every run with the same key, so outputs still join, and nobody
//! without the key can recover an identifier or confirm a guess.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use polars::prelude::*;
use sha2::Sha256;

use crate::ingest::layout::col as doj;

/// The environment variable that may hold the key.
pub const KEY_VARIABLE: &str = "CLEARSTAT_PSEUDONYM_KEY";
/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;
/// The DOJ columns replaced in the gogen bundle: the person's identifiers and name.
pub const DOJ_IDENTIFIERS: [usize; 6] = [
    doj::SUBJECT_ID,
    doj::REQ_CII_NUMBER,
    doj::CII_NUMBER,
    doj::PRI_NAME,
    doj::PRI_SSN,
    doj::FBI_NUMBER,
];

/// HMAC-SHA-256 keyed with `key` (any length: HMAC takes every key).
fn keyed(key: &[u8]) -> Hmac<Sha256> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// Keyed pseudonyms (HMAC-SHA-256, RFC 2104, from RustCrypto's `hmac`).
#[derive(Clone)]
pub struct Pseudonymizer {
    /// The MAC keyed once; each pseudonym clones it.
    keyed: Hmac<Sha256>,
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
        Ok(Pseudonymizer { keyed: keyed(key) })
    }

    fn mac(&self, value: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// `P` and 20 hex digits (80 bits) of the keyed hash; an empty value stays empty.
    pub fn pseudonym(&self, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        let mac = self.mac(value.as_bytes());
        let mut out = String::with_capacity(21);
        out.push('P');
        for b in &mac[..10] {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// Replaces every value of the text column `name` of `frame` by its pseudonym.
    pub fn replace_column(&self, frame: &mut DataFrame, name: &str) -> PolarsResult<()> {
        let column = frame.column(name)?.cast(&DataType::String)?;
        let mut seen: HashMap<&str, String> = HashMap::new();
        let replaced: StringChunked = column
            .str()?
            .iter()
            .map(|v| v.map(|v| seen.entry(v).or_insert_with(|| self.pseudonym(v)).clone()))
            .collect();
        frame.with_column(replaced.with_name(name.into()).into_column())?;
        Ok(())
    }
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
