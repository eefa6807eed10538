//! Byte-level primitives: little-endian fixed-width numbers, varints, zigzag,
//! tagged ("small long as int") integers.
//!
//! [`Writer`] appends to a `Vec<u8>`; [`Reader`] walks a borrowed slice and
//! checks every read against the bytes that remain, reporting the offset of
//! each failure.

use crate::error::{Error, Result};
use crate::limits::{Limit, Limits};

pub use super::writer::{Run, Writer};

/// Reads Fory primitives from a borrowed byte slice, bounds-checked.
///
/// The reader also carries the decode's [`Limits`] and what is left of its
/// allocation budget, so every decoder that walks a stream enforces the same
/// policy ([`Reader::check_len`], [`Reader::charge`]).
#[derive(Debug, Clone)]
pub struct Reader<'de> {
    data: &'de [u8],
    pos: usize,
    limits: Limits,
    budget: usize,
}

impl<'de> Reader<'de> {
    /// Starts reading at offset 0, with default [`Limits`].
    pub fn new(data: &'de [u8]) -> Self {
        Self::with_limits(data, Limits::default(), 0)
    }

    /// Starts reading at offset 0 under `limits`; `extra_input` is the size
    /// of the out-of-band buffers that come with the stream (they count as
    /// input for the allocation budget).
    #[inline(always)]
    pub fn with_limits(data: &'de [u8], limits: Limits, extra_input: usize) -> Self {
        let budget = limits.alloc_budget(data.len().saturating_add(extra_input));
        Reader {
            data,
            pos: 0,
            limits,
            budget,
        }
    }

