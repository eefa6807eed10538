//! The wrapper types [`Nd`] and [`NdExt`] and the traits that connect them
//! to `ndarray`'s storage kinds.

use std::borrow::Cow;
use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

use fory_core::schema::{FieldType, Registration, TypeExpr};
use fory_core::serializer::structs::{read_ext_meta, write_ext_meta};
use fory_core::serializer::{
    read_internal_meta, Deserialize, ForyType, ReadContext, Serialize, WriteContext,
};
use fory_core::wire::type_id::{self as tid, TypeId};
use fory_core::{Error, OutOfBand, Result};
use ndarray::{ArcArray, Array, ArrayBase, ArrayView, CowArray, Data, Dimension, RawData};

use crate::element::Element;
use crate::gather;
use crate::header;
use crate::raw::RawArray;

mod sealed {
    pub trait Sealed {}
    impl<S: ndarray::RawData, D> Sealed for ndarray::ArrayBase<S, D> {}
    impl<T: Sealed + ?Sized> Sealed for &T {}
}

/// An `ndarray` array type (owned, view, shared or copy-on-write, or a
/// reference to one) with a supported element type. Sealed.
pub trait NdType: sealed::Sealed {
    /// Element type.
    type Elem: Element;
    /// Dimensionality (`Ix0`…`Ix6`, `IxDyn`).
    type Dim: Dimension;
}

impl<S: RawData, D: Dimension> NdType for ArrayBase<S, D>
where
    S::Elem: Element,
{
    type Elem = S::Elem;
    type Dim = D;
}

impl<T: NdType + ?Sized> NdType for &T {
    type Elem = T::Elem;
    type Dim = T::Dim;
}

/// An array that can be written: any `ArrayBase` whose storage can be read
/// (`Array`, `ArrayView`, `ArcArray`, `CowArray`, `ArrayViewMut`), or a
/// reference to one.
pub trait NdSource: NdType {
    /// A view of the array.
    fn nd_view(&self) -> ArrayView<'_, Self::Elem, Self::Dim>;
}

impl<S: Data, D: Dimension> NdSource for ArrayBase<S, D>
where
    S::Elem: Element,
{
    fn nd_view(&self) -> ArrayView<'_, S::Elem, D> {
        self.view()
    }
}

impl<T: NdSource + ?Sized> NdSource for &T {
    fn nd_view(&self) -> ArrayView<'_, T::Elem, T::Dim> {
        (**self).nd_view()
    }
}

/// An array type that can be read from a stream whose data lives for `'de`:
///
/// | type | data |
/// |---|---|
/// | `Array<A, D>` | copied once |
/// | `ArcArray<A, D>` | copied once (then shared by reference count) |
/// | `ArrayView<'de, A, D>` | borrowed from the stream or supplied buffer; an error when not aligned for `A` |
/// | `CowArray<'de, A, D>` | borrowed when aligned, copied once otherwise |
pub trait NdTarget<'de>: NdType + Sized {
    /// Converts a decoded array.
    fn from_raw(raw: &RawArray<'de>) -> Result<Self>;
}

/// Array types with an empty value (all axes of length 0; a single zero for
/// `Ix0`): the `Default` of [`Nd`] and [`NdExt`], which derived structs use
/// for fields missing from the stream.
pub trait NdEmpty: NdType {
    /// The empty array.
    fn empty() -> Self;
}

fn empty_dim<D: Dimension>() -> (D, usize) {
    let d = D::zeros(D::NDIM.unwrap_or(1));
    let n = d.size();
    (d, n)
}

impl<'de, A: Element, D: Dimension> NdTarget<'de> for Array<A, D> {
    fn from_raw(raw: &RawArray<'de>) -> Result<Self> {
        raw.to_array()
    }
}

impl<A: Element, D: Dimension> NdEmpty for Array<A, D> {
    fn empty() -> Self {
        let (d, n) = empty_dim::<D>();
        Array::from_shape_vec(d, vec![*A::zero_ref(); n])
            .unwrap_or_else(|_| unreachable!("n = size of d"))
    }
}

