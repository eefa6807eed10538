//! `dumps`: protocol-5 streams that CPython's `pickle.loads` reads, with
//! buffers offered to a callback like Python's `buffer_callback`.

use fory_core::{BufferObject, Placement};
use num_bigint::BigInt;

use crate::array::{Layout, NdArray};
use crate::buffer::PickleBuffer;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::opcodes as op;
use crate::value::PickleValue;

/// Which numpy spelling arrays are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumpyTarget {
    /// `numpy._core.numeric._frombuffer`, what numpy ≥ 2 itself writes
    /// (numpy 1.x cannot import it). Permuted (`'K'`) arrays use its
    /// 5-argument form, which needs numpy ≥ 2.3.
    #[default]
    Numpy2,
    /// `numpy.core.numeric._frombuffer`, what numpy 1.x writes: loads on
    /// numpy 1.16+ and 2.x (numpy 2 warns that `numpy.core` is deprecated).
    /// Permuted arrays use the constructor form.
    Numpy1,
    /// `numpy.ndarray(shape, dtype, buffer, offset, strides, order)`: the
    /// public constructor, loads on numpy 1.x and 2.x without warnings.
    Portable,
}

/// Options of [`DumpOptions::dumps`].
#[derive(Debug, Clone)]
pub struct DumpOptions {
    /// The numpy spelling (default [`NumpyTarget::Numpy2`]). Whatever the
    /// target, strided arrays (gaps between elements) are written with the
    /// `numpy.ndarray` constructor so they still travel without a copy.
    pub numpy: NumpyTarget,
    /// Deepest nesting written (default 100).
    pub max_depth: usize,
    /// `MEMOIZE` each global (`numpy.dtype`, `_frombuffer`, ...) on first
    /// use and `BINGET` it afterwards, as CPython does (default on): a dict
    /// of many arrays names `_frombuffer` and `numpy.dtype` once. Each dtype
    /// object is still built in place (a few bytes). Off, the stream has no
    /// memo at all (the hand-written form of the interop notes).
    pub memoize: bool,
}

impl Default for DumpOptions {
    fn default() -> Self {
        DumpOptions {
            numpy: NumpyTarget::Numpy2,
            max_depth: 100,
            memoize: true,
        }
    }
}

impl DumpOptions {
    /// Turns memoization of globals on or off.
    pub fn memoize(mut self, on: bool) -> Self {
        self.memoize = on;
        self
    }

    /// Sets the numpy spelling.
    pub fn numpy(mut self, target: NumpyTarget) -> Self {
        self.numpy = target;
        self
    }

    /// Writes `value` as a protocol-5 pickle. Every `PickleBuffer` and array
    /// buffer is offered to `callback`, borrowing the value's memory:
    /// [`Placement::OutOfBand`] writes `NEXT_BUFFER` (plus
    /// `READONLY_BUFFER` for read-only buffers) and leaves the bytes to the
    /// caller, [`Placement::InBand`] copies them into the stream (as
    /// `bytes` when read-only, else `bytearray`, as CPython does). Python's
    /// `buffer_callback` answers the other way round: falsy means out-of-band.
    pub fn dumps<'v>(
        &self,
        value: &'v PickleValue<'_>,
        mut callback: impl FnMut(BufferObject<'v>) -> Placement,
    ) -> Result<Vec<u8>> {
        let mut w = Writer {
            out: Vec::new(),
            opts: self,
            callback: &mut callback,
            memo: std::collections::HashMap::new(),
            pending: buffer_bytes(value, 0),
        };
        w.out.extend_from_slice(&[op::PROTO, op::HIGHEST_PROTOCOL]);
        w.value(value, 0)?;
        w.out.push(op::STOP);
        Ok(w.out)
    }
}

