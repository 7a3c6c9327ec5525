//! Arithmetic modulo the prime 2^61 - 1, for the exact linear algebra of suppression: a
//! linear combination that exists over the rationals exists modulo the prime, so a check done
//! modulo it misses no recoverable count (it could at worst, with a chance of about 2^-61 per
//! check, see one that is not, and withhold a cell more).

/// 2^61 - 1.
pub const P: u64 = (1 << 61) - 1;

/// `a * b` modulo [`P`].
pub fn mul(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) % P as u128) as u64
}

/// The inverse of `a` (not zero) modulo [`P`]: `a^(P-2)` (Fermat).
pub fn inverse(a: u64) -> u64 {
    let (mut base, mut exp, mut out) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            out = mul(out, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverses_multiply_to_one() {
        for a in [1, 2, 3, 12345, P - 1] {
            assert_eq!(mul(a, inverse(a)), 1);
        }
    }
}
