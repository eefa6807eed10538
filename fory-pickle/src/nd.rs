//! The `ndarray` feature: loaded arrays as `ndarray` views and arrays, and
//! `ndarray` arrays as [`NdArray`]s that [`dumps`](crate::dumps) writes.
//!
//! | from | to | copies |
//! |---|---|---|
//! | [`NdArray`] | `ArrayViewD<'_, T>` ([`NdArray::as_array_view`]) | none: borrows the array's bytes |
//! | [`NdArray`] read by [`loads`](crate::loads) | `ArrayViewD<'a, T>` ([`NdArray::borrowed_array_view`]) | none: borrows the supplied buffer (or the stream) and outlives the `NdArray` |
//! | [`NdArray`] | `ArrayD<T>` ([`NdArray::to_array`]) | one (any byte order, alignment, layout) |
//! | `ArrayView<'a, T, D>` | [`NdArray<'a>`] ([`NdArray::from_array_view`], `TryFrom`) | none when contiguous (C, F or permuted) with non-negative strides; else one, into C order |
//! | `Array<T, D>` | [`NdArray<'static>`] ([`NdArray::from_array`], `TryFrom`) | none when contiguous and the vector holds just the elements; else one |
//!
//! Views accept C, F, `'K'` (permuted) and strided arrays; they need the
//! dtype of `T` ([`NdElement`]), this machine's byte order, an address
//! aligned for `T` and byte strides that are multiples of the item size,
//! and fail with [`Error::ArrayView`] otherwise (never a panic). For typed
//! dimensions, `into_dimensionality` the `IxDyn` result: its
//! `ndarray::ShapeError` converts into [`Error`].
//!
//! Element types are numpy's numeric dtypes: `bool`, `i8`–`i64`, `u8`–`u64`,
//! `half::f16`, `f32`, `f64`, and `num_complex::Complex<f32>` /
//! `Complex<f64>` for `complex64` / `complex128`. Bytes become elements
//! through `bytemuck` (`CheckedBitPattern` validates `bool` bytes).
//!
//! ```
//! use fory_core::Placement;
//! use fory_pickle::{NdArray, PickleValue};
//! use ndarray::{array, ArrayView2, Ix2};
//!
//! let a = array![[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! let fortran = a.t(); // a (3, 2) F-ordered view
//! let value = PickleValue::try_from(fortran.view())?;
//! let mut bufs = Vec::new();
//! let stream = fory_pickle::dumps(&value, |b| { bufs.push(b); Placement::OutOfBand })?;
//! assert_eq!(bufs[0].as_bytes().as_ptr(), a.as_ptr().cast()); // offered without a copy
//!
//! let supplied = [bufs[0].as_bytes()];
//! let back = fory_pickle::loads(&stream, &supplied)?;
//! let view: ArrayView2<f64> =
//!     back.as_array().unwrap().borrowed_array_view::<f64>()?.into_dimensionality::<Ix2>()?;
//! assert_eq!(view, fortran);
//! assert_eq!(view.as_ptr(), a.as_ptr()); // read back without a copy
//! # Ok::<(), fory_pickle::Error>(())
//! ```

use std::mem::{align_of, size_of};

use bytemuck::checked::CheckedCastError;
use bytemuck::{CheckedBitPattern, NoUninit, PodCastError};
use bytes::Bytes;
use ndarray::{
    Array, ArrayBase, ArrayD, ArrayView, ArrayViewD, Data, Dimension, IxDyn, ShapeBuilder,
};
use num_complex::Complex;

use crate::array::{NdArray, Order};
use crate::buffer::PickleBuffer;
use crate::dtype::{ByteOrder, Dtype, Kind};
use crate::error::{Error, Result, ViewError};
use crate::value::PickleValue;

mod sealed {
    pub trait Sealed {}
}

/// An element type of a numeric numpy dtype, for `ndarray` conversions:
/// `bool`, `i8`–`i64`, `u8`–`u64`, `half::f16`, `f32`, `f64`,
/// `num_complex::Complex<f32>` and `Complex<f64>`. Sealed.
pub trait NdElement:
    CheckedBitPattern + NoUninit + Copy + Send + Sync + 'static + sealed::Sealed
{
    /// The dtype kind (the size is `size_of::<Self>()`).
    const KIND: Kind;
}

