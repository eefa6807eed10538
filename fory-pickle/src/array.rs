//! [`NdArray`]: a numeric numpy array as dtype, shape, byte strides and a
//! data buffer that borrows (or shares) the out-of-band buffer it came in.

use std::borrow::Cow;

use bytes::Bytes;

use crate::buffer::PickleBuffer;
use crate::dtype::{Dtype, Kind};
use crate::error::{Error, Result};

/// numpy's limit on dimensions.
pub const MAX_NDIM: usize = 64;

/// Element order of a dense array's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Row-major (last index fastest).
    #[default]
    C,
    /// Column-major (first index fastest).
    F,
}

/// How an array's elements sit in its buffer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Layout {
    /// C-contiguous.
    C,
    /// Fortran-contiguous (and not C-contiguous).
    F,
    /// Dense but with permuted axes: numpy's `'K'` form. The memory is a
    /// C-ordered array that `transpose(axis_order)` turns into this one.
    Permuted(Vec<usize>),
    /// Gaps between elements (a slice like `a[:, ::2]`): only numpy's
    /// `ndarray(shape, dtype, buffer, offset, strides)` constructor
    /// expresses it. (An offset alone does not make an array strided.)
    Strided,
}

/// A numeric numpy array.
///
/// `strides` are in bytes and never negative; `offset` is the byte offset
/// of element `[0, 0, ...]` in `data`. Arrays read from a stream borrow
/// their bytes: out-of-band arrays point into the buffer you supplied,
/// in-band ones into the stream.
///
/// ```
/// use fory_pickle::{NdArray, Order};
///
/// let data = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let a = NdArray::from_slice(&data, &[2, 3], Order::C)?;
/// assert_eq!(a.as_slice::<f64>()?.as_ptr(), data.as_ptr()); // a view, not a copy
/// let f = NdArray::from_slice(&data, &[2, 3], Order::F)?;
/// assert_eq!(f.to_vec::<f64>()?, [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]); // logical C order
/// # Ok::<(), fory_pickle::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NdArray<'a> {
    dtype: Dtype,
    shape: Vec<usize>,
    strides: Vec<usize>,
    offset: usize,
    data: PickleBuffer<'a>,
}

/// Logical equality: same dtype, shape and elements (in C order). Layout,
/// read-only flag and where the bytes live do not matter.
impl PartialEq for NdArray<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.dtype == other.dtype
            && self.shape == other.shape
            && match (self.to_c_bytes(), other.to_c_bytes()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
    }
}

/// A Rust element type of a numeric dtype.
///
/// # Safety
/// Implemented only here (the trait is sealed) for plain numeric types in
/// which every bit pattern of `SIZE` bytes is a valid value, except `bool`,
/// whose bytes [`Element::valid`] checks before any view is made.
///
/// An implementation promises what the two `unsafe` blocks of this module
/// rely on: `size_of::<Self>() == SIZE`, no padding or uninitialized bytes
/// (so `slice_bytes` may read a `&[Self]` as bytes), no interior
/// mutability, and that every run of `SIZE` bytes for which `valid`
/// returns `true` is a valid `Self` (so `typed_view` may reinterpret
/// checked bytes with `align_to`).
pub unsafe trait Element: Copy + Send + Sync + 'static + sealed::Sealed {
    /// The dtype kind.
    const KIND: Kind;
    /// Size in bytes.
    const SIZE: usize;
    /// Reads one element in native byte order (`b.len() == SIZE`).
    fn from_ne(b: &[u8]) -> Self;
    /// Whether `bytes` (whole elements) are valid values.
    fn valid(_bytes: &[u8]) -> bool {
        true
    }
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! element {
    ($($t:ty => $kind:ident, $n:expr;)*) => {$(
        impl sealed::Sealed for $t {}
        // SAFETY: a primitive integer or float: `size_of` is `$n` (the
        // tests check it), no padding, no interior mutability, and every
        // bit pattern is a valid value, so the default `valid` (always
        // true) is right.
        unsafe impl Element for $t {
            const KIND: Kind = Kind::$kind;
            const SIZE: usize = $n;
            fn from_ne(b: &[u8]) -> Self {
                let mut a = [0u8; $n];
                a.copy_from_slice(b);
                <$t>::from_ne_bytes(a)
            }
        }
    )*};
}

element! {
    u8 => UInt, 1;
    i8 => Int, 1;
    u16 => UInt, 2;
    i16 => Int, 2;
    u32 => UInt, 4;
    i32 => Int, 4;
    u64 => UInt, 8;
    i64 => Int, 8;
    f32 => Float, 4;
    f64 => Float, 8;
}