/// Writes `value` with the default [`DumpOptions`].
///
/// ```
/// use fory_core::Placement;
/// use fory_pickle::{NdArray, Order, PickleValue};
///
/// let data: Vec<f64> = (0..12).map(f64::from).collect();
/// let v = PickleValue::Array(NdArray::from_slice(&data, &[3, 4], Order::C)?);
/// let mut bufs = Vec::new();
/// let stream = fory_pickle::dumps(&v, |b| { bufs.push(b); Placement::OutOfBand })?;
/// assert_eq!(bufs[0].as_bytes().as_ptr(), data.as_ptr().cast()); // offered without a copy
/// let supplied = [bufs[0].as_bytes()];
/// let back = fory_pickle::loads(&stream, &supplied)?;
/// assert_eq!(back, v);
/// # Ok::<(), fory_pickle::Error>(())
/// ```
pub fn dumps<'v>(
    value: &'v PickleValue<'_>,
    callback: impl FnMut(BufferObject<'v>) -> Placement,
) -> Result<Vec<u8>> {
    DumpOptions::default().dumps(value, callback)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Memo {
    Global(&'static str, &'static str),
    Dtype(Dtype),
}

struct Writer<'o, 'c, 'v> {
    out: Vec<u8>,
    opts: &'o DumpOptions,
    callback: &'c mut dyn FnMut(BufferObject<'v>) -> Placement,
    memo: std::collections::HashMap<Memo, u32>,
    /// Bytes of the buffers not written yet: reserved at the first in-band
    /// one, so large in-band streams grow once instead of doubling.
    pending: usize,
}

/// Total bytes of the buffers (PickleBuffers and array data) in `v`.
fn buffer_bytes(v: &PickleValue<'_>, depth: usize) -> usize {
    if depth > 1000 {
        return 0;
    }
    match v {
        PickleValue::Buffer(pb) => pb.len(),
        PickleValue::Array(a) => {
            let (lo, hi) = a.extent();
            hi - lo
        }
        PickleValue::Dict(e) => e
            .iter()
            .map(|(k, x)| buffer_bytes(k, depth + 1) + buffer_bytes(x, depth + 1))
            .sum(),
        other => other.as_seq().map_or(0, |items| {
            items.iter().map(|x| buffer_bytes(x, depth + 1)).sum()
        }),
    }
}

const BATCH: usize = 1000;

fn hashable(v: &PickleValue<'_>, depth: usize) -> bool {
    depth < 1000
        && match v {
            PickleValue::None
            | PickleValue::Bool(_)
            | PickleValue::Int(_)
            | PickleValue::BigInt(_)
            | PickleValue::Float(_)
            | PickleValue::Str(_)
            | PickleValue::Bytes(_)
            | PickleValue::Dtype(_) => true,
            PickleValue::Tuple(items) | PickleValue::FrozenSet(items) => {
                items.iter().all(|x| hashable(x, depth + 1))
            }
            _ => false,
        }
}

impl<'v> Writer<'_, '_, 'v> {
    fn value(&mut self, v: &'v PickleValue<'_>, depth: usize) -> Result<()> {
        if depth > self.opts.max_depth {
            return Err(Error::encode(format!(
                "nesting deeper than {}",
                self.opts.max_depth
            )));
        }
        match v {
            PickleValue::None => self.out.push(op::NONE),
            PickleValue::Bool(true) => self.out.push(op::NEWTRUE),
            PickleValue::Bool(false) => self.out.push(op::NEWFALSE),
            PickleValue::Int(i) => self.int(*i),
            PickleValue::BigInt(b) => match i64::try_from(b) {
                Ok(i) => self.int(i),
                Err(_) => self.long(b)?,
            },
            PickleValue::Float(f) => {
                self.out.push(op::BINFLOAT);
                self.out.extend_from_slice(&f.to_be_bytes());
            }
            PickleValue::Str(s) => self.str(s)?,
            PickleValue::Bytes(b) => self.bytes(b),
            PickleValue::ByteArray(b) => self.bytearray(b),
            PickleValue::Buffer(pb) => {
                let len = pb.raw()?.len();
                self.buffer(pb, 0, len)?
            }
            PickleValue::List(items) => {
                self.out.push(op::EMPTY_LIST);
                for chunk in items.chunks(BATCH) {
                    if chunk.len() > 1 {
                        self.out.push(op::MARK);
                    }
                    for x in chunk {
                        self.value(x, depth + 1)?;
                    }
                    self.out.push(if chunk.len() > 1 {
                        op::APPENDS
                    } else {
                        op::APPEND
                    });
                }
            }
            PickleValue::Tuple(items) => self.tuple(items, depth)?,
            PickleValue::Dict(entries) => {
                self.out.push(op::EMPTY_DICT);
                for chunk in entries.chunks(BATCH) {
                    if chunk.len() > 1 {
                        self.out.push(op::MARK);
                    }
                    for (k, x) in chunk {
                        self.key(k)?;
                        self.value(k, depth + 1)?;
                        self.value(x, depth + 1)?;
                    }
                    self.out.push(if chunk.len() > 1 {
                        op::SETITEMS
                    } else {
                        op::SETITEM
                    });
                }
            }
            PickleValue::Set(items) => {
                self.out.push(op::EMPTY_SET);
                for chunk in items.chunks(BATCH) {
                    self.out.push(op::MARK);
                    for x in chunk {
                        self.key(x)?;
                        self.value(x, depth + 1)?;
                    }
                    self.out.push(op::ADDITEMS);
                }
            }
            PickleValue::FrozenSet(items) => {
                self.out.push(op::MARK);
                for x in items {
                    self.key(x)?;
                    self.value(x, depth + 1)?;
                }
                self.out.push(op::FROZENSET);
            }
            PickleValue::Dtype(d) => self.dtype(*d)?,
            PickleValue::Array(a) => self.array(a)?,
        }
        Ok(())
    }

