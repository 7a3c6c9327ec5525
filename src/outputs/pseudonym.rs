//! `--pseudonymize`: identifiers in row-level outputs replaced by keyed pseudonyms.
//!
//! A pseudonym is HMAC-SHA-256 of the value under a key the office keeps (a file or the
//! `CLEARSTAT_PSEUDONYM_KEY` environment variable, never written anywhere): the same person
//! gets the same pseudonym in every run with the same key, so outputs still join, and nobody
//! without the key can recover an identifier or confirm a guess.

use std::collections::HashMap;

use polars::prelude::*;
use sha2::{Digest, Sha256};

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

/// Keyed pseudonyms (HMAC-SHA-256, RFC 2104).
#[derive(Clone)]
pub struct Pseudonymizer {
    inner_pad: [u8; 64],
    outer_pad: [u8; 64],
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
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        Ok(Pseudonymizer {
            inner_pad: block.map(|b| b ^ 0x36),
            outer_pad: block.map(|b| b ^ 0x5c),
        })
    }

    fn mac(&self, value: &[u8]) -> [u8; 32] {
        let inner = Sha256::new()
            .chain_update(self.inner_pad)
            .chain_update(value)
            .finalize();
        Sha256::new()
            .chain_update(self.outer_pad)
            .chain_update(inner)
            .finalize()
            .into()
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

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231, test case 2 uses a 4-byte key; case 6 (131 bytes) exercises hashing.
        let key = [0xaa_u8; 131];
        let p = Pseudonymizer::new(&key).unwrap();
        let mac = p.mac(b"Test Using Larger Than Block-Size Key - Hash Key First");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
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