impl<'de, A: Element, D: Dimension> NdTarget<'de> for ArcArray<A, D> {
    fn from_raw(raw: &RawArray<'de>) -> Result<Self> {
        raw.to_array().map(Array::into_shared)
    }
}

impl<A: Element, D: Dimension> NdEmpty for ArcArray<A, D> {
    fn empty() -> Self {
        Array::<A, D>::empty().into_shared()
    }
}

impl<'de, A: Element, D: Dimension> NdTarget<'de> for ArrayView<'de, A, D> {
    fn from_raw(raw: &RawArray<'de>) -> Result<Self> {
        raw.view()
    }
}

impl<'a, A: Element, D: Dimension> NdEmpty for ArrayView<'a, A, D> {
    fn empty() -> Self {
        let (d, n) = empty_dim::<D>();
        let zero: &'static [A] = std::slice::from_ref(A::zero_ref());
        ArrayView::from_shape(d, &zero[..n]).unwrap_or_else(|_| unreachable!("n = size of d"))
    }
}

impl<'de, A: Element, D: Dimension> NdTarget<'de> for CowArray<'de, A, D> {
    fn from_raw(raw: &RawArray<'de>) -> Result<Self> {
        raw.cow()
    }
}

impl<'a, A: Element, D: Dimension> NdEmpty for CowArray<'a, A, D> {
    fn empty() -> Self {
        CowArray::from(ArrayView::<'a, A, D>::empty())
    }
}

/// The registered name of the extension type.
pub const NAME: &str = "fory.ndarray";

/// The registration of the extension type (by name, `fory` / `ndarray`).
pub fn registration() -> &'static Registration {
    static REG: OnceLock<Registration> = OnceLock::new();
    REG.get_or_init(|| Registration::by_name(NAME))
}

pub(crate) fn write_ext_type_meta(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
    write_ext_meta(ctx, NAME, registration())
}

/// Reads the type meta of an array: the one-byte id of a dense array, or the
/// extension's meta (checked to name `fory.ndarray`).
pub(crate) fn read_meta<'de, T: Deserialize<'de>>(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
    match ctx.reader().peek_u8()? {
        tid::NAMED_EXT | tid::EXT => read_ext_meta(ctx, NAME, registration()),
        _ => read_internal_meta::<T>(ctx),
    }
}

/// Writes the dense `*_ARRAY` body of a one-dimensional array.
fn write_dense<A: Element, D: Dimension>(
    v: ArrayView<'_, A, D>,
    ctx: &mut WriteContext<'_, '_>,
) -> Result<()> {
    let bytes = v.len() * std::mem::size_of::<A>();
    let n = u32::try_from(bytes).map_err(|_| Error::encode("dense array larger than 4 GiB"))?;
    let mut w = ctx.writer();
    w.var_u32(n);
    match v.to_slice() {
        Some(items) => w.bytes(bytemuck::cast_slice(items)),
        None => {
            w.reserve(bytes);
            for x in v.iter() {
                w.bytes(bytemuck::bytes_of(x));
            }
        }
    }
    Ok(())
}

/// Writes the `fory.ndarray` body: header, then the data as a buffer object
/// (the array's own memory when contiguous, `obj` gathering it otherwise).
fn write_ext<'a, A: Element, D: Dimension>(
    v: ArrayView<'a, A, D>,
    obj: &'a dyn OutOfBand,
    ctx: &mut WriteContext<'a, '_>,
) -> Result<()> {
    let (order, contiguous) = gather::plan(&v);
    let bytes = v.len() * std::mem::size_of::<A>();
    let oob = ctx.out_of_band();
    header::write(&mut ctx.writer(), A::DTYPE, order, v.shape(), bytes, oob);
    match contiguous {
        Some(items) => ctx.write_buffer(bytemuck::cast_slice(items)),
        None => ctx.write_buffer_object(obj),
    }
}