    fn key(&self, k: &PickleValue<'_>) -> Result<()> {
        if hashable(k, 0) {
            Ok(())
        } else {
            Err(Error::encode(format!(
                "a {} cannot be a dict key or set item (Python could not load it)",
                k.type_name()
            )))
        }
    }

    fn int(&mut self, i: i64) {
        if (0..0x100).contains(&i) {
            self.out.extend_from_slice(&[op::BININT1, i as u8]);
        } else if (0..0x10000).contains(&i) {
            self.out.push(op::BININT2);
            self.out.extend_from_slice(&(i as u16).to_le_bytes());
        } else if let Ok(v) = i32::try_from(i) {
            self.out.push(op::BININT);
            self.out.extend_from_slice(&v.to_le_bytes());
        } else {
            let b = BigInt::from(i).to_signed_bytes_le();
            self.out.extend_from_slice(&[op::LONG1, b.len() as u8]);
            self.out.extend_from_slice(&b);
        }
    }

    fn long(&mut self, b: &BigInt) -> Result<()> {
        let bytes = b.to_signed_bytes_le();
        if bytes.len() < 256 {
            self.out.extend_from_slice(&[op::LONG1, bytes.len() as u8]);
        } else {
            let n =
                i32::try_from(bytes.len()).map_err(|_| Error::encode("int larger than 2 GiB"))?;
            self.out.push(op::LONG4);
            self.out.extend_from_slice(&n.to_le_bytes());
        }
        self.out.extend_from_slice(&bytes);
        Ok(())
    }

    fn str(&mut self, s: &str) -> Result<()> {
        let b = s.as_bytes();
        if b.len() < 256 {
            self.out
                .extend_from_slice(&[op::SHORT_BINUNICODE, b.len() as u8]);
        } else if let Ok(n) = u32::try_from(b.len()) {
            self.out.push(op::BINUNICODE);
            self.out.extend_from_slice(&n.to_le_bytes());
        } else {
            self.out.push(op::BINUNICODE8);
            self.out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        }
        self.out.extend_from_slice(b);
        Ok(())
    }

    fn bytes(&mut self, b: &[u8]) {
        if b.len() < 256 {
            self.out
                .extend_from_slice(&[op::SHORT_BINBYTES, b.len() as u8]);
        } else if let Ok(n) = u32::try_from(b.len()) {
            self.out.push(op::BINBYTES);
            self.out.extend_from_slice(&n.to_le_bytes());
        } else {
            self.out.push(op::BINBYTES8);
            self.out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        }
        self.out.extend_from_slice(b);
    }

    fn bytearray(&mut self, b: &[u8]) {
        self.out.push(op::BYTEARRAY8);
        self.out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.out.extend_from_slice(b);
    }

    /// Bytes `lo..hi` of `pb`, offered to the callback.
    fn buffer(&mut self, pb: &'v PickleBuffer<'_>, lo: usize, hi: usize) -> Result<()> {
        let bytes = pb.raw()?;
        let readonly = pb.readonly();
        let placement = (self.callback)(pb.buffer_object_range(lo, hi)?);
        if placement == Placement::InBand && self.out.capacity() - self.out.len() < hi - lo + 16 {
            self.out.reserve(self.pending.max(hi - lo) + 4096);
        }
        self.pending = self.pending.saturating_sub(hi - lo);
        match placement {
            Placement::OutOfBand => {
                self.out.push(op::NEXT_BUFFER);
                if readonly {
                    self.out.push(op::READONLY_BUFFER);
                }
            }
            Placement::InBand if readonly => self.bytes(&bytes[lo..hi]),
            Placement::InBand => self.bytearray(&bytes[lo..hi]),
        }
        Ok(())
    }

