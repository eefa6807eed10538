//! # fory-pickle
//!
//! Python's pickle protocol 5 (PEP 574) for Rust, with its out-of-band
//! buffers: numpy arrays go between Python and Rust without a copy.
//!
//! * [`PickleBuffer`]: `pickle.PickleBuffer` in Rust, also a Fory buffer
//!   object (BINARY on the xlang wire) that can travel out-of-band.
//! * [`loads`] / [`dumps`]: a safe reader and a writer of the protocol-5
//!   subset: `None`, `bool`, `int` (any size), `float`, `str`, `bytes`,
//!   `bytearray`, `PickleBuffer`, `list`, `tuple`, `dict`, `set`,
//!   `frozenset` and numeric numpy arrays ([`NdArray`]) in C, F and K order.
//! * [`dis()`](fn@dis): a `pickletools.dis`-style disassembly; [`to_fory`]: the
//!   conversion behind `fory pickle to-fory`.
//!
//! Python pickles an array out-of-band; Rust reads it and its data is the
//! buffer Python handed over:
//!
//! ```
//! // bufs = []; pickle.dumps(np.arange(4.0), protocol=5, buffer_callback=bufs.append)
//! let stream = b"\x80\x05\x95k\x00\x00\x00\x00\x00\x00\x00\x8c\x13numpy._core.numeric\x94\x8c\x0b_frombuffer\x94\x93\x94(\x97\x8c\x05numpy\x94\x8c\x05dtype\x94\x93\x94\x8c\x02f8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94bK\x04\x85\x94\x8c\x01C\x94t\x94R\x94.";
//! let buffer: Vec<u8> = [0.0f64, 1.0, 2.0, 3.0].iter().flat_map(|f| f.to_le_bytes()).collect();
//! let buffers = [&buffer[..]];
//! let value = fory_pickle::loads(stream, &buffers)?;
//! let array = value.as_array().unwrap();
//! assert_eq!(array.shape(), [4]);
//! assert_eq!(array.data().raw()?.as_ptr(), buffer.as_ptr()); // zero-copy
//! assert_eq!(array.to_vec::<f64>()?, [0.0, 1.0, 2.0, 3.0]);
//!
//! // and back: Python's pickle.loads(stream, buffers=[buffer]) gives an
//! // array that shares memory with `buffer`
//! let mut out = Vec::new();
//! let stream = fory_pickle::dumps(&value, |b| { out.push(b); fory_core::Placement::OutOfBand })?;
//! assert_eq!(out[0].as_bytes().as_ptr(), buffer.as_ptr());
//! # let _ = stream;
//! # Ok::<(), fory_pickle::Error>(())
//! ```
//!
//! ## The `ndarray` feature
//!
//! With the optional `ndarray` feature, loaded arrays become
//! [`ndarray`](https://docs.rs/ndarray) arrays and back (module `nd`):
//! `NdArray::as_array_view::<T>()` / `borrowed_array_view::<T>()` give an
//! `ArrayViewD` over the supplied buffer without a copy (C, F, `'K'`
//! permutations, strided), with typed errors ([`Error::ArrayView`],
//! [`ViewError`]) for the wrong element type, a foreign byte order or a
//! misaligned buffer; `NdArray::to_array::<T>()` copies once and handles
//! all of those; `NdArray::try_from(view)` / `PickleValue::try_from(&array)`
//! go the other way, and [`dumps`] then hands the `ndarray` memory itself
//! to the buffer callback. Element types: `bool`, the integers, `half::f16`,
//! `f32`, `f64`, `num_complex::Complex<f32>` / `Complex<f64>`.
//!
//! ```toml
//! fory-pickle = { version = "0.1", features = ["ndarray"] }
//! ```
//!
#![cfg_attr(feature = "ndarray", doc = "```")]
#![cfg_attr(not(feature = "ndarray"), doc = "```ignore")]
//! // bufs = []; pickle.dumps(np.arange(6.0).reshape(2, 3).T, protocol=5, buffer_callback=bufs.append)
//! let stream = b"\x80\x05\x95m\x00\x00\x00\x00\x00\x00\x00\x8c\x13numpy._core.numeric\x94\x8c\x0b_frombuffer\x94\x93\x94(\x97\x8c\x05numpy\x94\x8c\x05dtype\x94\x93\x94\x8c\x02f8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94bK\x03K\x02\x86\x94\x8c\x01F\x94t\x94R\x94.";
//! // (the buffer must be 8-aligned for an f64 view: a Vec<u8> need not be)
//! let data: Vec<f64> = (0..6).map(f64::from).collect(); // little-endian host
//! let buffer: &[u8] = bytemuck::cast_slice(&data);
//! let buffers = [buffer];
//! let value = fory_pickle::loads(stream, &buffers)?;
//! let array = value.as_array().unwrap();
//!
//! // a view of the supplied buffer, F-ordered like the numpy array
//! let view = array.borrowed_array_view::<f64>()?.into_dimensionality::<ndarray::Ix2>()?;
//! assert_eq!(view, ndarray::array![[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]);
//! assert_eq!(view.as_ptr().cast::<u8>(), buffer.as_ptr()); // zero-copy
//! assert!(array.as_array_view::<f32>().is_err()); // a typed error, not a panic
//!
//! // misaligned bytes: no view, but one copy works
//! let mut words = vec![0f64; 7];
//! let shifted: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
//! shifted[1..49].copy_from_slice(buffer);
//! let buffers = [&shifted[1..49]];
//! let value = fory_pickle::loads(stream, &buffers)?;
//! let array = value.as_array().unwrap();
//! assert!(matches!(
//!     array.as_array_view::<f64>(),
//!     Err(fory_pickle::Error::ArrayView(fory_pickle::ViewError::Misaligned { .. }))
//! ));
//! assert_eq!(array.to_array::<f64>()?, view.into_dyn());
//!
//! // and back: Rust's ndarray memory goes out-of-band as it is
//! let a = ndarray::Array2::<i32>::zeros((3, 4));
//! let value = fory_pickle::PickleValue::try_from(&a)?;
//! let mut out = Vec::new();
//! let stream = fory_pickle::dumps(&value, |b| { out.push(b); fory_core::Placement::OutOfBand })?;
//! assert_eq!(out[0].as_bytes().as_ptr(), a.as_ptr().cast::<u8>());
//! # let _ = stream;
//! # Ok::<(), fory_pickle::Error>(())
//! ```
//!
//! ## Safety
//!
//! The reader never runs or constructs arbitrary objects: globals resolve
//! only through the allow-list [`ALLOWED_GLOBALS`] (numpy's array and dtype
//! reconstructors, `set`, `frozenset`, `bytearray`, `_codecs.encode`),
//! `REDUCE` and `BUILD` act only on those, and object-building opcodes
//! (`INST`, `OBJ`, `NEWOBJ`, persistent ids, extensions) are errors. Every
//! length is checked before it is used; depth, memo size, object count and
//! the size of the result (memo references copy) are limited
//! ([`LoadOptions`]); errors name the opcode and the byte offset.

pub mod array;
pub mod buffer;
pub mod dis;
pub mod dtype;
pub mod error;
pub mod fory_value;
#[cfg(feature = "ndarray")]
pub mod nd;
pub mod opcodes;
pub mod ops;
pub mod read;
pub mod value;
pub mod write;

pub use array::{Element, Layout, NdArray, Order};
pub use buffer::{register, PickleBuffer};
pub use dis::dis;
pub use dtype::{ByteOrder, Dtype, Kind};
pub use error::{Error, Limit, Result, ViewError};
pub use fory_value::to_fory;
#[cfg(feature = "ndarray")]
pub use nd::NdElement;
pub use read::{loads, loads_shared, LoadOptions, ALLOWED_GLOBALS};
pub use value::PickleValue;
pub use write::{dumps, DumpOptions, NumpyTarget};