macro_rules! wrapper {
    ($(#[$doc:meta])* $name:ident, force_ext = $force:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name<T>(pub T);

        impl<T> $name<T> {
            /// The wrapped array.
            pub fn into_inner(self) -> T {
                self.0
            }

            /// Whether values of this type are written as dense `*_ARRAY`s
            /// (one-dimensional, not forced to the extension).
            pub fn is_dense() -> bool
            where
                T: NdType,
            {
                !$force && <T::Dim as Dimension>::NDIM == Some(1)
            }
        }

        impl<T> From<T> for $name<T> {
            fn from(a: T) -> Self {
                $name(a)
            }
        }

        impl<T> Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T> DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }

        impl<T> AsRef<T> for $name<T> {
            fn as_ref(&self) -> &T {
                &self.0
            }
        }

        impl<T: NdEmpty> Default for $name<T> {
            fn default() -> Self {
                $name(T::empty())
            }
        }

        impl<T: NdType> ForyType for $name<T> {
            fn type_id() -> TypeId {
                if Self::is_dense() {
                    <T::Elem as Element>::DTYPE.dense_array_type()
                } else {
                    tid::NAMED_EXT
                }
            }
            fn field_type() -> FieldType {
                if Self::is_dense() {
                    FieldType::new(TypeExpr::Scalar(Self::type_id()))
                } else {
                    FieldType::new(TypeExpr::Any)
                }
            }
            fn declarable() -> bool {
                Self::is_dense()
            }
        }

        impl<T: NdSource> OutOfBand for $name<T> {
            fn total_bytes(&self) -> usize {
                self.0.nd_view().len() * std::mem::size_of::<T::Elem>()
            }
            fn write_to(&self, w: &mut dyn io::Write) -> io::Result<()> {
                gather::write_to(self.0.nd_view(), w)
            }
            fn as_contiguous(&self) -> Cow<'_, [u8]> {
                gather::contiguous(self.0.nd_view())
            }
        }

        impl<T: NdSource> Serialize for $name<T> {
            fn write_type_meta(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
                if Self::is_dense() {
                    ctx.writer().u8(Self::type_id());
                    Ok(())
                } else {
                    write_ext_type_meta(ctx)
                }
            }
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                let v = self.0.nd_view();
                if Self::is_dense() {
                    write_dense(v, ctx)
                } else {
                    write_ext(v, self, ctx)
                }
            }
        }

        impl<'de, T: NdTarget<'de>> Deserialize<'de> for $name<T> {
            fn accepts(id: TypeId) -> bool {
                id == tid::NAMED_EXT
                    || id == tid::EXT
                    || (matches!(<T::Dim as Dimension>::NDIM, None | Some(1))
                        && id == <T::Elem as Element>::DTYPE.dense_array_type())
            }
            fn read_meta(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
                read_meta::<Self>(ctx)
            }
            fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
                let raw = RawArray::read_body(ctx, id)?;
                T::from_raw(&raw).map($name)
            }
        }
    };
}

wrapper!(
    /// An `ndarray` array as a Fory value: one-dimensional arrays are the
    /// xlang dense `*_ARRAY` types (pyfory reads them as its typed arrays),
    /// every other dimensionality (and `IxDyn`) the `fory.ndarray`
    /// extension, whose data is a buffer object that can go out-of-band.
    ///
    /// `T` is any array type: `Array2<f64>`, `ArrayView3<'de, u8>`,
    /// `ArcArray1<i64>`, `CowArray<'de, f32, IxDyn>`, or `&Array2<f64>` to
    /// write without moving. Reads accept both wire forms.
    Nd,
    force_ext = false
);

wrapper!(
    /// Like [`Nd`], but always the `fory.ndarray` extension, also for
    /// one-dimensional arrays: their data becomes a buffer object, so it can
    /// go out-of-band (dense `*_ARRAY`s are always in-band). Reads accept
    /// both wire forms.
    NdExt,
    force_ext = true
);
