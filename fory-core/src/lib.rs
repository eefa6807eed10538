//! # fory-core
//!
//! Apache Fory's cross-language (xlang) wire format in Rust, readable and
//! writable by pyfory 1.7.7, with pickle5-style out-of-band buffers.
//!
//! Derive your types, serialize with a buffer callback that decides buffer
//! by buffer, deserialize with the buffers and get views that borrow them:
//!
//! ```
//! use fory_core::{BufferObject, Fory, Placement};
//!
//! #[derive(fory_core::Fory, Debug, Default, PartialEq)]
//! #[fory(name = "example.Frame")]
//! struct Frame<'a> {
//!     name: &'a str,
//!     pixels: &'a [u8],
//!     shape: Vec<u32>,
//! }
//!
//! let fory = Fory::builder().register_struct::<Frame<'_>>()?.build();
//! let pixels = vec![7u8; 1 << 20];
//! let frame = Frame { name: "cam0", pixels: &pixels, shape: vec![1024, 1024] };
//!
//! let mut buffers: Vec<BufferObject<'_>> = Vec::new();
//! let bytes = fory.serialize_with_callback(&frame, |b| {
//!     buffers.push(b);
//!     Placement::OutOfBand
//! })?;
//! assert!(bytes.len() < 100); // the megabyte travels out-of-band
//!
//! let views: Vec<&[u8]> = buffers.iter().map(|b| b.as_bytes()).collect();
//! let back: Frame<'_> = fory.deserialize_with_buffers(&bytes, &views)?;
//! assert_eq!(back, frame);
//! assert_eq!(back.pixels.as_ptr(), pixels.as_ptr()); // zero-copy, both ways
//! assert!(bytes.as_ptr_range().contains(&back.name.as_ptr())); // the name borrows the stream
//! # Ok::<(), fory_core::Error>(())
//! ```
//!
//! Field and root types that borrow instead of copying:
//!
//! | type | wire type | borrows |
//! |---|---|---|
//! | `&'de [u8]`, `Cow<'de, [u8]>` | BINARY | from the stream, or the out-of-band buffer it names |
//! | `bytes::Bytes` | BINARY | shares an out-of-band buffer passed as `Bytes` |
//! | `&'de str` | STRING | text stored as UTF-8 or ASCII Latin-1; other text is [`Error::TypeMismatch`] |
//! | `Cow<'de, str>` | STRING | as `&str`; other text is transcoded into an owned copy |
//! | `Cow<'de, [T]>`, `T` numeric | `*_ARRAY` | when the elements land aligned for `T` (little-endian hosts); otherwise one aligned copy |
//! | `Cow<'de, [bool]>` | BOOL_ARRAY | when every byte is 0 or 1 |
//!
//! Without Rust types, any stream decodes to a dynamic [`Value`]:
//!
//! ```
//! use fory_core::{Fory, Value};
//!
//! let fory = Fory::builder().compatible(false).build();
//! let bytes = fory.serialize_value(&Value::VarInt64(300))?;
//! assert_eq!(bytes, [0x01, 0xff, 0x07, 0xd8, 0x04]);
//! assert_eq!(fory.deserialize_value(&bytes)?, Value::VarInt64(300));
//! # Ok::<(), fory_core::Error>(())
//! ```

pub mod compat;
pub mod dynamic;
pub mod error;
pub mod fory;
pub mod limits;
pub mod oob;
pub mod registry;
pub mod schema;
pub mod serializer;
pub mod value;
pub mod wire;

pub use dynamic::Config;
pub use error::{Error, Result};
pub use fory::{Fory, ForyBuilder};
pub use limits::{Limit, Limits};
pub use oob::{BufferObject, OutOfBand, Placement};
pub use schema::Schema;
pub use serializer::types::{Date, Decimal, Duration, Timestamp};
pub use serializer::{Deserialize, ForyType, List, Serialize};
pub use value::Value;

/// `#[derive(Fory)]` for structs and unit enums (feature `derive`, on by default).
#[cfg(feature = "derive")]
pub use fory_derive::Fory;

/// Paths used by generated code. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::error::{Error, Result};
    pub use crate::registry::{TypeCache, TypeRegistration};
    pub use crate::schema::{
        EnumDecl, FieldDecl, FieldType, Registration, StructDecl, TypeExpr, Variant,
    };
    pub use crate::serializer::structs::{
        self, ForyEnum, ForyStruct, ForyUnion, OpaqueKind, ReadPlan,
    };
    pub use crate::serializer::{Deserialize, ForyType, ReadContext, Serialize, WriteContext};
    pub use crate::wire::type_id::{self, TypeId};
    pub use inventory;
}
