//! The `fory.ndarray` payload header (version 1), written and validated.
//! The byte-by-byte description is `docs/ndarray-format.md`.

use fory_core::wire::{Reader, Writer};
use fory_core::{Error, Result};

use crate::element::DType;

/// The payload version this crate writes and reads.
pub const VERSION: u8 = 1;

/// Most dimensions a payload may declare (numpy's `NPY_MAXDIMS`).
pub const MAX_NDIM: usize = 64;

/// Memory order of the data in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Row-major (C, numpy's default): the last index varies fastest.
    C,
    /// Column-major (Fortran): the first index varies fastest.
    F,
}

impl Order {
    /// The order byte on the wire.
    pub const fn code(self) -> u8 {
        match self {
            Order::C => 0,
            Order::F => 1,
        }
    }
}

/// A decoded header: everything but the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub dtype: DType,
    pub order: Order,
    pub shape: Vec<usize>,
    /// Elements (product of the shape).
    pub len: usize,
}

/// Element count of `shape` and its size in bytes, checked: `None` when the
/// product overflows or exceeds what one allocation may hold (`isize::MAX`
/// bytes, as ndarray and the allocator require).
pub(crate) fn checked_size(shape: &[usize], elem: usize) -> Option<(usize, usize)> {
    // ndarray's rule: the product of the non-zero axis lengths must fit
    // isize, even when another axis is 0.
    let mut nonzero: usize = 1;
    for &s in shape {
        if s != 0 {
            nonzero = nonzero.checked_mul(s)?;
        }
    }
    let bytes = nonzero.checked_mul(elem)?;
    if bytes > isize::MAX as usize {
        return None;
    }
    let len = if shape.contains(&0) { 0 } else { nonzero };
    Some((len, len * elem))
}

/// Number of bytes of a varuint32.
fn var_u32_len(v: u32) -> usize {
    match v {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        0x4000..=0x1f_ffff => 3,
        0x20_0000..=0x0fff_ffff => 4,
        _ => 5,
    }
}

/// Writes the header. `oob_flag` says whether the buffer object that follows
/// starts with an in-band flag byte; with it the padding puts in-band data at
/// a stream offset that is a multiple of the element size.
pub(crate) fn write(
    w: &mut Writer<'_>,
    dtype: DType,
    order: Order,
    shape: &[usize],
    data_len: usize,
    oob_flag: bool,
) {
    w.u8(VERSION);
    w.u8(dtype.code());
    w.u8(order.code());
    w.var_u32(shape.len() as u32);
    for &s in shape {
        w.var_u64(s as u64);
    }
    let size_len = var_u32_len(u32::try_from(data_len).unwrap_or(u32::MAX));
    let data_at = w.len() + 1 + usize::from(oob_flag) + size_len;
    let align = dtype.size();
    let pad = (align - data_at % align) % align;
    w.u8(pad as u8);
    for _ in 0..pad {
        w.u8(0);
    }
}

/// Reads and validates the header (through the padding). Every problem is a
/// typed [`Error`] with the offset where it was found.
pub(crate) fn read(r: &mut Reader<'_>) -> Result<Header> {
    let pos = r.pos();
    let version = r.u8()?;
    if version != VERSION {
        return Err(Error::InvalidFlag {
            what: "fory.ndarray payload version (this reader knows version 1)",
            found: version,
            offset: pos,
        });
    }
    let pos = r.pos();
    let code = r.u8()?;
    let dtype = DType::from_code(code).ok_or_else(|| {
        Error::type_id(
            pos,
            "a fory.ndarray element type code (1-4, 6, 9-11, 13, 17-20)",
            code as u32,
        )
    })?;
    let pos = r.pos();
    let order = match r.u8()? {
        0 => Order::C,
        1 => Order::F,
        found => {
            return Err(Error::InvalidFlag {
                what: "fory.ndarray order (0 = C, 1 = F)",
                found,
                offset: pos,
            })
        }
    };
    let pos = r.pos();
    let ndim = r.var_u32()? as usize;
    if ndim > MAX_NDIM {
        return Err(Error::LengthLimit {
            what: "fory.ndarray ndim",
            len: ndim as u64,
            limit: MAX_NDIM as u64,
            offset: pos,
        });
    }
    let mut shape = Vec::with_capacity(ndim);
    for _ in 0..ndim {
        let pos = r.pos();
        let s = r.var_u64()?;
        let s = usize::try_from(s).map_err(|_| Error::LengthLimit {
            what: "fory.ndarray axis length",
            len: s,
            limit: usize::MAX as u64,
            offset: pos,
        })?;
        shape.push(s);
    }
    let (len, _) = checked_size(&shape, dtype.size()).ok_or_else(|| {
        let product = shape
            .iter()
            .filter(|&&s| s != 0)
            .try_fold(1u64, |acc, &s| acc.checked_mul(s as u64))
            .unwrap_or(u64::MAX);
        Error::LengthLimit {
            what: "fory.ndarray element count (product of the shape)",
            len: product,
            limit: (isize::MAX as usize / dtype.size()) as u64,
            offset: pos,
        }
    })?;
    let pos = r.pos();
    let pad = r.u8()?;
    if pad >= 8 {
        return Err(Error::InvalidFlag {
            what: "fory.ndarray padding length (0-7)",
            found: pad,
            offset: pos,
        });
    }
    let pos = r.pos();
    if r.take(pad as usize)?.iter().any(|&b| b != 0) {
        return Err(Error::invalid(
            pos,
            "fory.ndarray padding bytes must be zero",
        ));
    }
    Ok(Header {
        dtype,
        order,
        shape,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_padding() {
        for oob in [false, true] {
            for prefix in 0..9 {
                let mut out = vec![0u8; prefix];
                let mut w = Writer::new(&mut out);
                write(&mut w, DType::Float64, Order::F, &[3, 0, 70000], 0, oob);
                let end = out.len();
                // the buffer object that follows: [flag] varuint32(0)
                let data_at = end + usize::from(oob) + 1;
                assert_eq!(data_at % 8, 0, "prefix {prefix} oob {oob}");
                let mut r = Reader::new(&out);
                r.take(prefix).unwrap();
                let h = read(&mut r).unwrap();
                assert_eq!(r.remaining(), 0);
                assert_eq!(h.shape, [3, 0, 70000]);
                assert_eq!(h.order, Order::F);
                assert_eq!(h.len, 0);
            }
        }
    }

    #[test]
    fn checked_size_rejects_overflow() {
        assert_eq!(checked_size(&[2, 3], 8), Some((6, 48)));
        assert_eq!(checked_size(&[], 8), Some((1, 8)));
        assert_eq!(checked_size(&[0, usize::MAX], 1), None);
        assert_eq!(checked_size(&[1 << 40, 1 << 40], 1), None);
        assert_eq!(checked_size(&[1 << 61], 8), None);
    }

    #[test]
    fn varint_lengths() {
        for v in [0u32, 127, 128, 16383, 16384, 2_097_151, 2_097_152, u32::MAX] {
            let mut out = Vec::new();
            Writer::new(&mut out).var_u32(v);
            assert_eq!(out.len(), var_u32_len(v), "{v}");
        }
    }
}
