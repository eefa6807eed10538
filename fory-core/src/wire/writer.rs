//! [`Writer`]: appends Fory primitives to a `Vec<u8>`.

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

    /// Appends a string body of at most [`SHORT_STRING`](Self::SHORT_STRING)
    /// bytes when every byte is ASCII: the header `len << 2 | LATIN1` (one
    /// or two LEB128 bytes) and the bytes, after one capacity check. The
    /// bytes are moved as up to four overlapping words, and the same words
    /// give the ASCII check, so a short string costs a handful of loads and
    /// stores instead of a scan and a `memcpy` call. Returns `false`, having
    /// written nothing, when a byte is not ASCII.
    ///
    /// # Panics
    /// When `b` is longer than `SHORT_STRING` (a caller's bug).
    #[inline(always)]
    pub fn short_ascii_string(&mut self, b: &[u8]) -> bool {
        let n = b.len();
        assert!(n <= Self::SHORT_STRING, "short_ascii_string: {n} bytes");
        // windows `[i, i + K)` that together cover `0..n`
        match n {
            33.. => self.ascii_windows16(b, [0, 16, n - 32, n - 16]),
            16.. => self.ascii_windows16(b, [0, n - 16, 0, n - 16]),
            8.. => self.ascii_windows::<8>(b, [0, n - 8, 0, n - 8]),
            4.. => self.ascii_windows::<4>(b, [0, n - 4, 0, n - 4]),
            1.. => self.ascii_windows::<1>(b, [0, n / 2, n - 1, n - 1]),
            0 => {
                self.buf.push(0);
                true
            }
        }
    }

    /// [`ascii_windows`](Self::ascii_windows) for 16-byte windows: in SSE2
    /// registers on x86_64 (part of its baseline), where the generic code
    /// would take two general registers per window.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn ascii_windows16(&mut self, b: &[u8], at: [usize; 4]) -> bool {
        use std::arch::x86_64::{
            __m128i, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_storeu_si128,
        };
        let n = b.len();
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
        if high != 0 {
            return false;
        }
        let header = (n as u32) << 2;
        let hl = if header < 0x80 { 1 } else { 2 };
        self.buf.reserve(hl + n);
        let len = self.buf.len();
        let out = &mut self.buf.spare_capacity_mut()[..hl + n];
        if hl == 1 {
            out[0].write(header as u8);
        } else {
            out[0].write(header as u8 | 0x80);
            out[1].write((header >> 7) as u8);
        }
        let body = &mut out[hl..];
        for (&i, w) in at.iter().zip(w) {
            let dst = &mut body[i..i + 16];
            // SAFETY: `dst` is 16 bytes of the vector's spare capacity
            // (bounds checked by the slice index); the store is unaligned.
            unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), w) };
        }
        // SAFETY: as in `ascii_windows`: the header bytes and the windows
        // (which `short_ascii_string` makes cover `0..n`) initialise the
        // `hl + n` bytes after `len`, all inside the reserved capacity.
        unsafe { self.buf.set_len(len + hl + n) };
        true
    }

    /// The generic form elsewhere.
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    #[inline(always)]
    fn ascii_windows16(&mut self, b: &[u8], at: [usize; 4]) -> bool {
        self.ascii_windows::<16>(b, at)
    }

    /// [`short_ascii_string`](Self::short_ascii_string) for `b` covered by
    /// the four windows of `K` bytes at `at` (each inside `b`, together
    /// covering all of it).
    #[inline(always)]
    fn ascii_windows<const K: usize>(&mut self, b: &[u8], at: [usize; 4]) -> bool {
        let n = b.len();
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
        let any = wide(&words[0]) | wide(&words[1]) | wide(&words[2]) | wide(&words[3]);
        if any & 0x8080_8080_8080_8080_8080_8080_8080_8080 != 0 {
            return false;
        }
        // the header is below 2^14 (two LEB128 bytes): n <= 64
        let header = (n as u32) << 2;
        let hl = if header < 0x80 { 1 } else { 2 };
        self.buf.reserve(hl + n);
        let len = self.buf.len();
        let out = &mut self.buf.spare_capacity_mut()[..hl + n];
        if hl == 1 {
            out[0].write(header as u8);
        } else {
            out[0].write(header as u8 | 0x80);
            out[1].write((header >> 7) as u8);
        }
        let body = &mut out[hl..];
        for (&i, w) in at.iter().zip(words) {
            let dst = &mut body[i..i + K];
            // SAFETY: `dst` is `K` bytes of the vector's spare capacity
            // (bounds checked by the slice index), so it is valid for an
            // unaligned write of a `[u8; K]`.
            unsafe { dst.as_mut_ptr().cast::<[u8; K]>().write_unaligned(w) };
        }
        // SAFETY: `out` is the `hl + n` bytes right after `len` (reserved
        // above). The header bytes are written, and the windows the caller
        // passes cover every body byte (`short_ascii_string`: for n >= 33
        // 0..16, 16..32, n-32..n, n-16..n with n - 32 <= 32; for 16..=32
        // 0..16 and n-16..n; likewise for 8 and 4; bytes 0, n/2 and n-1 for
        // n <= 3), so the first `len + hl + n` bytes are initialised.
        unsafe { self.buf.set_len(len + hl + n) };
        true
    }

    /// The longest string [`short_ascii_string`](Self::short_ascii_string) takes.
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
