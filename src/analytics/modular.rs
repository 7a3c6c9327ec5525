//! Arithmetic modulo the prime 2^61 - 1, for the exact linear algebra of suppression: a
//! linear combination that exists over the rationals exists modulo the prime, so a check done
//! modulo it misses no recoverable count (it could at worst, with a chance of about 2^-61 per
//! check, see one that is not, and withhold a cell more).

/// 2^61 - 1.
pub const P: u64 = (1 << 61) - 1;

/// `a * b` modulo [`P`], for `a` and `b` below it. A Mersenne prime needs no division:
/// 2^61 is 1 modulo P, so the high bits of the product fold onto the low ones (a `u128`
/// remainder took most of the exact check's time).
pub fn mul(a: u64, b: u64) -> u64 {
    let product = a as u128 * b as u128;
    let folded = (product as u64 & P) + (product >> 61) as u64;
    if folded >= P { folded - P } else { folded }
}

/// `a + b` modulo [`P`], for values below it.
pub fn add(a: u64, b: u64) -> u64 {
    let sum = a + b;
    if sum >= P { sum - P } else { sum }
}

/// `a - b` modulo [`P`], for values below it.
pub fn sub(a: u64, b: u64) -> u64 {
    if a >= b { a - b } else { a + P - b }
}

/// `x - c * r` modulo [`P`], for values below it: one step of row reduction.
pub fn sub_mul(x: u64, c: u64, r: u64) -> u64 {
    sub(x, mul(c, r))
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
    fn folding_agrees_with_the_remainder() {
        let edges = [0, 1, 2, (1 << 32) + 7, 1 << 60, P - 2, P - 1];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut values: Vec<u64> = edges.to_vec();
        for _ in 0..200 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            values.push(state % P);
        }
        let remainder = |v: u128| (v % P as u128) as u64;
        for &a in &values {
            for &b in &values[..20] {
                assert_eq!(mul(a, b), remainder(a as u128 * b as u128), "{a} * {b}");
                assert_eq!(add(a, b), remainder(a as u128 + b as u128), "{a} + {b}");
                let square = remainder(b as u128 * b as u128) as u128;
                let expected = remainder(a as u128 + P as u128 - square);
                assert_eq!(sub_mul(a, b, b), expected, "{a} - {b}^2");
            }
        }
    }

    #[test]
    fn inverses_multiply_to_one() {
        for a in [1, 2, 3, 12345, P - 1] {
            assert_eq!(mul(a, inverse(a)), 1);
        }
    }
}
