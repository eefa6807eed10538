//! [`Writer`]: appends Fory primitives to a `Vec<u8>`.

/// Latin-1 string coding (see `wire::string`).
const LATIN1: u8 = 0;
/// UTF-8 string coding.
const UTF8: u8 = 2;

/// Appends Fory primitives to a growable byte vector.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// Wraps a vector; bytes are appended after its current content.
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        Writer { buf }
    }

    /// Number of bytes in the underlying vector.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing has been written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Mutable access to the written bytes (for back-patching).
    #[inline]
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.buf
    }

    /// Reserves room for `n` more bytes.
    #[inline]
    pub fn reserve(&mut self, n: usize) {
        self.buf.reserve(n);
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// One signed byte.
    #[inline]
    pub fn i8(&mut self, v: i8) {
        self.buf.push(v as u8);
    }

    /// Raw bytes.
    #[inline]
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// 16-bit little endian.
    #[inline]
    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }

    /// 32-bit little endian.
    #[inline]
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    /// 64-bit little endian.
    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// `i16` little endian.
    #[inline]
    pub fn i16(&mut self, v: i16) {
        self.bytes(&v.to_le_bytes());
    }

    /// `i32` little endian.
    #[inline]
    pub fn i32(&mut self, v: i32) {
        self.bytes(&v.to_le_bytes());
    }

    /// `i64` little endian.
    #[inline]
    pub fn i64(&mut self, v: i64) {
        self.bytes(&v.to_le_bytes());
    }

    /// `f32` bit pattern, little endian.
    #[inline]
    pub fn f32(&mut self, v: f32) {
        self.u32(v.to_bits());
    }

    /// `f64` bit pattern, little endian.
    #[inline]
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }

    /// LEB128 unsigned, at most 5 bytes.
    #[inline]
    pub fn var_u32(&mut self, v: u32) {
        if v < 0x80 {
            self.buf.push(v as u8);
            return;
        }
        self.leb128::<5>(v as u64);
    }

    /// Zigzag then LEB128.
    #[inline]
    pub fn var_i32(&mut self, v: i32) {
        self.var_u32(((v << 1) ^ (v >> 31)) as u32);
    }

    /// Fory's varuint64: LEB128 for 8 groups of 7 bits, then a 9th byte with the
    /// remaining 8 bits and no continuation bit (9 bytes at most, never 10).
    #[inline]
    pub fn var_u64(&mut self, v: u64) {
        if v < 0x80 {
            self.buf.push(v as u8);
            return;
        }
        self.leb128::<9>(v);
    }

    /// Appends `v` as Fory's LEB128 variant of at most `MAX` bytes: 7 bits
    /// per byte with a continuation bit, except that byte `MAX` (the 9th of
    /// a varuint64) holds the 8 remaining bits whole. One capacity check for
    /// the whole number instead of one per byte.
    #[inline(always)]
    fn leb128<const MAX: usize>(&mut self, mut v: u64) {
        self.buf.reserve(MAX);
        let len = self.buf.len();
        let spare = &mut self.buf.spare_capacity_mut()[..MAX];
        let mut n = 0;
        while n + 1 < MAX && v >= 0x80 {
            spare[n].write((v as u8) | 0x80);
            v >>= 7;
            n += 1;
        }
        spare[n].write(v as u8);
        // SAFETY: the loop initialised `spare[..=n]`, the `n + 1` bytes right
        // after `len` (n < MAX and `reserve(MAX)` made them part of the
        // allocation), so the first `len + n + 1` bytes are initialised.
        unsafe { self.buf.set_len(len + n + 1) };
    }

    /// Reserves `max` bytes once and lets `f` write into them through a
    /// [`Run`], which checks nothing but its own bounds and keeps its
    /// position in a register: how derived code writes a run of fixed-size
    /// fields. What `f` wrote stays written, also when it returns an error.
    ///
    /// # Panics
    /// When `f` writes more than `max` bytes (a caller's bug: `max` is the
    /// sum of the `Serialize::RUN_MAX` of what it writes).
    #[inline(always)]
    pub fn run<R>(&mut self, max: usize, f: impl FnOnce(&mut Run<'_>) -> R) -> R {
        self.buf.reserve(max);
        let len = self.buf.len();
        let mut run = Run {
            out: &mut self.buf.spare_capacity_mut()[..max],
            n: 0,
        };
        let r = f(&mut run);
        let n = run.n;
        // SAFETY: every `Run` method writes `out[n..n + k]` (bounds checked)
        // before it adds `k` to `n`, so `out[..n]`, the `n` bytes after
        // `len` inside the reserved capacity, are initialised.
        unsafe { self.buf.set_len(len + n) };
        r
    }

    /// Appends the body of a string of at most
    /// [`SHORT_STRING`](Self::SHORT_STRING) bytes when it needs no
    /// transcoding: all ASCII, written as Latin-1 (what pyfory writes), or
    /// holding a char past U+00FF, written as UTF-8 (Latin-1 cannot hold
    /// it). The header `len << 2 | coding` (one or two LEB128 bytes) and the
    /// bytes go out after one capacity check; the bytes are moved as up to
    /// four overlapping words, and the same words give the checks, so a
    /// short string costs a handful of loads and stores instead of scans and
    /// a `memcpy` call. Returns `false`, having written nothing, for text
    /// that is Latin-1 but not ASCII (the caller transcodes it).
    ///
    /// # Panics
    /// When `b` is longer than `SHORT_STRING` (a caller's bug).
    #[inline(always)]
    pub fn short_string(&mut self, b: &[u8]) -> bool {
        let n = b.len();
        assert!(n <= Self::SHORT_STRING, "short_string: {n} bytes");
        // windows `[i, i + K)` that together cover `0..n`
        match n {
            33.. => self.windows16(b, [0, 16, n - 32, n - 16]),
            16.. => self.windows16(b, [0, n - 16, 0, n - 16]),
            8.. => self.windows::<8>(b, [0, n - 8, 0, n - 8]),
            4.. => self.windows::<4>(b, [0, n - 4, 0, n - 4]),
            1.. => self.windows::<1>(b, [0, n / 2, n - 1, n - 1]),
            0 => {
                self.buf.push(0);
                true
            }
        }
    }

    /// [`short_string`](Self::short_string) for 16-byte windows: in SSE2
    /// registers on x86_64 (part of its baseline), where the generic code
    /// would take two general registers per window.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn windows16(&mut self, b: &[u8], at: [usize; 4]) -> bool {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8, _mm_storeu_si128,
        };
        let load = |i: usize| -> __m128i {
            let src = &b[i..i + 16];
            // SAFETY: `src` is 16 readable bytes (bounds checked by the
            // slice index); the load is unaligned.
            unsafe { _mm_loadu_si128(src.as_ptr().cast()) }
        };
        let w = [load(at[0]), load(at[1]), load(at[2]), load(at[3])];
        // SAFETY: register-only SSE2 operations; this code is compiled only
        // where SSE2 is enabled (`cfg(target_feature = "sse2")`).
        let high = unsafe {
            let any = _mm_or_si128(_mm_or_si128(w[0], w[1]), _mm_or_si128(w[2], w[3]));
            _mm_movemask_epi8(any)
        };
        let coding = if high == 0 {
            LATIN1
        } else {
            // a byte of 0xC4 or more, in any window, leads a char past U+00FF
            // SAFETY: as above, register-only SSE2 operations.
            let lead = unsafe {
                let c4 = _mm_set1_epi8(0xC4u8 as i8);
                let at_least = |x: __m128i| _mm_cmpeq_epi8(_mm_max_epu8(x, c4), x);
                _mm_movemask_epi8(_mm_or_si128(
                    _mm_or_si128(at_least(w[0]), at_least(w[1])),
                    _mm_or_si128(at_least(w[2]), at_least(w[3])),
                ))
            };
            if lead == 0 {
                return false;
            }
            UTF8
        };
        let body = self.short_header(b.len(), coding);
        for (&i, w) in at.iter().zip(w) {
            let dst = &mut body[i..i + 16];
            // SAFETY: `dst` is 16 bytes of the vector's spare capacity
            // (bounds checked by the slice index); the store is unaligned.
            unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), w) };
        }
        // SAFETY: see `commit_short`: the windows cover `0..n`.
        unsafe { self.commit_short(b.len()) };
        true
    }

    /// The generic form elsewhere.
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    #[inline(always)]
    fn windows16(&mut self, b: &[u8], at: [usize; 4]) -> bool {
        self.windows::<16>(b, at)
    }

    /// [`short_string`](Self::short_string) for `b` covered by the four
    /// windows of `K` bytes at `at` (each inside `b`, together covering all
    /// of it).
    #[inline(always)]
    fn windows<const K: usize>(&mut self, b: &[u8], at: [usize; 4]) -> bool {
        const HIGH: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;
        const LOW: u128 = 0x7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f;
        const TO_C4: u128 = 0x3c3c_3c3c_3c3c_3c3c_3c3c_3c3c_3c3c_3c3c;
        let load = |i: usize| -> [u8; K] {
            let mut w = [0u8; K];
            w.copy_from_slice(&b[i..i + K]);
            w
        };
        let words = [load(at[0]), load(at[1]), load(at[2]), load(at[3])];
        let wide = |w: &[u8; K]| {
            let mut v = [0u8; 16];
            v[..K].copy_from_slice(w);
            u128::from_le_bytes(v)
        };
        let wides = [
            wide(&words[0]),
            wide(&words[1]),
            wide(&words[2]),
            wide(&words[3]),
        ];
        let coding = if (wides[0] | wides[1] | wides[2] | wides[3]) & HIGH == 0 {
            LATIN1
        } else {
            // per byte with its high bit set, `(b & 0x7f) + 0x3c` reaches
            // 0x80 exactly when `b >= 0xC4` and never carries into the next
            if !wides.iter().any(|&w| ((w & LOW) + TO_C4) & w & HIGH != 0) {
                return false;
            }
            UTF8
        };
        let body = self.short_header(b.len(), coding);
        for (&i, w) in at.iter().zip(words) {
            let dst = &mut body[i..i + K];
            // SAFETY: `dst` is `K` bytes of the vector's spare capacity
            // (bounds checked by the slice index), so it is valid for an
            // unaligned write of a `[u8; K]`.
            unsafe { dst.as_mut_ptr().cast::<[u8; K]>().write_unaligned(w) };
        }
        // SAFETY: see `commit_short`: the windows cover `0..n`.
        unsafe { self.commit_short(b.len()) };
        true
    }

    /// Reserves a short string's header and `n` body bytes, writes the
    /// header `n << 2 | coding`, and returns the `n` body bytes to fill.
    #[inline(always)]
    fn short_header(&mut self, n: usize, coding: u8) -> &mut [std::mem::MaybeUninit<u8>] {
        // below 2^14, two LEB128 bytes at most: n <= SHORT_STRING
        let header = ((n as u32) << 2) | coding as u32;
        let hl = if header < 0x80 { 1 } else { 2 };
        self.buf.reserve(hl + n);
        let out = &mut self.buf.spare_capacity_mut()[..hl + n];
        if hl == 1 {
            out[0].write(header as u8);
        } else {
            out[0].write(header as u8 | 0x80);
            out[1].write((header >> 7) as u8);
        }
        &mut out[hl..]
    }

    /// Adds the header and the `n` body bytes written after
    /// [`short_header`](Self::short_header) to the vector's length.
    ///
    /// # Safety
    /// `short_header(n, _)` was called last, and every one of the `n` body
    /// bytes it returned was written since. (`short_string` guarantees it:
    /// for n >= 33 the windows are 0..16, 16..32, n-32..n and n-16..n with
    /// n - 32 <= 32; for 16..=32 0..16 and n-16..n; likewise for 8 and 4;
    /// bytes 0, n/2 and n-1 for n <= 3.)
    #[inline(always)]
    unsafe fn commit_short(&mut self, n: usize) {
        let hl = if n < 32 { 1 } else { 2 };
        let len = self.buf.len();
        // SAFETY: `short_header` reserved `hl + n` bytes after `len` and
        // wrote the `hl` header bytes (`(n << 2 | coding) < 0x80` exactly
        // when n < 32); the caller wrote the `n` body bytes.
        unsafe { self.buf.set_len(len + hl + n) };
    }

    /// The longest string [`short_string`](Self::short_string) takes.
    pub const SHORT_STRING: usize = 64;

    /// Zigzag then varuint64.
    #[inline]
    pub fn var_i64(&mut self, v: i64) {
        self.var_u64(((v << 1) ^ (v >> 63)) as u64);
    }

    /// TAGGED_INT64: 4 bytes `v << 1` when `-2^30 <= v < 2^30`, else `0x01` + 8 bytes.
    #[inline]
    pub fn tagged_i64(&mut self, v: i64) {
        if (-(1i64 << 30)..(1i64 << 30)).contains(&v) {
            self.i32((v as i32) << 1);
        } else {
            self.u8(1);
            self.i64(v);
        }
    }

    /// TAGGED_UINT64: 4 bytes `v << 1` when `v < 2^31`, else `0x01` + 8 bytes.
    #[inline]
    pub fn tagged_u64(&mut self, v: u64) {
        if v < (1u64 << 31) {
            self.u32((v as u32) << 1);
        } else {
            self.u8(1);
            self.u64(v);
        }
    }
}