impl sealed::Sealed for half::f16 {}
// SAFETY: `half::f16` is `#[repr(transparent)]` over `u16` (half 2.x):
// two bytes, no padding, no interior mutability, and every bit pattern
// (NaN payloads included) is a valid value.
unsafe impl Element for half::f16 {
    const KIND: Kind = Kind::Float;
    const SIZE: usize = 2;
    fn from_ne(b: &[u8]) -> Self {
        half::f16::from_bits(u16::from_ne(b))
    }
}

impl sealed::Sealed for bool {}
// SAFETY: `bool` is one byte without padding, and reading it as a byte
// (`slice_bytes`) is always fine. Only 0 and 1 are valid `bool`s, so
// `valid` rejects every other byte, and `typed_view` calls it on the whole
// region before reinterpreting bytes as `bool`s (`to_vec` goes through
// `from_ne`, which reads a byte and reinterprets nothing).
unsafe impl Element for bool {
    const KIND: Kind = Kind::Bool;
    const SIZE: usize = 1;
    fn from_ne(b: &[u8]) -> Self {
        b[0] != 0
    }
    fn valid(bytes: &[u8]) -> bool {
        bytes.iter().all(|&b| b <= 1)
    }
}

fn check_element<T: Element>(dtype: Dtype) -> Result<()> {
    if dtype.kind() != T::KIND || dtype.itemsize() != T::SIZE {
        return Err(Error::view(format!(
            "dtype {dtype} is not {}",
            std::any::type_name::<T>()
        )));
    }
    Ok(())
}

/// `&[T]` as bytes.
fn slice_bytes<T: Element>(data: &[T]) -> &[u8] {
    // SAFETY: the pointer comes from a valid `&[T]`, so it is non-null and
    // its `size_of_val(data)` bytes (at most `isize::MAX`) are one live
    // allocation, borrowed immutably for the returned lifetime. `u8` has
    // alignment 1, and `Element` types have no padding or uninitialized
    // bytes and no interior mutability, so every one of those bytes is an
    // initialized `u8` that nothing changes while the borrow lasts.
    unsafe { std::slice::from_raw_parts(data.as_ptr().cast::<u8>(), std::mem::size_of_val(data)) }
}

/// Keeps a `Vec<T>` alive behind a `Bytes`.
struct VecOwner<T: Element>(Vec<T>);

impl<T: Element> AsRef<[u8]> for VecOwner<T> {
    fn as_ref(&self) -> &[u8] {
        slice_bytes(&self.0)
    }
}

pub(crate) fn c_strides(shape: &[usize], itemsize: usize) -> Option<Vec<usize>> {
    let mut strides = vec![0; shape.len()];
    let mut s = itemsize;
    for i in (0..shape.len()).rev() {
        strides[i] = s;
        s = s.checked_mul(shape[i].max(1))?;
    }
    Some(strides)
}

pub(crate) fn f_strides(shape: &[usize], itemsize: usize) -> Option<Vec<usize>> {
    let mut strides = vec![0; shape.len()];
    let mut s = itemsize;
    for i in 0..shape.len() {
        strides[i] = s;
        s = s.checked_mul(shape[i].max(1))?;
    }
    Some(strides)
}

/// Element count, checked against overflow and `isize::MAX` bytes.
pub(crate) fn element_count(shape: &[usize], itemsize: usize) -> Option<usize> {
    let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))?;
    let bytes = n.checked_mul(itemsize)?;
    (bytes <= isize::MAX as usize).then_some(n)
}

fn is_contiguous_in(shape: &[usize], strides: &[usize], itemsize: usize, axes: &[usize]) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut expect = itemsize;
    for &i in axes {
        if shape[i] != 1 {
            if strides[i] != expect {
                return false;
            }
            expect = expect.saturating_mul(shape[i]);
        }
    }
    true
}

impl<'a> NdArray<'a> {
    /// An array over a whole buffer holding exactly `shape`'s elements in `order`.
    pub fn new(
        dtype: Dtype,
        shape: &[usize],
        order: Order,
        data: PickleBuffer<'a>,
    ) -> Result<Self> {
        let n = Self::check_shape(dtype, shape, 0)?;
        let nbytes = n * dtype.itemsize();
        if data.len() != nbytes {
            return Err(Error::bad_array(
                0,
                format!(
                    "shape {shape:?} of {dtype} needs {nbytes} bytes, the buffer has {}",
                    data.len()
                ),
            ));
        }
        let strides = match order {
            Order::C => c_strides(shape, dtype.itemsize()),
            Order::F => f_strides(shape, dtype.itemsize()),
        }
        .ok_or_else(|| Error::bad_array(0, "strides overflow"))?;
        data.raw()?;
        Ok(NdArray {
            dtype,
            shape: shape.to_vec(),
            strides,
            offset: 0,
            data,
        })
    }

