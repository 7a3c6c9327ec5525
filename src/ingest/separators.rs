//! The separators of a plain one-line record, found a block of bytes at a time.
//!
//! Almost every DOJ record is one line whose quoted fields are simple: the name, and in
//! padded extracts every empty field as `"  -  "`. The field-by-field check of
//! [`super::records`] makes a search call per field (95 per row); here each 64-byte block is
//! compared with `,`, `"`, NUL and the high bit at once, and everything is read off the bits:
//! which bytes lie inside quotes (the running parity of the quotes, as parallel CSV readers
//! compute it), which commas separate, whether every quote stands where plain quoting puts
//! it. Anything but plain quoting is left to that check, which names the problem.
//!
//! Three ways to make the bits, chosen once per call: AVX2 where the processor has it (checked
//! at run time), SSE2 (every x86_64), and plain code elsewhere. Tests compare them.

/// Bits of one 64-byte block, bit `i` standing for byte `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Masks {
    commas: u64,
    quotes: u64,
    /// NUL bytes and bytes of 0x80 or more: text that needs the full check of its bytes.
    unusual: u64,
}

#[cfg(any(test, not(target_arch = "x86_64")))]
fn masks_scalar(block: &[u8; 64]) -> Masks {
    let mut m = Masks {
        commas: 0,
        quotes: 0,
        unusual: 0,
    };
    for (i, &b) in block.iter().enumerate() {
        m.commas |= u64::from(b == b',') << i;
        m.quotes |= u64::from(b == b'"') << i;
        m.unusual |= u64::from(b == 0 || b >= 0x80) << i;
    }
    m
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks_sse2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    let mut m = Masks {
        commas: 0,
        quotes: 0,
        unusual: 0,
    };
    // SAFETY: SSE2 is part of every x86_64 processor, and each unaligned 16-byte load reads
    // inside `block` (offsets 0, 16, 32 and 48 of 64 bytes).
    unsafe {
        let (comma, quote, nul) = (
            _mm_set1_epi8(b',' as i8),
            _mm_set1_epi8(b'"' as i8),
            _mm_setzero_si128(),
        );
        for k in 0..4 {
            let bytes = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            let bits = |v| u64::from(_mm_movemask_epi8(v) as u16) << (16 * k);
            m.commas |= bits(_mm_cmpeq_epi8(bytes, comma));
            m.quotes |= bits(_mm_cmpeq_epi8(bytes, quote));
            m.unusual |= bits(_mm_or_si128(_mm_cmpeq_epi8(bytes, nul), bytes));
        }
    }
    m
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn masks_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    let mut m = Masks {
        commas: 0,
        quotes: 0,
        unusual: 0,
    };
    let (comma, quote, nul) = (
        _mm256_set1_epi8(b',' as i8),
        _mm256_set1_epi8(b'"' as i8),
        _mm256_setzero_si256(),
    );
    for k in 0..2 {
        // SAFETY: each unaligned 32-byte load reads inside `block` (offsets 0 and 32).
        let bytes = unsafe { _mm256_loadu_si256(block.as_ptr().add(32 * k).cast::<__m256i>()) };
        let bits = |v| u64::from(_mm256_movemask_epi8(v) as u32) << (32 * k);
        m.commas |= bits(_mm256_cmpeq_epi8(bytes, comma));
        m.quotes |= bits(_mm256_cmpeq_epi8(bytes, quote));
        m.unusual |= bits(_mm256_or_si256(_mm256_cmpeq_epi8(bytes, nul), bytes));
    }
    m
}

/// Bit `i` set when an odd number of bits `0..=i` of `x` are set: with `x` the quotes, the
/// bytes inside a quoted field (a doubled quote closes and opens again).
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// What [`split_plain`] learnt of a plain line besides its separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plain {
    /// Every byte is ASCII and none is NUL: the record's bytes need no further check.
    pub ascii: bool,
}

/// Finds the offsets of the separators of `body` (one line, its line end excluded) into
/// `commas`, when its quoting is plain: every quoted field opens at a field start, closes
/// before a separator or the end of the line, and holds quotes only doubled. `None` when it
/// is not (a quoted field still open at the end goes on to the next line).
pub fn split_plain(body: &[u8], commas: &mut Vec<usize>) -> Option<Plain> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked just above).
            return unsafe { split_avx2(body, commas) };
        }
        split_with(body, commas, masks_sse2)
    }
    #[cfg(not(target_arch = "x86_64"))]
    split_with(body, commas, masks_scalar)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn split_avx2(body: &[u8], commas: &mut Vec<usize>) -> Option<Plain> {
    split_with(body, commas, |block| masks_avx2(block))
}