macro_rules! nd_element {
    ($($t:ty => $kind:ident;)*) => {$(
        impl sealed::Sealed for $t {}
        impl NdElement for $t {
            const KIND: Kind = Kind::$kind;
        }
    )*};
}

nd_element! {
    bool => Bool;
    i8 => Int;
    i16 => Int;
    i32 => Int;
    i64 => Int;
    u8 => UInt;
    u16 => UInt;
    u32 => UInt;
    u64 => UInt;
    half::f16 => Float;
    f32 => Float;
    f64 => Float;
    Complex<f32> => Complex;
    Complex<f64> => Complex;
}

/// The native-order dtype of `T`.
fn dtype_of<T: NdElement>() -> Result<Dtype> {
    Dtype::new(T::KIND, size_of::<T>(), ByteOrder::NATIVE)
        .ok_or_else(|| Error::view("not a numpy element type"))
}

/// Bytes per byte-order unit: a complex number swaps its two halves separately.
fn swap_unit(dtype: Dtype) -> usize {
    match dtype.kind() {
        Kind::Complex => dtype.itemsize() / 2,
        _ => dtype.itemsize(),
    }
}

fn cast_error<T>(e: CheckedCastError) -> Error {
    Error::ArrayView(match e {
        CheckedCastError::InvalidBitPattern => ViewError::InvalidBool,
        CheckedCastError::PodCastError(PodCastError::TargetAlignmentGreaterAndInputNotAligned) => {
            ViewError::Misaligned {
                requested: std::any::type_name::<T>(),
                align: align_of::<T>(),
            }
        }
        CheckedCastError::PodCastError(other) => ViewError::Shape(other.to_string()),
    })
}

impl From<ndarray::ShapeError> for Error {
    fn from(e: ndarray::ShapeError) -> Self {
        Error::ArrayView(ViewError::Shape(e.to_string()))
    }
}

/// Keeps a `Vec<T>` alive behind a `Bytes`.
struct VecOwner<T: NdElement>(Vec<T>);

impl<T: NdElement> AsRef<[u8]> for VecOwner<T> {
    fn as_ref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.0)
    }
}

/// Byte strides of a contiguous `ndarray` layout, when none is negative
/// (axes of length 0 or 1 get 0: their stride is never used).
fn byte_strides(shape: &[usize], strides: &[isize], itemsize: usize) -> Option<Vec<usize>> {
    shape
        .iter()
        .zip(strides)
        .map(|(&d, &s)| {
            if d <= 1 {
                Some(0)
            } else {
                usize::try_from(s).ok()?.checked_mul(itemsize)
            }
        })
        .collect()
}

impl<'a> NdArray<'a> {
    fn check_view_type<T: NdElement>(&self) -> Result<()> {
        let d = self.dtype();
        if d.kind() != T::KIND || d.itemsize() != size_of::<T>() {
            return Err(Error::ArrayView(ViewError::WrongType {
                dtype: d,
                requested: std::any::type_name::<T>(),
            }));
        }
        Ok(())
    }