    /// numpy's `'K'` form: `data` holds a C-ordered array of `base_shape`,
    /// and the result is its `transpose(axis_order)`.
    pub fn permuted(
        dtype: Dtype,
        base_shape: &[usize],
        axis_order: &[usize],
        data: PickleBuffer<'a>,
    ) -> Result<Self> {
        let base = NdArray::new(dtype, base_shape, Order::C, data)?;
        let n = base_shape.len();
        let mut seen = vec![false; n];
        if axis_order.len() != n
            || !axis_order
                .iter()
                .all(|&a| a < n && !std::mem::replace(&mut seen[a], true))
        {
            return Err(Error::bad_array(
                0,
                format!("axis order {axis_order:?} is not a permutation of {n} axes"),
            ));
        }
        Ok(NdArray {
            shape: axis_order.iter().map(|&a| base.shape[a]).collect(),
            strides: axis_order.iter().map(|&a| base.strides[a]).collect(),
            ..base
        })
    }

    /// An array with explicit byte strides and offset into `data`. Every
    /// element must lie inside `data`.
    pub fn from_parts(
        dtype: Dtype,
        shape: &[usize],
        strides: &[usize],
        offset: usize,
        data: PickleBuffer<'a>,
    ) -> Result<Self> {
        let n = Self::check_shape(dtype, shape, 0)?;
        if strides.len() != shape.len() {
            return Err(Error::bad_array(
                0,
                format!("{} strides for {} dimensions", strides.len(), shape.len()),
            ));
        }
        let len = data.raw()?.len();
        if n > 0 {
            let mut last = offset;
            for (&d, &s) in shape.iter().zip(strides) {
                last = (d - 1)
                    .checked_mul(s)
                    .and_then(|x| last.checked_add(x))
                    .ok_or_else(|| Error::bad_array(0, "strides overflow"))?;
            }
            let end = last
                .checked_add(dtype.itemsize())
                .ok_or_else(|| Error::bad_array(0, "strides overflow"))?;
            if end > len {
                return Err(Error::bad_array(
                    0,
                    format!("elements reach byte {end} of a {len}-byte buffer"),
                ));
            }
        } else if offset > len {
            return Err(Error::bad_array(0, "offset beyond the buffer"));
        }
        Ok(NdArray {
            dtype,
            shape: shape.to_vec(),
            strides: strides.to_vec(),
            offset,
            data,
        })
    }

    fn check_shape(dtype: Dtype, shape: &[usize], offset: usize) -> Result<usize> {
        if shape.len() > MAX_NDIM {
            return Err(Error::bad_array(
                offset,
                format!("{} dimensions (numpy allows {MAX_NDIM})", shape.len()),
            ));
        }
        element_count(shape, dtype.itemsize())
            .ok_or_else(|| Error::bad_array(offset, format!("shape {shape:?} overflows")))
    }

    /// A C- or F-ordered view of a Rust slice (no copy; read-only).
    pub fn from_slice<T: Element>(data: &'a [T], shape: &[usize], order: Order) -> Result<Self> {
        let dtype = Dtype::new(T::KIND, T::SIZE, crate::dtype::ByteOrder::NATIVE)
            .ok_or_else(|| Error::view("not a numpy element type"))?;
        NdArray::new(
            dtype,
            shape,
            order,
            PickleBuffer::from_slice(slice_bytes(data)),
        )
    }