/// Bytes reserved by [`Writer::run`], written front to back without
/// capacity checks. The methods mirror [`Writer`]'s fixed-size ones.
#[derive(Debug)]
pub struct Run<'a> {
    out: &'a mut [std::mem::MaybeUninit<u8>],
    n: usize,
}

impl Run<'_> {
    /// `K` bytes.
    #[inline(always)]
    fn put<const K: usize>(&mut self, b: [u8; K]) {
        let dst = &mut self.out[self.n..self.n + K];
        // SAFETY: `dst` is `K` bytes (bounds checked by the slice index) of
        // uninitialised `u8`s, valid for an unaligned write of a `[u8; K]`.
        unsafe { dst.as_mut_ptr().cast::<[u8; K]>().write_unaligned(b) };
        self.n += K;
    }

    /// One byte.
    #[inline(always)]
    pub fn u8(&mut self, v: u8) {
        self.out[self.n].write(v);
        self.n += 1;
    }

    /// One signed byte.
    #[inline(always)]
    pub fn i8(&mut self, v: i8) {
        self.u8(v as u8);
    }

    /// 16-bit little endian.
    #[inline(always)]
    pub fn u16(&mut self, v: u16) {
        self.put(v.to_le_bytes());
    }

    /// `i16` little endian.
    #[inline(always)]
    pub fn i16(&mut self, v: i16) {
        self.put(v.to_le_bytes());
    }

    /// 32-bit little endian.
    #[inline(always)]
    pub fn u32(&mut self, v: u32) {
        self.put(v.to_le_bytes());
    }

    /// `i32` little endian.
    #[inline(always)]
    pub fn i32(&mut self, v: i32) {
        self.put(v.to_le_bytes());
    }

    /// 64-bit little endian.
    #[inline(always)]
    pub fn u64(&mut self, v: u64) {
        self.put(v.to_le_bytes());
    }

    /// `i64` little endian.
    #[inline(always)]
    pub fn i64(&mut self, v: i64) {
        self.put(v.to_le_bytes());
    }

    /// `f32` bit pattern, little endian.
    #[inline(always)]
    pub fn f32(&mut self, v: f32) {
        self.u32(v.to_bits());
    }

    /// `f64` bit pattern, little endian.
    #[inline(always)]
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }

    /// As [`Writer::var_u32`].
    #[inline(always)]
    pub fn var_u32(&mut self, v: u32) {
        self.leb128::<5>(v as u64);
    }

    /// As [`Writer::var_i32`].
    #[inline(always)]
    pub fn var_i32(&mut self, v: i32) {
        self.var_u32(((v << 1) ^ (v >> 31)) as u32);
    }

    /// As [`Writer::var_u64`].
    #[inline(always)]
    pub fn var_u64(&mut self, v: u64) {
        self.leb128::<9>(v);
    }

    /// As [`Writer::var_i64`].
    #[inline(always)]
    pub fn var_i64(&mut self, v: i64) {
        self.var_u64(((v << 1) ^ (v >> 63)) as u64);
    }

    /// As [`Writer::tagged_i64`].
    #[inline(always)]
    pub fn tagged_i64(&mut self, v: i64) {
        if (-(1i64 << 30)..(1i64 << 30)).contains(&v) {
            self.i32((v as i32) << 1);
        } else {
            self.u8(1);
            self.i64(v);
        }
    }

    /// As [`Writer::tagged_u64`].
    #[inline(always)]
    pub fn tagged_u64(&mut self, v: u64) {
        if v < (1u64 << 31) {
            self.u32((v as u32) << 1);
        } else {
            self.u8(1);
            self.u64(v);
        }
    }

    /// Fory's LEB128 variant of at most `MAX` bytes (see `Writer::leb128`).
    #[inline(always)]
    fn leb128<const MAX: usize>(&mut self, mut v: u64) {
        let out = &mut self.out[self.n..self.n + MAX];
        let mut i = 0;
        while i + 1 < MAX && v >= 0x80 {
            out[i].write((v as u8) | 0x80);
            v >>= 7;
            i += 1;
        }
        out[i].write(v as u8);
        self.n += i + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `Run` method writes what the `Writer` method of the same name
    /// writes, at the edges of each encoding.
    #[test]
    fn run_matches_writer() {
        let i64s = [
            0,
            1,
            -1,
            63,
            -64,
            64,
            (1 << 30) - 1,
            -(1 << 30),
            1 << 30,
            i64::MIN,
            i64::MAX,
        ];
        let u64s = [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            (1 << 31) - 1,
            1 << 31,
            1 << 56,
            u64::MAX,
        ];
        let i32s = [0, 1, -1, 63, -64, 64, i32::MIN, i32::MAX];
        let u32s = [0, 127, 128, 16_384, 1 << 21, 1 << 28, u32::MAX];
        let mut want = vec![0xEE];
        let mut got = vec![0xEE];
        let mut w = Writer::new(&mut want);
        let max = 9 * (i64s.len() * 3 + u64s.len() * 3 + i32s.len() * 2 + u32s.len() * 2) + 64;
        Writer::new(&mut got).run(max, |r| {
            for &v in &i64s {
                w.var_i64(v);
                r.var_i64(v);
                w.tagged_i64(v);
                r.tagged_i64(v);
                w.i64(v);
                r.i64(v);
            }
            for &v in &u64s {
                w.var_u64(v);
                r.var_u64(v);
                w.tagged_u64(v);
                r.tagged_u64(v);
                w.u64(v);
                r.u64(v);
            }
            for &v in &i32s {
                w.var_i32(v);
                r.var_i32(v);
                w.i32(v);
                r.i32(v);
            }
            for &v in &u32s {
                w.var_u32(v);
                r.var_u32(v);
                w.u32(v);
                r.u32(v);
            }
            w.u8(0xAB);
            r.u8(0xAB);
            w.i8(-2);
            r.i8(-2);
            w.u16(0xBEEF);
            r.u16(0xBEEF);
            w.i16(-3);
            r.i16(-3);
            w.f32(1.5);
            r.f32(1.5);
            w.f64(-0.25);
            r.f64(-0.25);
        });
        assert_eq!(got, want);
    }

    #[test]
    fn run_keeps_what_was_written_and_returns_the_result() {
        let mut v = vec![1u8];
        let r: Result<(), &str> = Writer::new(&mut v).run(10, |r| {
            r.var_u32(300);
            Err("stop")
        });
        assert_eq!(r, Err("stop"));
        assert_eq!(v, [1, 0xAC, 0x02]);
        // nothing written: nothing added
        Writer::new(&mut v).run(10, |_| ());
        assert_eq!(v.len(), 3);
    }

    #[test]
    #[should_panic]
    fn run_past_its_reservation_panics() {
        let mut v = Vec::new();
        Writer::new(&mut v).run(4, |r| r.var_u32(1));
    }
}
