//! [`RawArray`]: a decoded array whose element type is known only at run
//! time, and the conversions to typed `ndarray` arrays.

use fory_core::serializer::{
    BufferRef, Deserialize, ForyType, ReadContext, Serialize, WriteContext,
};
use fory_core::wire::type_id::{self as tid, TypeId};
use fory_core::{Error, Result};
use ndarray::{Array, ArrayView, CowArray, Dimension, ShapeBuilder};

use crate::element::{DType, Element};
use crate::header::{self, Order};

/// An array as it is on the wire: element type, shape, order and the data
/// bytes, borrowed from the stream or from a supplied buffer.
///
/// Read one when the element type is not known in advance, then convert
/// with [`RawArray::view`], [`RawArray::to_array`] or [`RawArray::cow`].
/// Written back, it is the `fory.ndarray` extension with the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawArray<'de> {
    dtype: DType,
    order: Order,
    shape: Vec<usize>,
    data: &'de [u8],
    /// Whether the data came from a supplied (out-of-band) buffer, and which.
    buffer: Option<usize>,
    /// Stream offset of the value (for errors).
    offset: usize,
}

impl<'de> RawArray<'de> {
    /// Element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Memory order of [`RawArray::data`].
    pub fn order(&self) -> Order {
        self.order
    }