    /// A view of the elements, which live in `bytes` (the array's data).
    fn view_in<'s, T: NdElement>(&self, bytes: &'s [u8]) -> Result<ArrayViewD<'s, T>> {
        self.check_view_type::<T>()?;
        if !self.dtype().is_native() {
            return Err(Error::ArrayView(ViewError::ByteOrder {
                dtype: self.dtype(),
            }));
        }
        let shape = IxDyn(self.shape());
        if self.is_empty() {
            return Ok(ArrayView::from_shape(shape, &[])?);
        }
        let itemsize = size_of::<T>();
        let strides = self
            .shape()
            .iter()
            .zip(self.strides())
            .map(|(&d, &s)| match d {
                0 | 1 => Ok(0),
                _ if s % itemsize == 0 => Ok(s / itemsize),
                _ => Err(Error::ArrayView(ViewError::Stride {
                    stride: s,
                    itemsize,
                })),
            })
            .collect::<Result<Vec<usize>>>()?;
        let (lo, hi) = self.extent();
        let region = bytes
            .get(lo..hi)
            .ok_or_else(|| Error::bad_array(0, "elements beyond the buffer"))?;
        let elements: &'s [T] =
            bytemuck::checked::try_cast_slice(region).map_err(cast_error::<T>)?;
        Ok(ArrayView::from_shape(
            shape.strides(IxDyn(&strides)),
            elements,
        )?)
    }

    /// A zero-copy `ndarray` view of the elements (any layout: C, F,
    /// permuted, strided), borrowing the array's bytes: for an array read
    /// out-of-band, the buffer you supplied.
    ///
    /// Errors ([`Error::ArrayView`]): `T` is not the dtype, the byte order
    /// is not this machine's, the data is not aligned for `T`, a stride is
    /// not a multiple of the item size, or `bool` bytes are not 0 or 1.
    /// [`to_array`](Self::to_array) copies instead and handles all but the first.
    pub fn as_array_view<T: NdElement>(&self) -> Result<ArrayViewD<'_, T>> {
        self.view_in(self.data().raw()?)
    }

    /// Like [`as_array_view`](Self::as_array_view), with the lifetime of
    /// the bytes themselves when the array borrows them (arrays read by
    /// [`loads`](crate::loads) borrow the supplied buffers or the stream):
    /// the view outlives this `NdArray` and the value it came in.
    /// [`ViewError::NotBorrowed`] for arrays that own or share their bytes
    /// (built from a `Vec`, read by [`loads_shared`](crate::loads_shared)).
    pub fn borrowed_array_view<T: NdElement>(&self) -> Result<ArrayViewD<'a, T>> {
        let bytes = match self.data().as_borrowed() {
            Some(b) => b,
            None if self.data().is_released() => return Err(Error::Released),
            None => return Err(Error::ArrayView(ViewError::NotBorrowed)),
        };
        self.view_in(bytes)
    }

    /// The elements as an owned `ndarray` array in standard (C) layout:
    /// exactly one copy, from any layout, byte order and alignment.
    /// [`ViewError::WrongType`] when `T` is not the dtype,
    /// [`ViewError::InvalidBool`] for `bool` bytes other than 0 and 1.
    pub fn to_array<T: NdElement>(&self) -> Result<ArrayD<T>> {
        self.check_view_type::<T>()?;
        let bytes = self.data().raw()?;
        let itemsize = size_of::<T>();
        let elements: Vec<T> = if self.dtype().is_native() && self.is_c_contiguous() {
            let region = bytes
                .get(self.offset()..self.offset() + self.nbytes())
                .ok_or_else(|| Error::bad_array(0, "elements beyond the buffer"))?;
            match bytemuck::checked::try_cast_slice::<u8, T>(region) {
                Ok(items) => items.to_vec(),
                Err(CheckedCastError::InvalidBitPattern) => {
                    return Err(Error::ArrayView(ViewError::InvalidBool))
                }
                Err(_) => region
                    .chunks_exact(itemsize)
                    .map(bytemuck::checked::try_pod_read_unaligned::<T>)
                    .collect::<std::result::Result<_, _>>()
                    .map_err(cast_error::<T>)?,
            }
        } else {
            let swap = !self.dtype().is_native();
            let unit = swap_unit(self.dtype());
            let mut out = Vec::with_capacity(self.len());
            let mut tmp = [0u8; 16];
            let mut bad = false;
            self.for_each_element(bytes, |e| {
                let t = &mut tmp[..itemsize];
                t.copy_from_slice(e);
                if swap {
                    t.chunks_exact_mut(unit).for_each(<[u8]>::reverse);
                }
                match bytemuck::checked::try_pod_read_unaligned::<T>(t) {
                    Ok(v) => out.push(v),
                    Err(_) => bad = true,
                }
            });
            if bad {
                return Err(Error::ArrayView(ViewError::InvalidBool));
            }
            out
        };
        Ok(ArrayD::from_shape_vec(IxDyn(self.shape()), elements)?)
    }

    /// An array over an `ndarray` view's memory (no copy; read-only) when
    /// the view is contiguous in some axis order (C, F or permuted) with no
    /// negative stride; otherwise the elements are copied once into a new
    /// C-ordered array. [`dumps`](crate::dumps) offers the view's own
    /// memory to the buffer callback.
    pub fn from_array_view<T: NdElement, D: Dimension>(
        view: ArrayView<'a, T, D>,
    ) -> Result<NdArray<'a>> {
        let dtype = dtype_of::<T>()?;
        let shape = view.shape().to_vec();
        if let Some(elements) = view.to_slice_memory_order() {
            if let Some(strides) = byte_strides(&shape, view.strides(), size_of::<T>()) {
                let bytes: &'a [u8] = bytemuck::cast_slice(elements);
                return NdArray::from_parts(
                    dtype,
                    &shape,
                    &strides,
                    0,
                    PickleBuffer::from_slice(bytes),
                );
            }
        }
        let elements: Vec<T> = view.iter().copied().collect();
        Ok(NdArray::from_elements(dtype, &shape, elements)?.with_readonly(true))
    }

    /// An array owning an `ndarray` array's elements (writable). No copy
    /// when the array is contiguous (C, F or permuted) with no negative
    /// stride and its vector holds just its elements (a fresh array, not a
    /// slice of one); otherwise they are copied once into C order.
    pub fn from_array<T: NdElement, D: Dimension>(array: Array<T, D>) -> Result<NdArray<'static>> {
        let dtype = dtype_of::<T>()?;
        let shape = array.shape().to_vec();
        let n = array.len();
        let strides = array
            .as_slice_memory_order()
            .and_then(|_| byte_strides(&shape, array.strides(), size_of::<T>()));
        if let Some(strides) = strides {
            let (vec, offset) = array.into_raw_vec_and_offset();
            if vec.len() == n && offset.unwrap_or(0) == 0 {
                let bytes = Bytes::from_owner(VecOwner(vec));
                return NdArray::from_parts(
                    dtype,
                    &shape,
                    &strides,
                    0,
                    PickleBuffer::shared(bytes, false),
                );
            }
            // a slice of a larger allocation: keep only the elements
            let view = ArrayView::from_shape(
                IxDyn(&shape).strides(IxDyn(
                    &strides
                        .iter()
                        .map(|s| s / size_of::<T>())
                        .collect::<Vec<_>>(),
                )),
                vec.get(offset.unwrap_or(0)..).unwrap_or_default(),
            )?;
            return NdArray::from_elements(dtype, &shape, view.iter().copied().collect());
        }
        NdArray::from_elements(dtype, &shape, array.iter().copied().collect())
    }

    /// A writable C-ordered array owning `elements` (logical order).
    fn from_elements<T: NdElement>(
        dtype: Dtype,
        shape: &[usize],
        elements: Vec<T>,
    ) -> Result<NdArray<'static>> {
        let bytes = Bytes::from_owner(VecOwner(elements));
        NdArray::new(dtype, shape, Order::C, PickleBuffer::shared(bytes, false))
    }
}

