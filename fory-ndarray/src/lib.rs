//! # fory-ndarray
//!
//! `ndarray` arrays as Fory values: n-dimensional arrays travel as the
//! `fory.ndarray` extension type, whose data is a buffer object that can go
//! out-of-band without a copy, come back as views borrowing the supplied
//! buffers, and are read and written by numpy through the Python companion
//! `tests/python/fory_ndarray.py`.
//!
//! ```
//! use fory_core::{Fory, Placement};
//! use fory_ndarray::{Nd, NdExt};
//! use ndarray::{array, Array2, ArrayView2};
//!
//! let fory = fory_ndarray::register(Fory::builder())?.build();
//! let a: Array2<f64> = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
//!
//! // in-band: one self-contained stream
//! let bytes = fory.serialize(&Nd(a.view()))?;
//! let back: Nd<Array2<f64>> = fory.deserialize(&bytes)?;
//! assert_eq!(*back, a);
//!
//! // out-of-band: the callback receives the array's own memory (no copy) ...
//! let value = Nd(a.view());
//! let mut buffers = Vec::new();
//! let stream = fory.serialize_with_callback(&value, |b| {
//!     assert_eq!(b.as_bytes().as_ptr(), a.as_ptr().cast());
//!     buffers.push(b.as_bytes().to_vec()); // a transport would send it with `b.write_to(..)`
//!     Placement::OutOfBand
//! })?;
//! // ... and the view read back borrows the buffer it is given (no copy).
//! let view: Nd<ArrayView2<f64>> = fory.deserialize_with_buffers(&stream, &buffers)?;
//! assert_eq!(view.as_ptr().cast::<u8>(), buffers[0].as_ptr());
//! assert_eq!(*view, a);
//!
//! // one-dimensional arrays are xlang dense arrays unless asked otherwise
//! let v = ndarray::arr1(&[1i32, 2, 3]);
//! assert_eq!(fory.serialize(&Nd(v.view()))?, [0x01, 0xff, 0x2e, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
//! assert_eq!(fory.serialize(&NdExt(v.view()))?[2], 0x20); // NAMED_EXT: can go out-of-band
//! # Ok::<(), fory_core::Error>(())
//! ```
//!
//! ## Why wrapper types
//!
//! Rust's orphan rule forbids implementing `fory-core`'s `Serialize` for
//! `ndarray::ArrayBase` in this crate (both are foreign). The choices were a
//! serde-`with`-style module, a handler type with an associated `Target`, or
//! a wrapper type, as `serde_bytes::ByteBuf` wraps `Vec<u8>`.
//!
//! - A `with` module only works where the derive calls it
//!   (`#[serde(with = "...")]`); `#[derive(fory_core::Fory)]` has no such
//!   attribute, and a root value has no attribute at all.
//! - A handler with `type Target` needs the core to dispatch through it;
//!   `fory-core`'s traits are implemented on the value type itself.
//! - A wrapper is a type: it works at the root, as a struct field, inside
//!   `Vec`, `Option`, `HashMap`, with no support from the derive.
//!
//! So the array types are wrapped, with one generic wrapper for all four
//! storage kinds, so the familiar `ndarray` aliases stay in user code:
//! `Nd<Array2<f64>>`, `Nd<ArrayView3<'de, u8>>`, `Nd<ArcArray1<i64>>`,
//! `Nd<CowArray<'de, f32, IxDyn>>`. [`Nd`] derefs to the array and converts
//! with `From` / [`Nd::into_inner`]; `Nd(&array)` or `Nd(array.view())` writes
//! an array without moving it. [`NdExt`] is the same with the extension form
//! forced for one-dimensional arrays, so their data can go out-of-band.
//! [`RawArray`] reads any array whose element type is known only at run time.
//!
//! ## Wire form
//!
//! | value | wire |
//! |---|---|
//! | `Nd<_>` one-dimensional (`Ix1`) | dense `*_ARRAY` (pyfory's typed arrays), always in-band |
//! | `Nd<_>` `Ix0`, `Ix2`…`Ix6`, `IxDyn`; `NdExt<_>` any | `NAMED_EXT` `fory.ndarray`, versioned payload |
//!
//! The payload is version, element type code, order (C or F), ndim, shape,
//! padding, then the data as a buffer object: `docs/ndarray-format.md`
//! describes it byte by byte. As a field of a derived struct an extension
//! array is a field of type `any` (type meta precedes the body).
//!
//! ## Copies
//!
//! - Writing a C- or F-contiguous array hands its own memory to the buffer
//!   callback (or copies it once into the stream, in-band). A
//!   non-contiguous or negative-stride array is gathered: `write_to` and the
//!   in-band path stream it through a 64 KiB stage, and
//!   [`BufferObject::as_bytes`](fory_core::BufferObject::as_bytes) gathers
//!   it once.
//! - Reading: `ArrayView` borrows the stream or the supplied buffer when it
//!   is aligned for the element type and is an
//!   [`Error::InvalidData`](fory_core::Error::InvalidData)
//!   otherwise; `CowArray` borrows when aligned and copies once otherwise;
//!   `Array` and `ArcArray` copy exactly once. In-band data is padded to an
//!   offset that is a multiple of the element size, so views of in-band data
//!   work whenever the stream itself is 8-byte aligned (any `Vec<u8>`).
//! - Zero-copy needs a little-endian target (the wire is little-endian);
//!   the crate does not build on big-endian targets.
//!
//! ## Registration
//!
//! The crate submits its extension type to `fory-core`'s compile-time
//! registry, so `Fory::builder().register_all()` registers it; without
//! `register_all`, call [`register`]. Registration reserves the name
//! `fory.ndarray` (a second type claiming it is an error).

#[cfg(target_endian = "big")]
compile_error!("fory-ndarray reinterprets little-endian wire bytes in place: big-endian targets are not supported");

mod array;
mod element;
mod gather;
mod header;
mod raw;

pub use array::{registration, Nd, NdEmpty, NdExt, NdSource, NdTarget, NdType, NAME};
pub use element::{DType, Element};
pub use header::{Order, MAX_NDIM, VERSION};
pub use raw::RawArray;

use fory_core::schema::ExtDecl;
use fory_core::{ForyBuilder, Result};

/// The declaration of the `fory.ndarray` extension type.
pub fn ext_decl() -> ExtDecl {
    ExtDecl {
        name: NAME.to_string(),
        registration: registration().clone(),
    }
}

/// Registers the `fory.ndarray` extension type with `builder` (the explicit
/// fallback of the compile-time registration that `register_all` uses).
///
/// ```
/// let fory = fory_ndarray::register(fory_core::Fory::builder())?.build();
/// assert!(fory.schema().get(fory_ndarray::NAME).is_some());
/// # Ok::<(), fory_core::Error>(())
/// ```
pub fn register(builder: ForyBuilder) -> Result<ForyBuilder> {
    builder.register_ext(ext_decl())
}

fory_core::__private::inventory::submit! {
    fory_core::registry::TypeRegistration::new(NAME, register)
}