    fn tuple(&mut self, items: &'v [PickleValue<'_>], depth: usize) -> Result<()> {
        match items.len() {
            0 => self.out.push(op::EMPTY_TUPLE),
            n @ 1..=3 => {
                for x in items {
                    self.value(x, depth + 1)?;
                }
                self.out.push(op::TUPLE1 + (n as u8 - 1));
            }
            _ => {
                self.out.push(op::MARK);
                for x in items {
                    self.value(x, depth + 1)?;
                }
                self.out.push(op::TUPLE);
            }
        }
        Ok(())
    }

    fn ints(&mut self, v: &[usize]) -> Result<()> {
        let items: Vec<i64> = v
            .iter()
            .map(|&x| i64::try_from(x).map_err(|_| Error::encode("dimension too large")))
            .collect::<Result<_>>()?;
        if (1..=3).contains(&items.len()) {
            for &x in &items {
                self.int(x);
            }
            self.out.push(op::TUPLE1 + (items.len() as u8 - 1));
        } else if items.is_empty() {
            self.out.push(op::EMPTY_TUPLE);
        } else {
            self.out.push(op::MARK);
            for &x in &items {
                self.int(x);
            }
            self.out.push(op::TUPLE);
        }
        Ok(())
    }

    /// `BINGET` of a memoized object; false when it is not memoized yet.
    fn get(&mut self, key: Memo) -> bool {
        match self.memo.get(&key) {
            Some(&idx) if idx < 256 => self.out.extend_from_slice(&[op::BINGET, idx as u8]),
            Some(&idx) => {
                self.out.push(op::LONG_BINGET);
                self.out.extend_from_slice(&idx.to_le_bytes());
            }
            None => return false,
        }
        true
    }

    /// `MEMOIZE` of the object just written.
    fn put(&mut self, key: Memo) {
        if self.opts.memoize {
            let idx = self.memo.len() as u32;
            self.memo.insert(key, idx);
            self.out.push(op::MEMOIZE);
        }
    }

    fn global(&mut self, module: &'static str, name: &'static str) -> Result<()> {
        let key = Memo::Global(module, name);
        if self.get(key) {
            return Ok(());
        }
        self.str(module)?;
        self.str(name)?;
        self.out.push(op::STACK_GLOBAL);
        self.put(key);
        Ok(())
    }

    /// `numpy.dtype('f8', False, True)` + `BUILD (3, '<', None, None, None, -1, -1, 0)`.
    fn dtype(&mut self, d: Dtype) -> Result<()> {
        if self.get(Memo::Dtype(d)) {
            return Ok(());
        }
        self.global("numpy", "dtype")?;
        self.str(&d.kind_size())?;
        self.out
            .extend_from_slice(&[op::NEWFALSE, op::NEWTRUE, op::TUPLE3, op::REDUCE]);
        self.out.extend_from_slice(&[op::MARK, op::BININT1, 3]);
        self.str(&d.byte_order().char().to_string())?;
        self.out.extend_from_slice(&[op::NONE, op::NONE, op::NONE]);
        for _ in 0..2 {
            self.out.push(op::BININT);
            self.out.extend_from_slice(&(-1i32).to_le_bytes());
        }
        self.out
            .extend_from_slice(&[op::BININT1, 0, op::TUPLE, op::BUILD]);
        Ok(())
    }

    fn array(&mut self, a: &'v NdArray<'_>) -> Result<()> {
        let layout = a.layout();
        let module = match (self.opts.numpy, &layout) {
            (NumpyTarget::Numpy2, Layout::C | Layout::F | Layout::Permuted(_)) => {
                Some("numpy._core.numeric")
            }
            (NumpyTarget::Numpy1, Layout::C | Layout::F) => Some("numpy.core.numeric"),
            _ => None,
        };
        let data = a.data();
        match module {
            Some(module) => {
                // _frombuffer(buffer, dtype, shape, order[, axis_order])
                let (lo, hi) = (a.offset(), a.offset() + a.nbytes());
                self.global(module, "_frombuffer")?;
                self.out.push(op::MARK);
                self.buffer(data, lo, hi)?;
                self.dtype(a.dtype())?;
                match &layout {
                    Layout::Permuted(axis_order) => {
                        // the buffer is C-ordered for the shape before the transpose
                        let mut base = vec![0; axis_order.len()];
                        for (i, &ax) in axis_order.iter().enumerate() {
                            base[ax] = a.shape()[i];
                        }
                        self.ints(&base)?;
                        self.str("K")?;
                        self.ints(axis_order)?;
                    }
                    Layout::F => {
                        self.ints(a.shape())?;
                        self.str("F")?;
                    }
                    _ => {
                        self.ints(a.shape())?;
                        self.str("C")?;
                    }
                }
                self.out.extend_from_slice(&[op::TUPLE, op::REDUCE]);
            }
            None => {
                // numpy.ndarray(shape, dtype, buffer, offset, strides, order)
                self.global("numpy", "ndarray")?;
                self.out.push(op::MARK);
                self.ints(a.shape())?;
                self.dtype(a.dtype())?;
                match &layout {
                    Layout::C | Layout::F => {
                        self.buffer(data, a.offset(), a.offset() + a.nbytes())?;
                        self.int(0);
                        self.out.push(op::NONE);
                        self.str(if layout == Layout::F { "F" } else { "C" })?;
                    }
                    _ => {
                        let (lo, hi) = a.extent();
                        self.buffer(data, lo, hi)?;
                        self.int(0);
                        self.ints(a.strides())?;
                        self.str("C")?;
                    }
                }
                self.out.extend_from_slice(&[op::TUPLE, op::REDUCE]);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::Order;

    #[test]
    fn golden_frombuffer_stream() {
        // pickle5_samples.py handwritten_frombuffer("f8", "<", (3, 4), "C", "numpy._core.numeric")
        let data: Vec<f64> = (0..12).map(|i| i as f64 * 0.25).collect();
        let a = NdArray::from_slice(&data, &[3, 4], Order::C).unwrap();
        let v = PickleValue::Array(a.with_readonly(false));
        let s = DumpOptions::default()
            .memoize(false)
            .dumps(&v, |_| Placement::OutOfBand)
            .unwrap();
        let expect =
            "8005 8c136e756d70792e5f636f72652e6e756d65726963 8c0b5f66726f6d627566666572 93 \
                      28 97 8c056e756d7079 8c056474797065 93 8c026638 89 88 87 52 \
                      28 4b03 8c013c 4e 4e 4e 4affffffff 4affffffff 4b00 74 62 \
                      4b03 4b04 86 8c0143 74 52 2e";
        assert_eq!(hex::encode(&s), expect.replace([' ', '\\'], ""));
        assert_eq!(s.len(), 96);
    }

    #[test]
    fn globals_and_dtypes_are_memoized() {
        let data = [1.0f64, 2.0];
        let a = PickleValue::Array(NdArray::from_slice(&data, &[2], Order::C).unwrap());
        let list = PickleValue::List(vec![a.clone(), a.clone(), a]);
        let s = dumps(&list, |_| Placement::OutOfBand).unwrap();
        let n = |needle: &[u8]| s.windows(needle.len()).filter(|w| *w == needle).count();
        assert_eq!(n(b"_frombuffer"), 1);
        assert_eq!(n(b"dtype"), 1);
        assert_eq!(n(&[op::BINGET]), 4); // _frombuffer twice, the dtype twice
        let bufs: Vec<&[u8]> = vec![&[0; 16]; 3];
        assert_eq!(crate::loads(&s, &bufs).unwrap().as_seq().unwrap().len(), 3);
    }

    #[test]
    fn ints_match_cpython() {
        let cases: &[(i64, &str)] = &[
            (0, "4b00"),
            (255, "4bff"),
            (256, "4d0001"),
            (65536, "4a00000100"),
            (-1, "4affffffff"),
            (1 << 31, "8a050000008000"),
            (i64::MIN, "8a080000000000000080"),
            (-(1 << 31) - 1, "8a05ffffff7fff"),
        ];
        for &(i, hexs) in cases {
            let s = dumps(&PickleValue::Int(i), |_| Placement::InBand).unwrap();
            assert_eq!(hex::encode(&s[2..s.len() - 1]), hexs, "{i}");
        }
    }
}