impl<'a, T: NdElement, D: Dimension> TryFrom<ArrayView<'a, T, D>> for NdArray<'a> {
    type Error = Error;
    /// [`NdArray::from_array_view`].
    fn try_from(view: ArrayView<'a, T, D>) -> Result<Self> {
        NdArray::from_array_view(view)
    }
}

impl<'a, S, T, D> TryFrom<&'a ArrayBase<S, D>> for NdArray<'a>
where
    S: Data<Elem = T>,
    T: NdElement,
    D: Dimension,
{
    type Error = Error;
    /// [`NdArray::from_array_view`] of `array.view()`.
    fn try_from(array: &'a ArrayBase<S, D>) -> Result<Self> {
        NdArray::from_array_view(array.view())
    }
}

impl<T: NdElement, D: Dimension> TryFrom<Array<T, D>> for NdArray<'static> {
    type Error = Error;
    /// [`NdArray::from_array`].
    fn try_from(array: Array<T, D>) -> Result<Self> {
        NdArray::from_array(array)
    }
}

impl<'a, T: NdElement, D: Dimension> TryFrom<ArrayView<'a, T, D>> for PickleValue<'a> {
    type Error = Error;
    /// A [`PickleValue::Array`] of [`NdArray::from_array_view`].
    fn try_from(view: ArrayView<'a, T, D>) -> Result<Self> {
        NdArray::from_array_view(view).map(PickleValue::Array)
    }
}

