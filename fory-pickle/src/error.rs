//! The one error type of the crate.
//!
//! Every error found while reading a stream carries the byte offset of the
//! opcode that failed and, where there is one, the opcode itself.

use std::borrow::Cow;

use crate::dtype::Dtype;
use crate::opcodes::{self, Opcode};

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An opcode in an error message: its name and byte, or "the opcode" when
/// the stream ended before one was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op(pub Option<Opcode>);

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(op) => f.write_str(&opcodes::describe(op)),
            None => f.write_str("the next opcode"),
        }
    }
}

/// Which limit of [`LoadOptions`](crate::LoadOptions) a pickle exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// `max_depth`: nesting of the result (and of dict keys).
    Depth,
    /// `max_memo`: memo entries.
    Memo,
    /// A memo index beyond `u32` (a stream can't name so many).
    MemoIndex,
    /// `max_objects`: objects made while reading.
    Objects,
    /// `max_objects`: depth of the unpickling stack.
    Stack,
    /// `max_objects`: open `MARK`s.
    Marks,
    /// `max_nodes`: values in the result, counting every copy of a shared object.
    Nodes,
    /// The allocation budget: `alloc_per_input_byte` and `alloc_floor`.
    Allocation,
    /// Work spent hashing dict keys and set items (16 steps per input byte plus 1 Mi).
    KeyWork,
}

impl Limit {
    /// What the limit counts, for messages.
    pub fn what(self) -> &'static str {
        match self {
            Limit::Depth => "nesting depth",
            Limit::Memo => "memo size",
            Limit::MemoIndex => "memo index",
            Limit::Objects => "object count",
            Limit::Stack => "stack size",
            Limit::Marks => "mark count",
            Limit::Nodes => "values in the result",
            Limit::Allocation => "allocation (bytes)",
            Limit::KeyWork => "work hashing keys",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.what())
    }
}