/// The state carried from one block to the next.
#[derive(Default)]
struct Carry {
    /// All ones when the block before ended inside a quoted field.
    inside: u64,
    /// Bit 0: the byte before is a separator or a closing quote (or the line starts here),
    /// so a quote may open.
    may_open: u64,
    /// Bit 0: the byte before is a closing quote, so this byte must end its field.
    after_close: u64,
}

#[inline(always)]
fn split_with(
    body: &[u8],
    commas: &mut Vec<usize>,
    masks: impl Fn(&[u8; 64]) -> Masks,
) -> Option<Plain> {
    commas.clear();
    let mut carry = Carry {
        may_open: 1,
        ..Carry::default()
    };
    let mut unusual = 0;
    let (blocks, rest) = body.as_chunks::<64>();
    let mut visit = |m: Masks, base: usize, valid: u64| -> bool {
        let inside = prefix_xor(m.quotes) ^ carry.inside;
        let (open, close) = (m.quotes & inside, m.quotes & !inside);
        let ends_field = m.commas | close;
        let may_open = ends_field << 1 | carry.may_open;
        let after_close = close << 1 | carry.after_close;
        if open & !may_open != 0 || after_close & valid & !(m.commas | open) != 0 {
            return false;
        }
        carry = Carry {
            inside: 0u64.wrapping_sub(inside >> 63),
            may_open: ends_field >> 63,
            after_close: close >> 63,
        };
        unusual |= m.unusual & valid;
        let mut separators = m.commas & !inside;
        while separators != 0 {
            commas.push(base + separators.trailing_zeros() as usize);
            separators &= separators - 1;
        }
        true
    };
    for (i, block) in blocks.iter().enumerate() {
        if !visit(masks(block), i * 64, u64::MAX) {
            return None;
        }
    }
    if !rest.is_empty() {
        let mut last = [0u8; 64];
        last[..rest.len()].copy_from_slice(rest);
        if !visit(masks(&last), blocks.len() * 64, (1u64 << rest.len()) - 1) {
            return None;
        }
    }
    (carry.inside == 0).then_some(Plain {
        ascii: unusual == 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(body: &str) -> Option<Vec<usize>> {
        let mut commas = Vec::new();
        split_plain(body.as_bytes(), &mut commas).map(|_| commas)
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
            "\"\"a",
            "a\"\"",
        ] {
            assert_eq!(split(body), None, "{body:?}");
        }
    }

    #[test]
    fn quotes_and_separators_across_block_edges() {
        // A quoted field, a doubled quote or a closing quote on each side of byte 64.
        for at in 58..70 {
            for field in ["\"a,b\"", "\"\"\"\"", "\"x\"\"y\"", "\"\""] {
                let body = format!("{},{field},z", "w".repeat(at));
                let expected = vec![at, at + 1 + field.len()];
                assert_eq!(split(&body), Some(expected), "{body:?}");
                let bad = format!("{},{field}z", "w".repeat(at));
                assert_eq!(split(&bad), None, "{bad:?}");
                let bare = format!("{}{field},z", "w".repeat(at));
                assert_eq!(split(&bare), None, "{bare:?}");
            }
        }
    }

    #[test]
    fn ascii_only_when_no_nul_and_no_high_byte() {
        let ascii = |body: &[u8]| split_plain(body, &mut Vec::new()).map(|p| p.ascii);
        assert_eq!(ascii(b"a,\"b\",c"), Some(true));
        assert_eq!(ascii("a,\"é\",c".as_bytes()), Some(false));
        assert_eq!(ascii(b"a,\0,c"), Some(false));
        let mut long = vec![b'x'; 127];
        long.push(0xE9);
        assert_eq!(ascii(&long), Some(false));
    }

    /// Every way of making the bits gives the same bits, on blocks of every kind of byte.
    #[test]
    fn the_simd_masks_agree_with_plain_code() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let alphabet = b",\"\0\xE9\x80\x7Fa -\r\n";
        for _ in 0..2000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = alphabet[(state % alphabet.len() as u64) as usize];
            }
            let expected = masks_scalar(&block);
            #[cfg(target_arch = "x86_64")]
            {
                assert_eq!(masks_sse2(&block), expected);
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the processor has AVX2 (checked just above).
                    assert_eq!(unsafe { masks_avx2(&block) }, expected);
                }
            }
            let mut commas = [Vec::new(), Vec::new()];
            assert_eq!(
                split_with(&block, &mut commas[0], masks_scalar),
                split_plain(&block, &mut commas[1]),
            );
            assert_eq!(commas[0], commas[1]);
        }
    }
}
