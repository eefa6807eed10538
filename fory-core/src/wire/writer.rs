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