/// Everything that can go wrong reading or writing a pickle.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The stream ended inside an opcode or before `STOP`.
    #[error("pickle truncated in {opcode} at offset {offset}: needs {needed} more byte(s), {remaining} left")]
    UnexpectedEnd {
        /// The opcode being read.
        opcode: Op,
        /// Offset of the opcode.
        offset: usize,
        /// Bytes the argument needed.
        needed: u64,
        /// Bytes that were left (in the current frame, when inside one).
        remaining: u64,
    },
    /// A length prefix larger than the stream, or than this machine's addresses.
    #[error("{opcode} at offset {offset} claims {len} bytes, only {remaining} left")]
    LengthLimit {
        /// The opcode.
        opcode: Op,
        /// Offset of the opcode.
        offset: usize,
        /// The claimed length.
        len: u64,
        /// What was left.
        remaining: u64,
    },
    /// A byte that is not a pickle opcode.
    #[error("unknown opcode {byte:#04x} at offset {offset}")]
    UnknownOpcode {
        /// The byte.
        byte: u8,
        /// Where.
        offset: usize,
    },
    /// An opcode this reader refuses (object construction, persistent ids,
    /// text protocol).
    #[error("{opcode} at offset {offset} is not supported: {reason}")]
    UnsupportedOpcode {
        /// The opcode.
        opcode: Op,
        /// Where.
        offset: usize,
        /// Why.
        reason: &'static str,
    },
    /// `PROTO` above 5.
    #[error("unsupported pickle protocol {version} at offset {offset}")]
    UnsupportedProtocol {
        /// The version byte.
        version: u8,
        /// Where.
        offset: usize,
    },
    /// A global that is not on the allow-list.
    #[error("global {module}.{name} at offset {offset} is not allowed")]
    GlobalNotAllowed {
        /// Module part.
        module: String,
        /// Name part.
        name: String,
        /// Offset of the GLOBAL / STACK_GLOBAL opcode.
        offset: usize,
    },
    /// `REDUCE` on something that is not an allowed callable.
    #[error("REDUCE at offset {offset}: {callable} is not an allowed callable")]
    NotCallable {
        /// What was on the stack.
        callable: Cow<'static, str>,
        /// Where.
        offset: usize,
    },
    /// `BUILD` on something this reader does not build.
    #[error("BUILD at offset {offset}: cannot set the state of {target}")]
    BuildNotAllowed {
        /// What was below the state.
        target: Cow<'static, str>,
        /// Where.
        offset: usize,
    },
    /// An allowed callable got arguments it does not take.
    #[error("{opcode} at offset {offset}: bad arguments for {callable}: {reason}")]
    BadArguments {
        /// The opcode (REDUCE or BUILD).
        opcode: Op,
        /// The callable (`numpy.dtype`, `_frombuffer`, ...).
        callable: &'static str,
        /// What is wrong.
        reason: Cow<'static, str>,
        /// Where.
        offset: usize,
    },
    /// A numpy dtype outside the numeric subset (structured, object, strings, datetimes).
    #[error("unsupported numpy dtype {descr} at offset {offset}")]
    UnsupportedDtype {
        /// What the stream says.
        descr: String,
        /// Where.
        offset: usize,
    },
    /// An opcode needed more stack items than there are (above the last mark).
    #[error("{opcode} at offset {offset}: stack underflow")]
    StackUnderflow {
        /// The opcode.
        opcode: Op,
        /// Where.
        offset: usize,
    },
    /// An opcode needing a mark found none.
    #[error("{opcode} at offset {offset}: no MARK on the stack")]
    MarkNotFound {
        /// The opcode.
        opcode: Op,
        /// Where.
        offset: usize,
    },
    /// A memo get of an index never put.
    #[error("{opcode} at offset {offset}: memo index {index} was never stored")]
    MemoMiss {
        /// The opcode.
        opcode: Op,
        /// The index.
        index: u64,
        /// Where.
        offset: usize,
    },
    /// `NEXT_BUFFER` with no buffer left (Python: "not enough out-of-band buffers").
    #[error("NEXT_BUFFER at offset {offset} needs out-of-band buffer #{index} but {given} were supplied")]
    NotEnoughBuffers {
        /// The buffer number asked for.
        index: usize,
        /// How many were supplied.
        given: usize,
        /// Where.
        offset: usize,
    },
    /// Buffers left over after `STOP` (Python ignores them; this reader
    /// reports them unless told otherwise).
    #[error("{given} out-of-band buffer(s) supplied but the stream used {used}")]
    UnusedBuffers {
        /// Buffers the stream consumed.
        used: usize,
        /// Buffers supplied.
        given: usize,
    },
    /// A `FRAME` that is malformed or an opcode crossing a frame's end.
    #[error("bad frame at offset {offset}: {reason}")]
    Frame {
        /// Why.
        reason: &'static str,
        /// Where.
        offset: usize,
    },
    /// A text payload that is not UTF-8 (Python writes lone surrogates with
    /// `surrogatepass`).
    #[error("{opcode} at offset {offset}: invalid UTF-8")]
    InvalidUtf8 {
        /// The opcode.
        opcode: Op,
        /// Where.
        offset: usize,
    },
    /// An opcode found an object of the wrong type (APPENDS on a dict,
    /// STACK_GLOBAL on ints, a shape that is not a tuple of ints, ...).
    #[error("{opcode} at offset {offset}: expected {expected}, found {found}")]
    WrongType {
        /// The opcode.
        opcode: Op,
        /// What it needed.
        expected: &'static str,
        /// What it found (a Python type name).
        found: &'static str,
        /// Where.
        offset: usize,
    },
    /// A dict key or set item of a kind that has no hash here (lists, dicts, arrays, ...).
    #[error("{opcode} at offset {offset}: unhashable {what} as dict key or set item")]
    Unhashable {
        /// The opcode.
        opcode: Op,
        /// What the key was.
        what: &'static str,
        /// Where.
        offset: usize,
    },
    /// A configured limit of [`LoadOptions`](crate::LoadOptions) was exceeded.
    #[error("{limit} exceeds the limit {max} at offset {offset}")]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// The configured maximum (for allocation: the budget left).
        max: u64,
        /// Where.
        offset: usize,
    },
    /// An array's shape, strides and buffer do not fit together.
    #[error("array at offset {offset}: {reason}")]
    BadArray {
        /// What does not fit.
        reason: Cow<'static, str>,
        /// Where (0 for arrays built in Rust).
        offset: usize,
    },
    /// The value refers to itself (a list containing itself); trees cannot hold it.
    #[error("recursive structure: the object made at offset {offset} contains itself")]
    Recursive {
        /// Where the object was made.
        offset: usize,
    },
    /// The stream's result (or a part of it) is not a value this crate
    /// represents: a class, a half-built array.
    #[error("the object made at offset {offset} is {what}, not a value")]
    NotAValue {
        /// What it is.
        what: Cow<'static, str>,
        /// Where it was made.
        offset: usize,
    },
    /// Bytes after `STOP`.
    #[error("{count} trailing byte(s) after STOP at offset {offset}")]
    TrailingBytes {
        /// Offset of the first byte after STOP.
        offset: usize,
        /// How many.
        count: usize,
    },
    /// A [`PickleBuffer`](crate::PickleBuffer) was used after `release()`.
    #[error("operation forbidden on released PickleBuffer object")]
    Released,
    /// A value cannot be written (too large, invalid array, ...).
    #[error("cannot pickle: {message}")]
    Encode {
        /// Explanation.
        message: Cow<'static, str>,
    },
    /// A typed view of an array was asked for with the wrong type, byte
    /// order, alignment or layout.
    #[error("array view: {message}")]
    View {
        /// Explanation.
        message: Cow<'static, str>,
    },
    /// An `ndarray` view of an array (feature `ndarray`) was refused: the
    /// bytes cannot be borrowed as that element type as they are.
    #[error("ndarray view: {0}")]
    ArrayView(ViewError),
}

