//! The separators of a plain one-line record, found a block of bytes at a time.
//!
//! Almost every DOJ record is one line whose only quoted field is the name. The
//! field-by-field check of [`super::records`] makes a search call per field (95 per row);
//! here each 64-byte block is compared with `,` and `"` at once and the separators are read
//! off the bits. Anything but plain quoting is left to that check, which names the problem.

/// Bits of one block: where it holds a comma, and where a quote.
#[cfg(target_arch = "x86_64")]
#[inline]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let (mut commas, mut quotes) = (0u64, 0u64);
    // SAFETY: SSE2 is part of every x86_64 processor, and each unaligned 16-byte load reads
    // inside `block` (offsets 0, 16, 32 and 48 of 64 bytes).
    unsafe {
        let (comma, quote) = (_mm_set1_epi8(b',' as i8), _mm_set1_epi8(b'"' as i8));
        for k in 0..4 {
            let bytes = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            let bits = |needle| u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, needle)) as u16);
            commas |= bits(comma) << (16 * k);
            quotes |= bits(quote) << (16 * k);
        }
    }
    (commas, quotes)
}

/// Bits of one block: where it holds a comma, and where a quote.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    let (mut commas, mut quotes) = (0u64, 0u64);
    for (i, &b) in block.iter().enumerate() {
        commas |= u64::from(b == b',') << i;
        quotes |= u64::from(b == b'"') << i;
    }
    (commas, quotes)
}

fn push_bits(mut bits: u64, base: usize, out: &mut Vec<usize>) {
    while bits != 0 {
        out.push(base + bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

/// Finds the offsets of the separators of `body` (one line, its line end excluded) into
/// `commas`, when its quoting is plain: every quoted field opens at a field start, closes
/// before a separator or the end of the line, and holds quotes only doubled. False when
/// it is not (a quoted field still open at the end goes on to the next line). `quotes` is a
/// buffer for the quotes' offsets.
pub fn split_plain(body: &[u8], commas: &mut Vec<usize>, quotes: &mut Vec<usize>) -> bool {
    commas.clear();
    quotes.clear();
    let (blocks, rest) = body.as_chunks::<64>();
    for (i, block) in blocks.iter().enumerate() {
        let (c, q) = masks(block);
        push_bits(c, i * 64, commas);
        push_bits(q, i * 64, quotes);
    }
    if !rest.is_empty() {
        let mut last = [0u8; 64];
        last[..rest.len()].copy_from_slice(rest);
        let (c, q) = masks(&last);
        push_bits(c, blocks.len() * 64, commas);
        push_bits(q, blocks.len() * 64, quotes);
    }
    let mut j = 0;
    while let Some(&open) = quotes.get(j) {
        if open > 0 && body[open - 1] != b',' {
            return false;
        }
        j += 1;
        let close = loop {
            let Some(&quote) = quotes.get(j) else {
                return false;
            };
            if quotes.get(j + 1) == Some(&(quote + 1)) {
                j += 2;
            } else {
                j += 1;
                break quote;
            }
        };
        if close + 1 < body.len() && body[close + 1] != b',' {
            return false;
        }
        // Separators inside the quoted field are text.
        let from = commas.partition_point(|&c| c < open);
        let to = commas.partition_point(|&c| c < close);
        commas.drain(from..to);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(body: &str) -> Option<Vec<usize>> {
        let (mut commas, mut quotes) = (Vec::new(), Vec::new());
        split_plain(body.as_bytes(), &mut commas, &mut quotes).then_some(commas)
    }

    #[test]
    fn separators_outside_quotes_over_several_blocks() {
        let long = "x".repeat(70);
        let fields = [
            "a",
            "\"b,c\"",
            &long,
            "\"\"",
            "\"d\"\"e,\"\"\"",
            "",
            "\"\"\"\"",
        ];
        let mut expected = Vec::new();
        let mut at = 0;
        for field in &fields[..fields.len() - 1] {
            at += field.len();
            expected.push(at);
            at += 1;
        }
        assert_eq!(split(&fields.join(",")), Some(expected));
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split(&",".repeat(200)).map(|c| c.len()), Some(200));
    }

    #[test]
    fn anything_but_plain_quoting_is_left_to_the_full_check() {
        for body in [
            "a\"b,c",
            "\"a\"b,c",
            "\"a,b",
            "\"a\"\",b",
            "x,\"a\" ,b",
            "\"a\"\r",
        ] {
            assert_eq!(split(body), None, "{body:?}");
        }
    }
}