    /// Axis lengths.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The little-endian element bytes, in [`RawArray::order`].
    pub fn data(&self) -> &'de [u8] {
        self.data
    }

    /// The index of the supplied buffer the data is in, or `None` for
    /// in-band data (inside the stream).
    pub fn buffer_index(&self) -> Option<usize> {
        self.buffer
    }

    /// Reads the body of a dense `*_ARRAY` or of a `fory.ndarray` value.
    pub(crate) fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
        let offset = ctx.reader().pos();
        if let Some(dtype) = DType::ALL.into_iter().find(|d| d.dense_array_type() == id) {
            let r = ctx.reader();
            let len = r.var_u32()? as u64;
            let len = r.ensure("array byte length", len)?;
            r.check_limit(
                fory_core::Limit::CollectionLength,
                (len / dtype.size()) as u64,
            )?;
            if len % dtype.size() != 0 {
                return Err(Error::invalid(
                    offset,
                    format!(
                        "{dtype} array byte length {len} is not a multiple of {}",
                        dtype.size()
                    ),
                ));
            }
            let data = r.take(len)?;
            return Ok(RawArray {
                dtype,
                order: Order::C,
                shape: vec![len / dtype.size()],
                data,
                buffer: None,
                offset,
            });
        }
        if id != tid::NAMED_EXT && id != tid::EXT {
            return Err(Error::type_id(
                offset,
                "a dense array or the fory.ndarray extension",
                id as u32,
            ));
        }
        let h = header::read(ctx.reader())?;
        let data_at = ctx.reader().pos();
        let (data, buffer) = match ctx.read_buffer_ref()? {
            BufferRef::InBand(b) => (b, None),
            BufferRef::OutOfBand(i, b) => (b, Some(i)),
        };
        let expected = h.len * h.dtype.size();
        if data.len() != expected {
            let shape = h
                .shape
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("x");
            let place = match buffer {
                Some(i) => format!("out-of-band buffer #{i}"),
                None => "in-band data".to_string(),
            };
            return Err(Error::invalid(
                data_at,
                format!(
                    "fory.ndarray {place} holds {} bytes but shape [{shape}] of {} needs {expected}",
                    data.len(),
                    h.dtype
                ),
            ));
        }
        Ok(RawArray {
            dtype: h.dtype,
            order: h.order,
            shape: h.shape,
            data,
            buffer,
            offset,
        })
    }

    fn check<A: Element, D: Dimension>(&self) -> Result<D> {
        if self.dtype != A::DTYPE {
            return Err(Error::TypeMismatch {
                expected: format!("an array of {}", A::DTYPE).into(),
                found: format!("an array of {}", self.dtype).into(),
                offset: self.offset,
            });
        }
        match D::NDIM {
            Some(n) if n != self.shape.len() => Err(Error::TypeMismatch {
                expected: format!("a {n}-dimensional array").into(),
                found: format!("a {}-dimensional array", self.shape.len()).into(),
                offset: self.offset,
            }),
            _ => {
                let mut dim = D::zeros(self.shape.len());
                dim.slice_mut().copy_from_slice(&self.shape);
                Ok(dim)
            }
        }
    }

    #[cold]
    fn shape_error(&self, e: ndarray::ShapeError) -> Error {
        Error::invalid(
            self.offset,
            format!("fory.ndarray shape does not fit the data: {e}"),
        )
    }

    #[cold]
    fn bool_error(&self) -> Error {
        Error::invalid(
            self.offset,
            "fory.ndarray bool element byte other than 0 or 1",
        )
    }

    /// A view of the data: zero-copy, borrowing the stream or the supplied
    /// buffer. Fails with [`Error::InvalidData`] when the data is not aligned
    /// for `A` (use [`RawArray::cow`] to copy in that case) and with
    /// [`Error::TypeMismatch`] when the element type or dimensionality differ.
    pub fn view<A: Element, D: Dimension>(&self) -> Result<ArrayView<'de, A, D>> {
        let dim = self.check::<A, D>()?;
        let items: &'de [A] = match bytemuck::checked::try_cast_slice(self.data) {
            Ok(items) => items,
            // an empty buffer may be dangling (`Vec::new()`); nothing to borrow
            Err(_) if self.data.is_empty() => &[],
            Err(bytemuck::checked::CheckedCastError::InvalidBitPattern) => {
                return Err(self.bool_error())
            }
            Err(_) => {
                return Err(Error::invalid(
                    self.offset,
                    format!(
                        "fory.ndarray data at {:p} is not aligned to {} bytes for {}: \
                         read a CowArray (borrows when aligned, copies otherwise) or an Array",
                        self.data.as_ptr(),
                        std::mem::align_of::<A>(),
                        A::DTYPE
                    ),
                ))
            }
        };
        ArrayView::from_shape(dim.set_f(self.order == Order::F), items)
            .map_err(|e| self.shape_error(e))
    }

    /// An owned array: the data copied exactly once.
    pub fn to_array<A: Element, D: Dimension>(&self) -> Result<Array<A, D>> {
        let dim = self.check::<A, D>()?;
        let items = A::copy_from_bytes(self.data).ok_or_else(|| self.bool_error())?;
        Array::from_shape_vec(dim.set_f(self.order == Order::F), items)
            .map_err(|e| self.shape_error(e))
    }

    /// A view when the data is aligned for `A`, otherwise an owned copy.
    pub fn cow<A: Element, D: Dimension>(&self) -> Result<CowArray<'de, A, D>> {
        self.check::<A, D>()?;
        if self.data.is_empty() || self.data.as_ptr().align_offset(std::mem::align_of::<A>()) == 0 {
            self.view().map(CowArray::from)
        } else {
            self.to_array().map(CowArray::from)
        }
    }

    /// Builds a raw array from parts (for tests and re-encoding); checks that
    /// `data` holds exactly `shape` elements of `dtype`.
    pub fn from_parts(
        dtype: DType,
        order: Order,
        shape: Vec<usize>,
        data: &'de [u8],
    ) -> Result<Self> {
        match header::checked_size(&shape, dtype.size()) {
            Some((_, bytes)) if bytes == data.len() => Ok(RawArray {
                dtype,
                order,
                shape,
                data,
                buffer: None,
                offset: 0,
            }),
            _ => Err(Error::encode(format!(
                "{} bytes do not hold an array of {dtype} with shape {shape:?}",
                data.len()
            ))),
        }
    }
}

impl ForyType for RawArray<'_> {
    fn type_id() -> TypeId {
        tid::NAMED_EXT
    }
    fn field_type() -> fory_core::schema::FieldType {
        fory_core::schema::FieldType::new(fory_core::schema::TypeExpr::Any)
    }
    fn declarable() -> bool {
        false
    }
}

impl Serialize for RawArray<'_> {
    fn write_type_meta(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
        crate::array::write_ext_type_meta(ctx)
    }
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        let oob = ctx.out_of_band();
        header::write(
            &mut ctx.writer(),
            self.dtype,
            self.order,
            &self.shape,
            self.data.len(),
            oob,
        );
        ctx.write_buffer(self.data)
    }
}

impl<'de> Deserialize<'de> for RawArray<'de> {
    fn accepts(id: TypeId) -> bool {
        id == tid::NAMED_EXT
            || id == tid::EXT
            || DType::ALL.iter().any(|d| d.dense_array_type() == id)
    }
    fn read_meta(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
        crate::array::read_meta::<Self>(ctx)
    }
    fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
        RawArray::read_body(ctx, id)
    }
}