impl<'a, S, T, D> TryFrom<&'a ArrayBase<S, D>> for PickleValue<'a>
where
    S: Data<Elem = T>,
    T: NdElement,
    D: Dimension,
{
    type Error = Error;
    /// A [`PickleValue::Array`] of `array.view()`.
    fn try_from(array: &'a ArrayBase<S, D>) -> Result<Self> {
        NdArray::from_array_view(array.view()).map(PickleValue::Array)
    }
}

impl<T: NdElement, D: Dimension> TryFrom<Array<T, D>> for PickleValue<'static> {
    type Error = Error;
    /// A [`PickleValue::Array`] of [`NdArray::from_array`].
    fn try_from(array: Array<T, D>) -> Result<Self> {
        NdArray::from_array(array).map(PickleValue::Array)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr2, s, Array3, Ix2};

    #[test]
    fn views_of_every_layout() {
        let base: Vec<u8> = (0u8..24).collect();
        let u1 = Dtype::parse("u1").unwrap();
        // C, F, permuted ('K') and strided
        let c = NdArray::new(u1, &[2, 3, 4], Order::C, PickleBuffer::from_slice(&base)).unwrap();
        let f = NdArray::new(u1, &[2, 3, 4], Order::F, PickleBuffer::from_slice(&base)).unwrap();
        let k =
            NdArray::permuted(u1, &[2, 3, 4], &[2, 0, 1], PickleBuffer::from_slice(&base)).unwrap();
        let st =
            NdArray::from_parts(u1, &[4, 3], &[6, 2], 1, PickleBuffer::from_slice(&base)).unwrap();
        for a in [&c, &f, &k, &st] {
            let v = a.borrowed_array_view::<u8>().unwrap();
            assert_eq!(v.shape(), a.shape());
            assert!(base.as_ptr_range().contains(&v.as_ptr()));
            assert_eq!(
                v.iter().copied().collect::<Vec<_>>(),
                a.to_vec::<u8>().unwrap()
            );
            assert_eq!(a.to_array::<u8>().unwrap(), v);
        }
        let cv = Array3::from_shape_vec((2, 3, 4), base.clone()).unwrap();
        assert_eq!(
            k.as_array_view::<u8>().unwrap(),
            cv.view().permuted_axes([2, 0, 1]).into_dyn()
        );
        assert_eq!(
            st.as_array_view::<u8>().unwrap(),
            Array3::from_shape_vec((1, 4, 6), base[1..].iter().copied().chain([0]).collect())
                .unwrap()
                .slice(s![0, .., ..;2])
                .into_dyn()
        );
    }

    #[test]
    fn typed_errors() {
        let v = vec![1.5f64, 2.5, 3.5];
        let a = NdArray::from_slice(&v, &[3], Order::C).unwrap();
        assert!(matches!(
            a.as_array_view::<i64>(),
            Err(Error::ArrayView(ViewError::WrongType { .. }))
        ));
        assert!(matches!(
            a.as_array_view::<f64>()
                .unwrap()
                .into_dimensionality::<Ix2>()
                .map_err(Error::from),
            Err(Error::ArrayView(ViewError::Shape(_)))
        ));
        // big-endian
        let be: Vec<u8> = v.iter().flat_map(|x| x.to_be_bytes()).collect();
        let b = NdArray::new(
            Dtype::parse(">f8").unwrap(),
            &[3],
            Order::C,
            PickleBuffer::from_slice(&be),
        )
        .unwrap();
        assert!(matches!(
            b.as_array_view::<f64>(),
            Err(Error::ArrayView(ViewError::ByteOrder { .. }))
        ));
        assert_eq!(b.to_array::<f64>().unwrap().as_slice().unwrap(), v);
        // a byte stride that is not a multiple of the item size
        let raw = vec![0u8; 64];
        let odd = NdArray::from_parts(
            Dtype::parse("<i4").unwrap(),
            &[3],
            &[6],
            0,
            PickleBuffer::from_slice(&raw),
        )
        .unwrap();
        assert!(matches!(
            odd.as_array_view::<i32>(),
            Err(Error::ArrayView(ViewError::Stride {
                stride: 6,
                itemsize: 4
            }))
        ));
        assert_eq!(odd.to_array::<i32>().unwrap().len(), 3);
        // bools
        let bytes = [0u8, 1, 2];
        let bo = NdArray::new(
            Dtype::parse("b1").unwrap(),
            &[3],
            Order::C,
            PickleBuffer::from_slice(&bytes),
        )
        .unwrap();
        assert!(matches!(
            bo.as_array_view::<bool>(),
            Err(Error::ArrayView(ViewError::InvalidBool))
        ));
        assert!(matches!(
            bo.to_array::<bool>(),
            Err(Error::ArrayView(ViewError::InvalidBool))
        ));
        // owned bytes have no 'a view
        let owned = NdArray::from_vec(vec![1u8, 2], &[2], Order::C).unwrap();
        assert!(matches!(
            owned.borrowed_array_view::<u8>(),
            Err(Error::ArrayView(ViewError::NotBorrowed))
        ));
        assert_eq!(owned.as_array_view::<u8>().unwrap().len(), 2);
    }

    #[test]
    fn big_endian_complex_swaps_each_half() {
        let z = [Complex::new(1.5f64, -2.0), Complex::new(0.25, 8.0)];
        let be: Vec<u8> = z
            .iter()
            .flat_map(|c| c.re.to_be_bytes().into_iter().chain(c.im.to_be_bytes()))
            .collect();
        let a = NdArray::new(
            Dtype::parse(">c16").unwrap(),
            &[2],
            Order::C,
            PickleBuffer::from_slice(&be),
        )
        .unwrap();
        assert_eq!(a.to_array::<Complex<f64>>().unwrap().as_slice().unwrap(), z);
    }

    #[test]
    fn from_ndarray_layouts() {
        let a = arr2(&[[1i32, 2, 3], [4, 5, 6]]);
        for (v, layout) in [(a.view(), crate::Layout::C), (a.t(), crate::Layout::F)] {
            let nd = NdArray::from_array_view(v).unwrap();
            assert_eq!(nd.layout(), layout);
            assert_eq!(nd.data().raw().unwrap().as_ptr(), a.as_ptr().cast());
            assert_eq!(nd.as_array_view::<i32>().unwrap(), v.into_dyn());
        }
        // negative strides and gaps: one copy into C order
        let rev = a.slice(s![.., ..;-1]);
        let nd = NdArray::from_array_view(rev).unwrap();
        assert_eq!(nd.layout(), crate::Layout::C);
        assert_eq!(nd.to_array::<i32>().unwrap(), rev.into_dyn());
        let gaps = a.slice(s![.., ..;2]);
        assert_eq!(
            NdArray::from_array_view(gaps)
                .unwrap()
                .to_array::<i32>()
                .unwrap(),
            gaps.into_dyn()
        );
        // owned: the vector is kept, or the slice copied
        let ptr = a.as_ptr();
        let nd = NdArray::from_array(a.clone().reversed_axes()).unwrap();
        assert_eq!(nd.layout(), crate::Layout::F);
        assert!(!nd.readonly());
        let sliced = a.clone().slice_move(s![1.., ..]);
        let nd = NdArray::from_array(sliced).unwrap();
        assert_eq!(nd.to_vec::<i32>().unwrap(), [4, 5, 6]);
        let moved = NdArray::from_array(a).unwrap();
        assert_eq!(moved.data().raw().unwrap().as_ptr(), ptr.cast());
    }
}