    /// A reader over `data` (a part of this stream, such as a TypeDef body)
    /// under the same limits, sharing the budget left; hand it back with
    /// [`Reader::absorb`].
    pub fn sub<'b>(&self, data: &'b [u8]) -> Reader<'b> {
        Reader {
            data,
            pos: 0,
            limits: self.limits,
            budget: self.budget,
        }
    }

    /// Takes over the budget a [`Reader::sub`] reader left.
    pub fn absorb(&mut self, sub: &Reader<'_>) {
        self.budget = sub.budget.min(self.budget);
    }

    /// The limits this reader enforces.
    #[inline]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Bytes the decode may still allocate.
    #[inline]
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Charges `bytes` of allocation against the budget, before allocating.
    #[inline]
    pub fn charge(&mut self, bytes: usize) -> Result<()> {
        if bytes > self.budget {
            return Err(self.over_budget(bytes));
        }
        self.budget -= bytes;
        Ok(())
    }

    /// Charges `n` items of `size` bytes each.
    #[inline]
    pub fn charge_n(&mut self, n: usize, size: usize) -> Result<()> {
        self.charge(n.saturating_mul(size))
    }

    #[cold]
    fn over_budget(&self, bytes: usize) -> Error {
        Error::LimitExceeded {
            limit: Limit::Allocation,
            found: bytes as u64,
            max: self.budget as u64,
            offset: self.pos,
        }
    }

    /// Checks a claimed length against the configured `limit` and then
    /// against the bytes that remain (each counted item takes at least one
    /// byte), without consuming anything.
    #[inline]
    pub fn check_len(&self, limit: Limit, len: u64) -> Result<usize> {
        let max = self.limits.max_of(limit).unwrap_or(usize::MAX);
        if len > max as u64 {
            return Err(self.over_limit(limit, len, max));
        }
        self.ensure(limit.what(), len)
    }

    /// Checks a value against the configured `limit` only (for counts that
    /// are not backed by stream bytes one to one).
    #[inline]
    pub fn check_limit(&self, limit: Limit, value: u64) -> Result<()> {
        let max = self.limits.max_of(limit).unwrap_or(usize::MAX);
        if value > max as u64 {
            return Err(self.over_limit(limit, value, max));
        }
        Ok(())
    }

    #[cold]
    fn over_limit(&self, limit: Limit, found: u64, max: usize) -> Error {
        Error::LimitExceeded {
            limit,
            found,
            max: max as u64,
            offset: self.pos,
        }
    }

    /// Current offset in the stream.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The whole input.
    #[inline]
    pub fn data(&self) -> &'de [u8] {
        self.data
    }

    #[cold]
    fn end(&self, needed: usize) -> Error {
        Error::UnexpectedEnd {
            offset: self.pos,
            needed,
            remaining: self.remaining(),
        }
    }

    /// Borrows the next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'de [u8]> {
        if n > self.remaining() {
            return Err(self.end(n));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Checks that `len` bytes remain (without consuming), for length prefixes.
    #[inline]
    pub fn ensure(&self, what: &'static str, len: u64) -> Result<usize> {
        if len > self.remaining() as u64 {
            return Err(Error::LengthLimit {
                what,
                len,
                limit: self.remaining() as u64,
                offset: self.pos,
            });
        }
        Ok(len as usize)
    }

    /// The next byte without consuming it.
    #[inline]
    pub fn peek_u8(&self) -> Result<u8> {
        self.data.get(self.pos).copied().ok_or_else(|| self.end(1))
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        let b = self.peek_u8()?;
        self.pos += 1;
        Ok(b)
    }

    /// One signed byte.
    #[inline]
    pub fn i8(&mut self) -> Result<i8> {
        Ok(self.u8()? as i8)
    }

    /// 16-bit little endian.
    #[inline]
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// 32-bit little endian.
    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// 64-bit little endian.
    #[inline]
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// `i16` little endian.
    #[inline]
    pub fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_le_bytes(self.array()?))
    }

    /// `i32` little endian.
    #[inline]
    pub fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    /// `i64` little endian.
    #[inline]
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// `f32` from its little-endian bit pattern.
    #[inline]
    pub fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_bits(self.u32()?))
    }

    /// `f64` from its little-endian bit pattern.
    #[inline]
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }

    /// LEB128 unsigned 32-bit (at most 5 bytes; bits beyond 32 are an error).
    #[inline(always)]
    pub fn var_u32(&mut self) -> Result<u32> {
        // fast path: one-byte values, then a whole window without per-byte bounds checks
        if let Some(&b) = self.data.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(b as u32);
            }
        }
        if let Some(w) = self.data.get(self.pos..self.pos + 5) {
            let mut result: u32 = 0;
            for (i, &b) in w.iter().enumerate() {
                if i == 4 {
                    if b > 0x0f {
                        return Err(Error::MalformedVarint { offset: self.pos });
                    }
                    self.pos += 5;
                    return Ok(result | (b as u32) << 28);
                }
                result |= ((b & 0x7f) as u32) << (7 * i);
                if b & 0x80 == 0 {
                    self.pos += i + 1;
                    return Ok(result);
                }
            }
        }
        self.var_u32_slow()
    }

    #[cold]
    fn var_u32_slow(&mut self) -> Result<u32> {
        let start = self.pos;
        let mut result: u32 = 0;
        for i in 0..5 {
            let b = match self.data.get(self.pos) {
                Some(b) => *b,
                None => {
                    self.pos = start;
                    return Err(self.end(i + 1));
                }
            };
            self.pos += 1;
            if i == 4 && b > 0x0f {
                return Err(Error::MalformedVarint { offset: start });
            }
            result |= ((b & 0x7f) as u32) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(result);
            }
        }
        Err(Error::MalformedVarint { offset: start })
    }

    /// Zigzag varint32.
    #[inline]
    pub fn var_i32(&mut self) -> Result<i32> {
        let u = self.var_u32()?;
        Ok(((u >> 1) as i32) ^ -((u & 1) as i32))
    }

    /// Fory varuint64 (9th byte carries 8 bits).
    #[inline]
    pub fn var_u64(&mut self) -> Result<u64> {
        if let Some(&b) = self.data.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(b as u64);
            }
        }
        if let Some(w) = self.data.get(self.pos..self.pos + 9) {
            let mut result: u64 = 0;
            for (i, &b) in w.iter().enumerate() {
                if i == 8 {
                    self.pos += 9;
                    return Ok(result | (b as u64) << 56);
                }
                result |= ((b & 0x7f) as u64) << (7 * i);
                if b & 0x80 == 0 {
                    self.pos += i + 1;
                    return Ok(result);
                }
            }
        }
        self.var_u64_slow()
    }

    #[cold]
    fn var_u64_slow(&mut self) -> Result<u64> {
        let start = self.pos;
        let mut result: u64 = 0;
        for i in 0..9 {
            let b = match self.data.get(self.pos) {
                Some(b) => *b,
                None => {
                    self.pos = start;
                    return Err(self.end(i + 1));
                }
            };
            self.pos += 1;
            if i == 8 {
                result |= (b as u64) << 56;
                return Ok(result);
            }
            result |= ((b & 0x7f) as u64) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(result);
            }
        }
        unreachable!("loop returns on its 9th byte")
    }

    /// Zigzag varint64.
    #[inline]
    pub fn var_i64(&mut self) -> Result<i64> {
        let u = self.var_u64()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// TAGGED_INT64.
    #[inline]
    pub fn tagged_i64(&mut self) -> Result<i64> {
        let first = self.peek_u8()?;
        if first & 1 == 0 {
            Ok((self.i32()? >> 1) as i64)
        } else {
            self.pos += 1;
            self.i64()
        }
    }

    /// TAGGED_UINT64.
    #[inline]
    pub fn tagged_u64(&mut self) -> Result<u64> {
        let first = self.peek_u8()?;
        if first & 1 == 0 {
            Ok((self.u32()? >> 1) as u64)
        } else {
            self.pos += 1;
            self.u64()
        }
    }

    /// LEB128 of a value below 2^36 (the string header), at most 6 bytes.
    /// Headers of one and two bytes (strings up to 4095 bytes) are read in
    /// line, longer ones one call away.
    #[inline(always)]
    pub fn var_u36_small(&mut self) -> Result<u64> {
        if let Some(&[b0, b1]) = self.data.get(self.pos..self.pos + 2) {
            if b0 < 0x80 {
                self.pos += 1;
                return Ok(b0 as u64);
            }
            if b1 < 0x80 {
                self.pos += 2;
                return Ok((b0 & 0x7f) as u64 | (b1 as u64) << 7);
            }
        }
        self.var_u36_long()
    }

    #[inline(never)]
    fn var_u36_long(&mut self) -> Result<u64> {
        let start = self.pos;
        let v = self.var_u64()?;
        if v >= 1u64 << 36 {
            return Err(Error::MalformedVarint { offset: start });
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(f: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
        let mut v = Vec::new();
        f(&mut Writer::new(&mut v));
        v
    }

    /// The textbook encoding the writers must match.
    fn reference(mut v: u64, max: usize) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() + 1 < max && v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
        out
    }

    fn interesting_u64() -> Vec<u64> {
        let mut vals = vec![0, 1, u64::MAX];
        for b in 0..64 {
            let p = 1u64 << b;
            vals.extend([p - 1, p, p + 1]);
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            vals.push(x >> (x % 64));
        }
        vals
    }

    #[test]
    fn varints_match_the_reference() {
        for v in interesting_u64() {
            let v32 = v as u32;
            // after other bytes, so the store lands mid-buffer; and with
            // little spare capacity, so `reserve` has to grow
            for prefix in [0usize, 3, 61] {
                let mut buf = vec![0xaa; prefix];
                buf.shrink_to_fit();
                let mut wr = Writer::new(&mut buf);
                wr.var_u32(v32);
                wr.var_u64(v);
                let mut want = vec![0xaa; prefix];
                want.extend(reference(v32 as u64, 5));
                want.extend(reference(v, 9));
                assert_eq!(buf, want, "{v:#x}");
                let mut r = Reader::new(&buf[prefix..]);
                assert_eq!(r.var_u32().unwrap(), v32);
                assert_eq!(r.var_u64().unwrap(), v);
                assert_eq!(r.remaining(), 0);
            }
        }
    }

    #[test]
    fn varint64_golden() {
        // 1 -> zigzag 2
        assert_eq!(w(|w| w.var_i64(1)), [0x02]);
        assert_eq!(w(|w| w.var_i64(-1)), [0x01]);
        assert_eq!(w(|w| w.var_i64(300)), [0xd8, 0x04]);
        // 2^62 -> zigzag 2^63: 9 bytes, last carries 8 bits
        assert_eq!(
            w(|w| w.var_i64(1 << 62)),
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]
        );
        assert_eq!(
            w(|w| w.var_i64(i64::MAX)),
            [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(
            w(|w| w.var_i64(1 << 55)),
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]
        );
    }

    #[test]
    fn tagged_golden() {
        assert_eq!(w(|w| w.tagged_i64(-7)), [0xf2, 0xff, 0xff, 0xff]);
        assert_eq!(
            w(|w| w.tagged_i64(1 << 40)),
            [0x01, 0, 0, 0, 0, 0, 0x01, 0, 0]
        );
        assert_eq!(w(|w| w.tagged_u64(7)), [0x0e, 0, 0, 0]);
        assert_eq!(w(|w| w.tagged_u64(1 << 31)).len(), 9);
    }

    #[test]
    fn roundtrip_edges() {
        let i64s = [
            0,
            1,
            -1,
            i64::MIN,
            i64::MAX,
            1 << 30,
            -(1 << 30),
            (1 << 30) - 1,
            -(1 << 30) - 1,
        ];
        for v in i64s {
            let b = w(|w| {
                w.var_i64(v);
                w.tagged_i64(v);
            });
            let mut r = Reader::new(&b);
            assert_eq!(r.var_i64().unwrap(), v);
            assert_eq!(r.tagged_i64().unwrap(), v);
            assert_eq!(r.remaining(), 0);
        }
        for v in [0u64, 1, u64::MAX, 1 << 31, (1 << 31) - 1, 1 << 56] {
            let b = w(|w| {
                w.var_u64(v);
                w.tagged_u64(v);
            });
            let mut r = Reader::new(&b);
            assert_eq!(r.var_u64().unwrap(), v);
            assert_eq!(r.tagged_u64().unwrap(), v);
        }
        for v in [0i32, -1, i32::MIN, i32::MAX] {
            let b = w(|w| w.var_i32(v));
            assert!(b.len() <= 5);
            assert_eq!(Reader::new(&b).var_i32().unwrap(), v);
        }
    }

    #[test]
    fn truncated_and_malformed() {
        let mut r = Reader::new(&[0x80, 0x80]);
        assert!(matches!(
            r.var_u32(),
            Err(Error::UnexpectedEnd { offset: 0, .. })
        ));
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert!(matches!(
            r.var_u32(),
            Err(Error::MalformedVarint { offset: 0 })
        ));
        let mut r = Reader::new(&[1, 2, 3]);
        assert!(matches!(
            r.u32(),
            Err(Error::UnexpectedEnd {
                needed: 4,
                remaining: 3,
                ..
            })
        ));
        assert!(matches!(
            Reader::new(&[0u8; 3]).ensure("bytes", 1 << 32),
            Err(Error::LengthLimit { .. })
        ));
    }

    /// The windowed decoders (a whole varint available) and the byte loop
    /// The string header: the in-line one- and two-byte paths and the long
    /// path read what the writer wrote, at the end of the data or not, and
    /// refuse values of 2^36 and more.
    #[test]
    fn var_u36_small_paths() {
        let mut values: Vec<u64> = interesting_u64()
            .into_iter()
            .filter(|&v| v < 1 << 36)
            .collect();
        values.extend([0, 0x7f, 0x80, 0x3fff, 0x4000, (1 << 36) - 1]);
        for v in values {
            let bytes = reference(v, 9);
            for pad in [0usize, 1, 8] {
                let mut b = bytes.clone();
                b.extend(std::iter::repeat_n(0x80, pad));
                let mut r = Reader::new(&b);
                assert_eq!(r.var_u36_small().unwrap(), v, "{v:#x} pad {pad}");
                assert_eq!(r.pos(), bytes.len(), "{v:#x} pad {pad}");
            }
            // every strict prefix is an error
            for cut in 0..bytes.len() {
                assert!(
                    Reader::new(&bytes[..cut]).var_u36_small().is_err(),
                    "{v:#x} cut {cut}"
                );
            }
        }
        for v in [1u64 << 36, u64::MAX] {
            let b = reference(v, 9);
            assert!(matches!(
                Reader::new(&b).var_u36_small(),
                Err(Error::MalformedVarint { offset: 0 })
            ));
        }
    }

    /// (near the end) agree on every value, and on malformed input.
    #[test]
    fn word_and_byte_paths_agree() {
        for v in interesting_u64() {
            for (bytes, max) in [(reference(v as u32 as u64, 5), 5), (reference(v, 9), 9)] {
                for pad in [0usize, 1, 3, 8] {
                    let mut b = bytes.clone();
                    b.extend(std::iter::repeat_n(0xee, pad));
                    let mut r = Reader::new(&b);
                    if max == 5 {
                        assert_eq!(r.var_u32().unwrap(), v as u32, "{v:#x} pad {pad}");
                    } else {
                        assert_eq!(r.var_u64().unwrap(), v, "{v:#x} pad {pad}");
                    }
                    assert_eq!(r.pos(), bytes.len(), "{v:#x} pad {pad}");
                }
            }
        }
        // five continued bytes, or a fifth byte with bits past 32
        for bad in [
            [0xff, 0xff, 0xff, 0xff, 0x80],
            [0x80, 0x80, 0x80, 0x80, 0x10],
        ] {
            for pad in [0usize, 8] {
                let mut b = bad.to_vec();
                b.extend(std::iter::repeat_n(0, pad));
                assert!(
                    matches!(
                        Reader::new(&b).var_u32(),
                        Err(Error::MalformedVarint { offset: 0 })
                    ),
                    "{bad:x?} pad {pad}"
                );
            }
        }
        // a varuint64 cut before its 9th byte, with and without a word's worth
        let b = [0xffu8; 8];
        assert!(matches!(
            Reader::new(&b).var_u64(),
            Err(Error::UnexpectedEnd { .. })
        ));
    }
}