/// Why an array's bytes cannot be borrowed as an `ndarray::ArrayView`
/// (feature `ndarray`). The owned conversion (`NdArray::to_array`) copies
/// and handles the byte order, alignment and strides ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// The element type is not the dtype's.
    #[error("dtype {dtype} is not {requested}")]
    WrongType {
        /// The array's dtype.
        dtype: Dtype,
        /// The Rust type asked for.
        requested: &'static str,
    },
    /// The elements are not in this machine's byte order.
    #[error("dtype {dtype} is not in this machine's byte order (to_array swaps)")]
    ByteOrder {
        /// The array's dtype.
        dtype: Dtype,
    },
    /// The first element's address is not a multiple of the type's alignment.
    #[error("the data is not aligned for {requested} (alignment {align}; to_array copies)")]
    Misaligned {
        /// The Rust type asked for.
        requested: &'static str,
        /// Its alignment.
        align: usize,
    },
    /// A byte stride is not a multiple of the element size (`ndarray`
    /// strides count elements).
    #[error(
        "byte stride {stride} is not a multiple of the item size {itemsize} (to_array copies)"
    )]
    Stride {
        /// The stride in bytes.
        stride: usize,
        /// Bytes per element.
        itemsize: usize,
    },
    /// A `bool` array holds bytes other than 0 and 1 (between its elements
    /// too, for a strided view).
    #[error("bool array holds bytes other than 0 and 1")]
    InvalidBool,
    /// The bytes are owned or shared by the array, not borrowed from the
    /// stream or a supplied buffer, so no view outlives the array.
    #[error("the array owns or shares its bytes: use as_array_view")]
    NotBorrowed,
    /// `ndarray` refused the shape: a dimensionality that does not match
    /// (`into_dimensionality`), or an overflow.
    #[error("{0}")]
    Shape(String),
}

impl Error {
    /// The byte offset in the stream the error refers to, when it has one.
    pub fn offset(&self) -> Option<usize> {
        use Error::*;
        match self {
            UnexpectedEnd { offset, .. }
            | LengthLimit { offset, .. }
            | UnknownOpcode { offset, .. }
            | UnsupportedOpcode { offset, .. }
            | UnsupportedProtocol { offset, .. }
            | GlobalNotAllowed { offset, .. }
            | NotCallable { offset, .. }
            | BuildNotAllowed { offset, .. }
            | BadArguments { offset, .. }
            | UnsupportedDtype { offset, .. }
            | StackUnderflow { offset, .. }
            | MarkNotFound { offset, .. }
            | MemoMiss { offset, .. }
            | NotEnoughBuffers { offset, .. }
            | Frame { offset, .. }
            | InvalidUtf8 { offset, .. }
            | Unhashable { offset, .. }
            | WrongType { offset, .. }
            | LimitExceeded { offset, .. }
            | BadArray { offset, .. }
            | Recursive { offset }
            | NotAValue { offset, .. }
            | TrailingBytes { offset, .. } => Some(*offset),
            UnusedBuffers { .. } | Released | Encode { .. } | View { .. } | ArrayView(_) => None,
        }
    }

    #[cold]
    pub(crate) fn encode(message: impl Into<Cow<'static, str>>) -> Self {
        Error::Encode {
            message: message.into(),
        }
    }

    #[cold]
    pub(crate) fn view(message: impl Into<Cow<'static, str>>) -> Self {
        Error::View {
            message: message.into(),
        }
    }

    #[cold]
    pub(crate) fn bad_array(offset: usize, reason: impl Into<Cow<'static, str>>) -> Self {
        Error::BadArray {
            reason: reason.into(),
            offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        assert!(
            std::mem::size_of::<Error>() <= 64,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn messages_name_opcode_and_offset() {
        let e = Error::UnexpectedEnd {
            opcode: Op(Some(opcodes::BINBYTES8)),
            offset: 12,
            needed: 100,
            remaining: 3,
        };
        assert_eq!(
            e.to_string(),
            "pickle truncated in BINBYTES8 (0x8e) at offset 12: needs 100 more byte(s), 3 left"
        );
        assert_eq!(e.offset(), Some(12));
    }
}
