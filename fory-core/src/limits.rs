//! Resource limits for decoding untrusted streams.
//!
//! Every length a stream claims is first checked against the bytes that
//! remain (a claim that cannot be true is [`Error::LengthLimit`]). The limits
//! here are policy on top of that: they bound what an honest-looking stream
//! may make the decoder do, and exceeding one is
//! [`Error::LimitExceeded`] naming the [`Limit`].
//!
//! The allocation budget ties memory to input size: a decode may allocate at
//! most `alloc_floor + alloc_per_input_byte × input` bytes, where `input` is
//! the stream plus every out-of-band buffer supplied. Decoders charge the
//! budget for each collection, string, copied byte run and dynamic value
//! they build, before allocating it, so a 20-byte stream cannot make them
//! allocate megabytes however it nests or repeats.
//!
//! ```
//! use fory_core::{Error, Fory, Limit, Limits};
//!
//! let fory = Fory::builder()
//!     .limits(Limits { max_collection_len: 2, ..Limits::default() })
//!     .build();
//! let bytes = Fory::default().serialize(&vec![1i32, 2, 3]).unwrap();
//! match fory.deserialize::<Vec<i32>>(&bytes) {
//!     Err(Error::LimitExceeded { limit: Limit::CollectionLength, found: 3, max: 2, .. }) => {}
//!     other => panic!("{other:?}"),
//! }
//! ```

use std::fmt;

use crate::error::Error;

/// Which configured limit a stream exceeded (see [`Limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_depth`].
    Depth,
    /// The allocation budget: [`Limits::alloc_per_input_byte`] and [`Limits::alloc_floor`].
    Allocation,
    /// [`Limits::max_collection_len`].
    CollectionLength,
    /// [`Limits::max_string_bytes`].
    StringLength,
    /// [`Limits::max_buffers`].
    OutOfBandBuffers,
    /// [`Limits::max_typedef_fields`].
    TypeDefFields,
    /// [`Limits::max_typedef_bytes`].
    TypeDefSize,
    /// [`Limits::max_meta_string_bytes`].
    MetaStringLength,
}

impl Limit {
    /// What the limit counts, for messages.
    pub fn what(self) -> &'static str {
        match self {
            Limit::Depth => "nesting depth",
            Limit::Allocation => "allocation (bytes)",
            Limit::CollectionLength => "collection length",
            Limit::StringLength => "string length (bytes)",
            Limit::OutOfBandBuffers => "out-of-band buffer count",
            Limit::TypeDefFields => "TypeDef field count",
            Limit::TypeDefSize => "TypeDef size (bytes)",
            Limit::MetaStringLength => "meta string length (bytes)",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what())
    }
}

/// Resource limits of a [`Fory`](crate::Fory) instance when it decodes.
///
/// The defaults are safe for untrusted input and roomy for real data; raise
/// one with struct update syntax:
/// `Limits { max_string_bytes: 1 << 30, ..Limits::default() }`.
/// The README's "Limits" table lists them with their errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of lists, maps, structs and other containers, on read
    /// and on write (default 100). Exceeding it is [`Error::DepthLimit`].
    pub max_depth: usize,
    /// Bytes a decode may allocate per byte of input, stream plus
    /// out-of-band buffers (default 256).
    pub alloc_per_input_byte: usize,
    /// Bytes a decode may allocate whatever the input size (default 64 KiB).
    pub alloc_floor: usize,
    /// Most elements in one list, set, map or dense array (default 16 Mi).
    pub max_collection_len: usize,
    /// Longest string, in encoded bytes (default 256 MiB).
    pub max_string_bytes: usize,
    /// Most out-of-band buffers one stream may come with (default 65,536).
    pub max_buffers: usize,
    /// Most fields in one TypeDef (default 4096).
    pub max_typedef_fields: usize,
    /// Largest TypeDef body in bytes (default 1 MiB).
    pub max_typedef_bytes: usize,
    /// Longest meta string (a namespace, type or field name) in bytes (default 1024).
    pub max_meta_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 100,
            alloc_per_input_byte: 256,
            alloc_floor: 64 << 10,
            max_collection_len: 16 << 20,
            max_string_bytes: 256 << 20,
            max_buffers: 1 << 16,
            max_typedef_fields: 4096,
            max_typedef_bytes: 1 << 20,
            max_meta_string_bytes: 1024,
        }
    }
}

impl Limits {
    /// No policy limits (only the structural checks against remaining bytes
    /// and a depth of 100 stay). For trusted input only.
    pub fn unlimited() -> Self {
        Limits {
            max_depth: 100,
            alloc_per_input_byte: usize::MAX,
            alloc_floor: usize::MAX,
            max_collection_len: usize::MAX,
            max_string_bytes: usize::MAX,
            max_buffers: usize::MAX,
            max_typedef_fields: usize::MAX,
            max_typedef_bytes: usize::MAX,
            max_meta_string_bytes: usize::MAX,
        }
    }

    /// The allocation budget for `input` bytes of stream and buffers.
    pub fn alloc_budget(&self, input: usize) -> usize {
        self.alloc_per_input_byte
            .saturating_mul(input)
            .saturating_add(self.alloc_floor)
    }

    /// The configured maximum for a count limit (`None` for
    /// [`Limit::Allocation`], which depends on the input, and [`Limit::Depth`]).
    pub fn max_of(&self, limit: Limit) -> Option<usize> {
        Some(match limit {
            Limit::CollectionLength => self.max_collection_len,
            Limit::StringLength => self.max_string_bytes,
            Limit::OutOfBandBuffers => self.max_buffers,
            Limit::TypeDefFields => self.max_typedef_fields,
            Limit::TypeDefSize => self.max_typedef_bytes,
            Limit::MetaStringLength => self.max_meta_string_bytes,
            Limit::Depth | Limit::Allocation => return None,
        })
    }

    /// Checks the number of supplied out-of-band buffers.
    pub fn check_buffers(&self, count: usize) -> Result<(), Error> {
        if count > self.max_buffers {
            return Err(Error::LimitExceeded {
                limit: Limit::OutOfBandBuffers,
                found: count as u64,
                max: self.max_buffers as u64,
                offset: 0,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_saturates() {
        assert_eq!(Limits::unlimited().alloc_budget(10), usize::MAX);
        assert_eq!(Limits::default().alloc_budget(20), (64 << 10) + 20 * 256);
    }

    #[test]
    fn buffer_count_boundary() {
        let l = Limits {
            max_buffers: 2,
            ..Limits::default()
        };
        assert!(l.check_buffers(2).is_ok());
        assert_eq!(
            l.check_buffers(3),
            Err(Error::LimitExceeded {
                limit: Limit::OutOfBandBuffers,
                found: 3,
                max: 2,
                offset: 0
            })
        );
    }
}