    /// An array owning `data` (no copy: the vector is kept behind a `Bytes`; writable).
    pub fn from_vec<T: Element>(
        data: Vec<T>,
        shape: &[usize],
        order: Order,
    ) -> Result<NdArray<'static>> {
        let dtype = Dtype::new(T::KIND, T::SIZE, crate::dtype::ByteOrder::NATIVE)
            .ok_or_else(|| Error::view("not a numpy element type"))?;
        let bytes = Bytes::from_owner(VecOwner(data));
        NdArray::new(dtype, shape, order, PickleBuffer::shared(bytes, false))
    }

    /// Sets the read-only flag of the data buffer.
    pub fn with_readonly(mut self, readonly: bool) -> Self {
        self.data = self.data.with_readonly(readonly);
        self
    }

    /// The dtype.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Byte strides.
    pub fn strides(&self) -> &[usize] {
        &self.strides
    }

    /// Byte offset of the first element in [`data`](Self::data).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The buffer the elements live in (for out-of-band arrays: the supplied buffer).
    pub fn data(&self) -> &PickleBuffer<'a> {
        &self.data
    }

    /// Whether the array is read-only.
    pub fn readonly(&self) -> bool {
        self.data.readonly()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of the elements.
    pub fn nbytes(&self) -> usize {
        self.len() * self.dtype.itemsize()
    }

    /// numpy's `flags.c_contiguous`.
    pub fn is_c_contiguous(&self) -> bool {
        let axes: Vec<usize> = (0..self.ndim()).rev().collect();
        is_contiguous_in(&self.shape, &self.strides, self.dtype.itemsize(), &axes)
    }

    /// numpy's `flags.f_contiguous`.
    pub fn is_f_contiguous(&self) -> bool {
        let axes: Vec<usize> = (0..self.ndim()).collect();
        is_contiguous_in(&self.shape, &self.strides, self.dtype.itemsize(), &axes)
    }

    /// How the elements sit in memory.
    pub fn layout(&self) -> Layout {
        if self.is_c_contiguous() {
            return Layout::C;
        }
        if self.is_f_contiguous() {
            return Layout::F;
        }
        // axes from the slowest to the fastest
        let mut p: Vec<usize> = (0..self.ndim()).collect();
        p.sort_by(|&a, &b| self.strides[b].cmp(&self.strides[a]).then(a.cmp(&b)));
        let fastest_first: Vec<usize> = p.iter().rev().copied().collect();
        if is_contiguous_in(
            &self.shape,
            &self.strides,
            self.dtype.itemsize(),
            &fastest_first,
        ) {
            let mut axis_order = vec![0; p.len()];
            for (i, &a) in p.iter().enumerate() {
                axis_order[a] = i;
            }
            Layout::Permuted(axis_order)
        } else {
            Layout::Strided
        }
    }

    /// The bytes of a dense array (C, F or permuted), in memory order.
    pub fn dense_bytes(&self) -> Option<&[u8]> {
        if self.layout() == Layout::Strided {
            return None;
        }
        self.data
            .raw()
            .ok()?
            .get(self.offset..self.offset.checked_add(self.nbytes())?)
    }

    /// The smallest byte range of `data` holding every element, as
    /// `(start, end)`.
    pub(crate) fn extent(&self) -> (usize, usize) {
        if self.is_empty() {
            return (self.offset, self.offset);
        }
        let last: usize = self
            .shape
            .iter()
            .zip(&self.strides)
            .map(|(&d, &s)| (d - 1) * s)
            .sum();
        (self.offset, self.offset + last + self.dtype.itemsize())
    }

    /// Calls `f` with the bytes of every element in logical C order.
    pub(crate) fn for_each_element(&self, bytes: &[u8], mut f: impl FnMut(&[u8])) {
        let n = self.len();
        if n == 0 {
            return;
        }
        let item = self.dtype.itemsize();
        let nd = self.ndim();
        let mut idx = vec![0usize; nd];
        let mut pos = self.offset;
        for _ in 0..n {
            f(&bytes[pos..pos + item]);
            let mut ax = nd;
            while ax > 0 {
                ax -= 1;
                idx[ax] += 1;
                pos += self.strides[ax];
                if idx[ax] < self.shape[ax] {
                    break;
                }
                pos -= self.strides[ax] * self.shape[ax];
                idx[ax] = 0;
            }
        }
    }

    /// The elements' bytes in logical C order, in the dtype's byte order:
    /// borrowed when the array is C-contiguous, gathered otherwise.
    pub fn to_c_bytes(&self) -> Result<Cow<'_, [u8]>> {
        let bytes = self.data.raw()?;
        if self.is_c_contiguous() {
            return Ok(Cow::Borrowed(
                &bytes[self.offset..self.offset + self.nbytes()],
            ));
        }
        let mut out = Vec::with_capacity(self.nbytes());
        self.for_each_element(bytes, |e| out.extend_from_slice(e));
        Ok(Cow::Owned(out))
    }

    fn typed_view<'s, T: Element>(&self, bytes: &'s [u8]) -> Result<&'s [T]> {
        check_element::<T>(self.dtype)?;
        if !self.dtype.is_native() {
            return Err(Error::view(format!(
                "dtype {} is not in this machine's byte order: use to_vec",
                self.dtype
            )));
        }
        if !T::valid(bytes) {
            return Err(Error::view("bool array holds bytes other than 0 and 1"));
        }
        // SAFETY: `align_to` only puts whole, properly aligned `T`s inside
        // `bytes` in the middle part, with `bytes`' lifetime; the caller
        // must make sure those bytes are valid `T`s. For the sealed
        // `Element` types every bit pattern is, except for `bool`, and the
        // `valid` call above checked every byte of `bytes` (a superset of
        // the middle part). `u8` has no interior mutability, nor does `T`.
        let (pre, mid, post) = unsafe { bytes.align_to::<T>() };
        if !pre.is_empty() || !post.is_empty() {
            return Err(Error::view(format!(
                "the data is not aligned for {}: use to_vec",
                std::any::type_name::<T>()
            )));
        }
        Ok(mid)
    }

    /// A typed view of a C-contiguous array in native byte order, when
    /// the bytes are aligned for `T` (no copy).
    pub fn as_slice<T: Element>(&self) -> Result<&[T]> {
        if !self.is_c_contiguous() {
            return Err(Error::view(
                "the array is not C-contiguous: use as_slice_memory_order or to_vec",
            ));
        }
        self.typed_view(self.dense_bytes().unwrap_or_default())
    }

    /// A typed view of a dense array (C, F or permuted) in memory order (no copy).
    pub fn as_slice_memory_order<T: Element>(&self) -> Result<&[T]> {
        let bytes = self
            .dense_bytes()
            .ok_or_else(|| Error::view("the array is not dense: use to_vec"))?;
        self.typed_view(bytes)
    }

    /// The elements in logical C order, byte-swapped to native order if
    /// needed (always a copy; any layout and alignment).
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        check_element::<T>(self.dtype)?;
        let bytes = self.data.raw()?;
        let mut out = Vec::with_capacity(self.len());
        let swap = !self.dtype.is_native();
        let mut tmp = [0u8; 16];
        let mut bad = false;
        self.for_each_element(bytes, |e| {
            let e = if swap {
                let t = &mut tmp[..e.len()];
                t.copy_from_slice(e);
                t.reverse();
                &*t
            } else {
                e
            };
            bad |= !T::valid(e);
            out.push(T::from_ne(e));
        });
        if bad {
            return Err(Error::view("bool array holds bytes other than 0 and 1"));
        }
        Ok(out)
    }

    /// An array that borrows nothing (borrowed bytes are copied once).
    pub fn into_owned(self) -> NdArray<'static> {
        NdArray {
            dtype: self.dtype,
            shape: self.shape,
            strides: self.strides,
            offset: self.offset,
            data: self.data.into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let v: Vec<u8> = (0..24).collect();
        let u1 = Dtype::parse("u1").unwrap();
        let c = NdArray::new(u1, &[2, 3, 4], Order::C, PickleBuffer::from_slice(&v)).unwrap();
        assert_eq!(c.layout(), Layout::C);
        assert_eq!(c.strides(), [12, 4, 1]);
        let f = NdArray::new(u1, &[2, 3, 4], Order::F, PickleBuffer::from_slice(&v)).unwrap();
        assert_eq!(f.layout(), Layout::F);
        // numpy: arange(24).reshape(2,3,4).transpose(1,0,2) -> shape (3,2,4), strides (4,12,1)
        let k =
            NdArray::permuted(u1, &[2, 3, 4], &[1, 0, 2], PickleBuffer::from_slice(&v)).unwrap();
        assert_eq!(k.shape(), [3, 2, 4]);
        assert_eq!(k.strides(), [4, 12, 1]);
        assert_eq!(k.layout(), Layout::Permuted(vec![1, 0, 2]));
        assert_eq!(&k.to_vec::<u8>().unwrap()[..6], [0, 1, 2, 3, 12, 13]);
        // a[:, ::2] of a (4,6) int8
        let s = NdArray::from_parts(u1, &[4, 3], &[6, 2], 0, PickleBuffer::from_slice(&v)).unwrap();
        assert_eq!(s.layout(), Layout::Strided);
        assert_eq!(
            s.to_vec::<u8>().unwrap(),
            [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]
        );
        assert!(
            NdArray::from_parts(u1, &[4, 3], &[6, 3], 0, PickleBuffer::from_slice(&v)).is_err()
        );
        assert!(
            NdArray::new(u1, &[usize::MAX, 2], Order::C, PickleBuffer::from_slice(&v)).is_err()
        );
    }

    #[test]
    fn typed_views_check_type_order_and_alignment() {
        let v = vec![1.5f64, 2.5];
        let a = NdArray::from_slice(&v, &[2], Order::C).unwrap();
        assert_eq!(a.as_slice::<f64>().unwrap().as_ptr(), v.as_ptr());
        assert!(a.as_slice::<i64>().is_err());
        let be = NdArray::new(
            Dtype::parse(">f8").unwrap(),
            &[1],
            Order::C,
            PickleBuffer::from_slice(&[0x3f, 0xf8, 0, 0, 0, 0, 0, 0]),
        )
        .unwrap();
        assert!(be.as_slice::<f64>().is_err());
        assert_eq!(be.to_vec::<f64>().unwrap(), [1.5]);
        let owned = NdArray::from_vec(vec![1i32, 2, 3, 4], &[2, 2], Order::F).unwrap();
        assert_eq!(owned.to_vec::<i32>().unwrap(), [1, 3, 2, 4]);
        assert_eq!(owned.as_slice_memory_order::<i32>().unwrap(), [1, 2, 3, 4]);
    }

    // The tests below exercise this module's `unsafe` code: `slice_bytes`
    // (`from_raw_parts`), `typed_view` (`align_to`, aligned and not) and
    // every `Element` impl. `.ci/miri.sh` runs them under Miri.

    fn view_error(message: &str) -> Error {
        Error::View {
            message: message.to_string().into(),
        }
    }

    fn not_aligned<T>() -> Error {
        view_error(&format!(
            "the data is not aligned for {}: use to_vec",
            std::any::type_name::<T>()
        ))
    }

    /// `payload` placed `prefix` bytes into 8-aligned memory (a `Vec<u64>`),
    /// so the payload's address modulo 8 is exactly `prefix % 8`.
    fn aligned_words(prefix: usize, payload: &[u8]) -> Vec<u64> {
        let mut b = vec![0xaa; prefix];
        b.extend_from_slice(payload);
        b.resize(b.len().div_ceil(8) * 8, 0xaa);
        b.chunks_exact(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
            .collect()
    }

    /// One `Element` impl end to end: its constants, `slice_bytes`, `from_ne`,
    /// and borrowed and owned views through `align_to` on aligned memory.
    /// `ne` is `values` in native byte order, computed independently.
    fn check_element<T: Element + PartialEq + std::fmt::Debug>(values: &[T], ne: &[u8]) {
        assert_eq!(T::SIZE, std::mem::size_of::<T>());
        assert_eq!(ne.len(), values.len() * T::SIZE);
        // slice_bytes: the same memory, the native bytes
        let b = slice_bytes(values);
        assert_eq!(b.as_ptr(), values.as_ptr().cast::<u8>());
        assert_eq!(b, ne);
        assert!(T::valid(b));
        for (v, e) in values.iter().zip(ne.chunks_exact(T::SIZE)) {
            assert_eq!(T::from_ne(e), *v);
        }
        // a borrowed view: no copy
        let a = NdArray::from_slice(values, &[values.len()], Order::C).unwrap();
        assert_eq!((a.dtype().kind(), a.dtype().itemsize()), (T::KIND, T::SIZE));
        assert_eq!(a.data().raw().unwrap().as_ptr(), b.as_ptr());
        let v = a.as_slice::<T>().unwrap();
        assert_eq!(v.as_ptr(), values.as_ptr());
        assert_eq!(v, values);
        let v = a.as_slice_memory_order::<T>().unwrap();
        assert_eq!(v.as_ptr(), values.as_ptr());
        assert_eq!(a.to_vec::<T>().unwrap(), values);
        // an owned view: the Vec's own memory behind `Bytes` (VecOwner)
        let owned = values.to_vec();
        let p = owned.as_ptr();
        let o = NdArray::from_vec(owned, &[values.len()], Order::C).unwrap();
        assert_eq!(o.data().raw().unwrap(), ne);
        let v = o.as_slice::<T>().unwrap();
        assert_eq!(v.as_ptr(), p);
        assert_eq!(v, values);
        // and a clone shares it
        let c = o.clone();
        assert_eq!(c.as_slice::<T>().unwrap().as_ptr(), p);
        drop(o);
        assert_eq!(c.as_slice::<T>().unwrap(), values);
        // empty arrays: empty views at the (dangling) slice pointer
        let e = NdArray::from_slice::<T>(&[], &[0], Order::C).unwrap();
        assert!(slice_bytes::<T>(&[]).is_empty());
        assert_eq!(e.as_slice::<T>().unwrap(), &[] as &[T]);
        assert_eq!(e.to_vec::<T>().unwrap(), Vec::<T>::new());
    }

    /// The `align_to` view of `values` (native bytes `ne`) at every offset
    /// 0..8 into aligned memory: a view exactly at the aligned offsets,
    /// an alignment error at the others, and `to_vec` copies everywhere.
    fn check_alignment<T: Element + PartialEq + std::fmt::Debug>(values: &[T], ne: &[u8]) {
        let dtype = Dtype::new(T::KIND, T::SIZE, crate::dtype::ByteOrder::NATIVE).unwrap();
        let align = std::mem::align_of::<T>();
        for prefix in 0..8 {
            let words = aligned_words(prefix, ne);
            let bytes = &slice_bytes(&words)[prefix..prefix + ne.len()];
            assert_eq!(bytes, ne);
            let a = NdArray::new(
                dtype,
                &[values.len()],
                Order::C,
                PickleBuffer::from_slice(bytes),
            )
            .unwrap();
            if prefix % align == 0 {
                let v = a.as_slice::<T>().unwrap();
                assert_eq!(v.as_ptr().cast::<u8>(), bytes.as_ptr());
                assert_eq!(v, values);
                let v = a.as_slice_memory_order::<T>().unwrap();
                assert_eq!(v.as_ptr().cast::<u8>(), bytes.as_ptr());
            } else {
                assert_eq!(a.as_slice::<T>().unwrap_err(), not_aligned::<T>());
                assert_eq!(
                    a.as_slice_memory_order::<T>().unwrap_err(),
                    not_aligned::<T>()
                );
            }
            assert_eq!(a.to_vec::<T>().unwrap(), values);
            // the same through an offset into the whole buffer
            let all = slice_bytes(&words);
            let a = NdArray::from_parts(
                dtype,
                &[values.len()],
                &[T::SIZE],
                prefix,
                PickleBuffer::from_slice(all),
            )
            .unwrap();
            match a.as_slice::<T>() {
                Ok(v) => {
                    assert_eq!(prefix % align, 0);
                    assert_eq!(v.as_ptr().cast::<u8>(), all[prefix..].as_ptr());
                    assert_eq!(v, values);
                }
                Err(e) => {
                    assert_ne!(prefix % align, 0);
                    assert_eq!(e, not_aligned::<T>());
                }
            }
            assert_eq!(a.to_vec::<T>().unwrap(), values);
        }
    }

    macro_rules! check_numbers {
        ($($t:ty: [$($v:expr),* $(,)?];)*) => {$({
            let values: Vec<$t> = vec![$($v),*];
            let ne: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
            check_element(&values, &ne);
            check_alignment(&values, &ne);
        })*};
    }

    #[test]
    fn every_element_type_views_without_copying() {
        check_numbers! {
            u8: [0, 1, 0x7f, 0x80, 0xff];
            i8: [0, -1, i8::MIN, i8::MAX, 42];
            u16: [0, 1, 0x1234, u16::MAX, 0x8000];
            i16: [0, -1, i16::MIN, i16::MAX, -12345];
            u32: [0, 1, 0x0102_0304, u32::MAX, 0xdead_beef];
            i32: [0, -1, i32::MIN, i32::MAX, -7];
            u64: [0, 1, 0x0102_0304_0506_0708, u64::MAX, 1 << 63];
            i64: [0, -1, i64::MIN, i64::MAX, -7];
            f32: [0.0, -0.0, 1.5, f32::MIN_POSITIVE, f32::NEG_INFINITY];
            f64: [0.0, -0.0, 1.5, f64::MIN_POSITIVE, f64::INFINITY];
        }
        // half::f16: 1.5, -2, the smallest subnormal, the largest finite
        let values = [
            half::f16::from_f32(1.5),
            half::f16::from_f32(-2.0),
            half::f16::from_bits(0x0001),
            half::f16::MAX,
        ];
        let ne: Vec<u8> = [0x3e00u16, 0xc000, 0x0001, 0x7bff]
            .iter()
            .flat_map(|b| b.to_ne_bytes())
            .collect();
        check_element(&values, &ne);
        check_alignment(&values, &ne);
        // bool (valid bytes only; see bool_views_accept_only_0_and_1)
        let values = [false, true, true, false, true];
        check_element(&values, &[0, 1, 1, 0, 1]);
        check_alignment(&values, &[0, 1, 1, 0, 1]);
    }

    #[test]
    fn f16_nan_payloads_and_byte_order() {
        // a NaN payload survives the view bit for bit
        let bits = [0x7e01u16, 0xfc01, 0x3c00];
        let ne: Vec<u8> = bits.iter().flat_map(|b| b.to_ne_bytes()).collect();
        let words = aligned_words(0, &ne); // a Vec<u8> need not be 2-aligned
        let a = NdArray::new(
            Dtype::parse("f2").unwrap(),
            &[3],
            Order::C,
            PickleBuffer::from_slice(&slice_bytes(&words)[..6]),
        )
        .unwrap();
        let v = a.as_slice::<half::f16>().unwrap();
        assert_eq!(v.as_ptr().cast::<u8>(), a.data().raw().unwrap().as_ptr());
        assert_eq!(v.iter().map(|h| h.to_bits()).collect::<Vec<_>>(), bits);
        assert!(v[0].is_nan() && v[1].is_nan());
        assert_eq!(v[2], half::f16::ONE);
        // the other byte order: no view, a swapped copy
        let other = if cfg!(target_endian = "little") {
            ">f2"
        } else {
            "<f2"
        };
        let swapped: Vec<u8> = [0x3e00u16, 0xc000]
            .iter()
            .flat_map(|b| {
                if cfg!(target_endian = "little") {
                    b.to_be_bytes()
                } else {
                    b.to_le_bytes()
                }
            })
            .collect();
        let a = NdArray::new(
            Dtype::parse(other).unwrap(),
            &[2],
            Order::C,
            PickleBuffer::from_slice(&swapped),
        )
        .unwrap();
        assert!(matches!(a.as_slice::<half::f16>(), Err(Error::View { .. })));
        assert_eq!(
            a.to_vec::<half::f16>().unwrap(),
            [half::f16::from_f32(1.5), half::f16::from_f32(-2.0)]
        );
        // f16 is not u16 (same size, other kind)
        assert!(a.to_vec::<u16>().is_err());
    }

    #[test]
    fn bool_views_accept_only_0_and_1() {
        let b1 = Dtype::parse("b1").unwrap();
        let bad = view_error("bool array holds bytes other than 0 and 1");
        assert!(bool::valid(&[0, 1, 1, 0]));
        assert!(!bool::valid(&[0, 1, 2]));
        assert!(<u8 as Element>::valid(&[2, 0xff]));
        for byte in [2u8, 3, 0x7f, 0x80, 0xfe, 0xff] {
            for at in 0..4 {
                let mut data = [1u8, 0, 1, 0];
                data[at] = byte;
                for order in [Order::C, Order::F] {
                    let a =
                        NdArray::new(b1, &[2, 2], order, PickleBuffer::from_slice(&data)).unwrap();
                    if order == Order::C {
                        assert_eq!(a.as_slice::<bool>().unwrap_err(), bad);
                    }
                    assert_eq!(a.as_slice_memory_order::<bool>().unwrap_err(), bad);
                    assert_eq!(a.to_vec::<bool>().unwrap_err(), bad);
                    // the raw bytes stay readable (as bytes, not bools)
                    if order == Order::C {
                        assert_eq!(*a.to_c_bytes().unwrap(), data);
                    }
                }
            }
        }
        // a view of valid bytes is the bytes
        let data = [1u8, 0, 0, 1];
        let a = NdArray::new(b1, &[2, 2], Order::F, PickleBuffer::from_slice(&data)).unwrap();
        let v = a.as_slice_memory_order::<bool>().unwrap();
        assert_eq!(v.as_ptr().cast::<u8>(), data.as_ptr());
        assert_eq!(v, [true, false, false, true]);
        assert_eq!(a.to_vec::<bool>().unwrap(), [true, false, false, true]);
        // only the bytes of the elements count: the invalid bytes here sit
        // outside a view's region and in the gaps of a strided array
        let data = [7u8, 1, 0, 7, 1];
        let a = NdArray::from_parts(b1, &[2], &[1], 1, PickleBuffer::from_slice(&data)).unwrap();
        let v = a.as_slice::<bool>().unwrap();
        assert_eq!(v.as_ptr().cast::<u8>(), data[1..].as_ptr());
        assert_eq!(v, [true, false]);
        let s = NdArray::from_parts(b1, &[2], &[3], 1, PickleBuffer::from_slice(&data)).unwrap();
        assert_eq!(s.layout(), Layout::Strided);
        assert_eq!(s.to_vec::<bool>().unwrap(), [true, true]);
        assert!(matches!(s.as_slice::<bool>(), Err(Error::View { .. })));
    }

    #[test]
    fn dense_layouts_view_in_memory_order() {
        let v: Vec<f64> = (0..6).map(f64::from).collect();
        let f = NdArray::from_slice(&v, &[2, 3], Order::F).unwrap();
        assert!(matches!(f.as_slice::<f64>(), Err(Error::View { .. })));
        let m = f.as_slice_memory_order::<f64>().unwrap();
        assert_eq!(m.as_ptr(), v.as_ptr());
        assert_eq!(m, v);
        assert_eq!(f.to_vec::<f64>().unwrap(), [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]);
        let bytes = slice_bytes(&v);
        let k = NdArray::permuted(
            Dtype::parse("f8").unwrap(),
            &[2, 3],
            &[1, 0],
            PickleBuffer::from_slice(bytes),
        )
        .unwrap();
        let m = k.as_slice_memory_order::<f64>().unwrap();
        assert_eq!(m.as_ptr(), v.as_ptr());
        assert_eq!(k.to_vec::<f64>().unwrap(), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        // an owned F-ordered array: into_owned keeps the shared memory
        let o = NdArray::from_vec(v.clone(), &[3, 2], Order::F).unwrap();
        let p = o.as_slice_memory_order::<f64>().unwrap().as_ptr();
        let o = o.into_owned();
        assert_eq!(o.as_slice_memory_order::<f64>().unwrap().as_ptr(), p);
        // a borrowed one is copied once, then views the copy
        // (into a `Vec<u8>`-backed `Bytes`, so its alignment for `f64` is
        // up to the allocator: Miri hands out arbitrarily aligned memory)
        let b = NdArray::from_slice(&v, &[6], Order::C)
            .unwrap()
            .into_owned();
        let copy = b.data().raw().unwrap();
        assert_ne!(copy.as_ptr(), v.as_ptr().cast::<u8>());
        assert_eq!(copy, slice_bytes(&v));
        match b.as_slice::<f64>() {
            Ok(c) => {
                assert_eq!(c.as_ptr().cast::<u8>(), copy.as_ptr());
                assert_eq!(c, v);
            }
            Err(e) => {
                assert_ne!(copy.as_ptr().align_offset(8), 0);
                assert_eq!(e, not_aligned::<f64>());
            }
        }
        assert_eq!(b.to_vec::<f64>().unwrap(), v);
    }
}
