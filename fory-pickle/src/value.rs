//! [`PickleValue`]: the Python values this crate reads and writes.

use std::borrow::Cow;

use num_bigint::BigInt;

use crate::array::NdArray;
use crate::buffer::PickleBuffer;
use crate::dtype::Dtype;

/// A Python value of the protocol-5 subset. `'a` is the lifetime of the
/// stream and the out-of-band buffers it was read from: strings, bytes and
/// array data borrow them.
#[derive(Debug, Clone, PartialEq)]
pub enum PickleValue<'a> {
    /// `None`.
    None,
    /// `bool`.
    Bool(bool),
    /// `int` that fits 64 bits.
    Int(i64),
    /// Any other `int`.
    BigInt(BigInt),
    /// `float`.
    Float(f64),
    /// `str`.
    Str(Cow<'a, str>),
    /// `bytes`.
    Bytes(Cow<'a, [u8]>),
    /// `bytearray`.
    ByteArray(Cow<'a, [u8]>),
    /// A `PickleBuffer` (written with `NEXT_BUFFER` when it goes
    /// out-of-band). Read back, it is whatever buffer was supplied, flagged
    /// read-only when the stream said `READONLY_BUFFER`.
    Buffer(PickleBuffer<'a>),
    /// `list`.
    List(Vec<PickleValue<'a>>),
    /// `tuple`.
    Tuple(Vec<PickleValue<'a>>),
    /// `dict`, in insertion order (keys are unique, as in Python).
    Dict(Vec<(PickleValue<'a>, PickleValue<'a>)>),
    /// `set`, in stream order.
    Set(Vec<PickleValue<'a>>),
    /// `frozenset`, in stream order.
    FrozenSet(Vec<PickleValue<'a>>),
    /// A numeric `numpy.ndarray`.
    Array(NdArray<'a>),
    /// A `numpy.dtype` object on its own.
    Dtype(Dtype),
}

impl<'a> PickleValue<'a> {
    /// The Python type name (`"int"`, `"numpy.ndarray"`).
    pub fn type_name(&self) -> &'static str {
        match self {
            PickleValue::None => "NoneType",
            PickleValue::Bool(_) => "bool",
            PickleValue::Int(_) | PickleValue::BigInt(_) => "int",
            PickleValue::Float(_) => "float",
            PickleValue::Str(_) => "str",
            PickleValue::Bytes(_) => "bytes",
            PickleValue::ByteArray(_) => "bytearray",
            PickleValue::Buffer(_) => "PickleBuffer",
            PickleValue::List(_) => "list",
            PickleValue::Tuple(_) => "tuple",
            PickleValue::Dict(_) => "dict",
            PickleValue::Set(_) => "set",
            PickleValue::FrozenSet(_) => "frozenset",
            PickleValue::Array(_) => "numpy.ndarray",
            PickleValue::Dtype(_) => "numpy.dtype",
        }
    }

    /// A `str` value.
    pub fn str(s: impl Into<Cow<'a, str>>) -> Self {
        PickleValue::Str(s.into())
    }

    /// The value for `key` in a dict with `str` keys.
    pub fn get(&self, key: &str) -> Option<&PickleValue<'a>> {
        match self {
            PickleValue::Dict(items) => items.iter().find_map(|(k, v)| match k {
                PickleValue::Str(s) if s == key => Some(v),
                _ => None,
            }),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&NdArray<'a>> {
        match self {
            PickleValue::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The items of a list, tuple, set or frozenset.
    pub fn as_seq(&self) -> Option<&[PickleValue<'a>]> {
        match self {
            PickleValue::List(v)
            | PickleValue::Tuple(v)
            | PickleValue::Set(v)
            | PickleValue::FrozenSet(v) => Some(v),
            _ => None,
        }
    }

    /// A value that borrows nothing (borrowed bytes are copied once).
    pub fn into_owned(self) -> PickleValue<'static> {
        use PickleValue as V;
        let seq = |v: Vec<PickleValue<'a>>| v.into_iter().map(PickleValue::into_owned).collect();
        match self {
            V::None => V::None,
            V::Bool(b) => V::Bool(b),
            V::Int(i) => V::Int(i),
            V::BigInt(i) => V::BigInt(i),
            V::Float(f) => V::Float(f),
            V::Str(s) => V::Str(Cow::Owned(s.into_owned())),
            V::Bytes(b) => V::Bytes(Cow::Owned(b.into_owned())),
            V::ByteArray(b) => V::ByteArray(Cow::Owned(b.into_owned())),
            V::Buffer(b) => V::Buffer(b.into_owned()),
            V::List(v) => V::List(seq(v)),
            V::Tuple(v) => V::Tuple(seq(v)),
            V::Set(v) => V::Set(seq(v)),
            V::FrozenSet(v) => V::FrozenSet(seq(v)),
            V::Dict(v) => V::Dict(
                v.into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            ),
            V::Array(a) => V::Array(a.into_owned()),
            V::Dtype(d) => V::Dtype(d),
        }
    }
}

impl From<bool> for PickleValue<'_> {
    fn from(b: bool) -> Self {
        PickleValue::Bool(b)
    }
}

impl From<i64> for PickleValue<'_> {
    fn from(i: i64) -> Self {
        PickleValue::Int(i)
    }
}

impl From<f64> for PickleValue<'_> {
    fn from(f: f64) -> Self {
        PickleValue::Float(f)
    }
}

impl<'a> From<&'a str> for PickleValue<'a> {
    fn from(s: &'a str) -> Self {
        PickleValue::Str(Cow::Borrowed(s))
    }
}

impl From<String> for PickleValue<'_> {
    fn from(s: String) -> Self {
        PickleValue::Str(Cow::Owned(s))
    }
}

impl<'a> From<NdArray<'a>> for PickleValue<'a> {
    fn from(a: NdArray<'a>) -> Self {
        PickleValue::Array(a)
    }
}

impl<'a> From<PickleBuffer<'a>> for PickleValue<'a> {
    fn from(b: PickleBuffer<'a>) -> Self {
        PickleValue::Buffer(b)
    }
}
