//! The one error type of the crate.
//!
//! Every decoding error carries the byte offset in the stream where it was
//! detected, and where it makes sense what was expected and what was found.

use std::borrow::Cow;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while encoding or decoding a Fory stream.
///
/// Variants are structured so that callers can match on the kind of failure;
/// `Display` gives a one-line human explanation including the stream offset.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The stream ended before a value was complete.
    #[error("unexpected end of stream at offset {offset}: needed {needed} more byte(s), {remaining} left")]
    UnexpectedEnd {
        /// Offset where the read started.
        offset: usize,
        /// Bytes the read needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// Bytes remained after the root value.
    #[error("{count} trailing byte(s) after the root value at offset {offset}")]
    TrailingBytes {
        /// Offset of the first unread byte.
        offset: usize,
        /// Number of unread bytes.
        count: usize,
    },
    /// The header bitmap is not one this reader accepts.
    #[error("invalid header bitmap {found:#04x} at offset 0: {reason}")]
    InvalidHeader {
        /// The header byte.
        found: u8,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A byte that must be one of a few flags was something else.
    #[error("invalid {what} {found:#04x} at offset {offset}")]
    InvalidFlag {
        /// Which flag (ref flag, collection header, ...).
        what: &'static str,
        /// The byte found.
        found: u8,
        /// Where.
        offset: usize,
    },
    /// A type id that is unknown or not allowed in this position.
    #[error("unexpected type id {found} at offset {offset}: expected {expected}")]
    UnexpectedTypeId {
        /// What the reader expected (a type name or a family).
        expected: Cow<'static, str>,
        /// The type id read.
        found: u32,
        /// Where.
        offset: usize,
    },
    /// A user type (struct, enum, ...) that is not registered.
    #[error("type {what} at offset {offset} is not registered")]
    UnregisteredType {
        /// The id or name that was not found.
        what: String,
        /// Where.
        offset: usize,
    },
    /// A varint ran over its maximum width.
    #[error("malformed varint at offset {offset}")]
    MalformedVarint {
        /// Where the varint started.
        offset: usize,
    },
    /// A length or count that cannot be right for the remaining input, or that overflows.
    #[error("{what} {len} at offset {offset} exceeds the limit {limit}")]
    LengthLimit {
        /// What the length describes.
        what: &'static str,
        /// The claimed length.
        len: u64,
        /// The largest acceptable value at that point.
        limit: u64,
        /// Where.
        offset: usize,
    },
    /// Invalid data inside a value (bad UTF-8, a field that does not fit, ...).
    #[error("invalid data at offset {offset}: {message}")]
    InvalidData {
        /// Explanation.
        message: Cow<'static, str>,
        /// Where.
        offset: usize,
    },
    /// A back-reference to an object that has not been read.
    #[error("reference to unknown object id {id} at offset {offset} ({known} known)")]
    InvalidRef {
        /// The id read.
        id: u32,
        /// How many objects were known then.
        known: usize,
        /// Where.
        offset: usize,
    },
    /// A struct's schema hash does not match the registered schema.
    #[error("schema hash mismatch for {type_name} at offset {offset}: expected {expected:#010x}, found {found:#010x}")]
    SchemaHashMismatch {
        /// The struct.
        type_name: String,
        /// Hash of the local schema.
        expected: u32,
        /// Hash in the stream.
        found: u32,
        /// Where.
        offset: usize,
    },
    /// Nesting went deeper than the configured limit.
    #[error("nesting depth exceeds the limit {limit} at offset {offset}")]
    DepthLimit {
        /// The configured limit.
        limit: usize,
        /// Where.
        offset: usize,
    },
    /// A configured resource limit ([`Limits`](crate::Limits)) was exceeded.
    #[error("{limit} {found} at offset {offset} exceeds the configured limit {max}")]
    LimitExceeded {
        /// Which limit.
        limit: crate::limits::Limit,
        /// The value the stream asked for (a length, a count, bytes to allocate).
        found: u64,
        /// The configured maximum (for allocation: the budget left).
        max: u64,
        /// Where.
        offset: usize,
    },
    /// Out-of-band buffer errors: missing, extra, or not expected.
    #[error("out-of-band buffers: {message}")]
    OutOfBand {
        /// Explanation.
        message: Cow<'static, str>,
    },
    /// A value cannot be encoded as requested (a type mismatch with the schema, a value out of range, ...).
    #[error("cannot encode: {message}")]
    Encode {
        /// Explanation.
        message: Cow<'static, str>,
    },
    /// A schema is malformed or inconsistent.
    #[error("schema error: {message}")]
    Schema {
        /// Explanation.
        message: Cow<'static, str>,
    },
    /// A decoded value does not fit the Rust type asked for.
    #[error("type mismatch at offset {offset}: expected {expected}, found {found}")]
    TypeMismatch {
        /// The Rust-side expectation.
        expected: Cow<'static, str>,
        /// What the stream holds.
        found: Cow<'static, str>,
        /// Where.
        offset: usize,
    },
}

impl Error {
    /// Builds an [`Error::InvalidData`].
    #[cold]
    pub fn invalid(offset: usize, message: impl Into<Cow<'static, str>>) -> Self {
        Error::InvalidData {
            message: message.into(),
            offset,
        }
    }

    /// Builds an [`Error::Encode`].
    #[cold]
    pub fn encode(message: impl Into<Cow<'static, str>>) -> Self {
        Error::Encode {
            message: message.into(),
        }
    }

    /// Builds an [`Error::Schema`].
    #[cold]
    pub fn schema(message: impl Into<Cow<'static, str>>) -> Self {
        Error::Schema {
            message: message.into(),
        }
    }

    /// Builds an [`Error::OutOfBand`].
    #[cold]
    pub fn oob(message: impl Into<Cow<'static, str>>) -> Self {
        Error::OutOfBand {
            message: message.into(),
        }
    }

    /// Builds an [`Error::UnexpectedTypeId`].
    #[cold]
    pub fn type_id(offset: usize, expected: impl Into<Cow<'static, str>>, found: u32) -> Self {
        Error::UnexpectedTypeId {
            expected: expected.into(),
            found,
            offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        // Keep `Result<T>` cheap on the hot path.
        assert!(
            std::mem::size_of::<Error>() <= 64,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn display_names_offset() {
        let e = Error::UnexpectedEnd {
            offset: 7,
            needed: 4,
            remaining: 1,
        };
        assert_eq!(
            e.to_string(),
            "unexpected end of stream at offset 7: needed 4 more byte(s), 1 left"
        );
    }
}
