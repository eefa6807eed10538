//! Pickle values as Fory values: what `fory pickle to-fory` writes.
//!
//! An array becomes a map that pyfory reads as a `dict`:
//!
//! ```text
//! {"kind": "numpy.ndarray", "version": 1, "dtype": "<f8", "shape": [3, 4],
//!  "strides": [32, 8], "offset": 0, "data": <BINARY buffer object>}
//! ```
//!
//! `data` is a BINARY buffer object, so it can travel out-of-band with its
//! bytes untouched, whatever the dtype, byte order, dimensions or layout;
//! in Python `np.ndarray(shape, dtype, buffer=data, offset=offset,
//! strides=strides)` rebuilds the array on that memory without a copy.
//! (pyfory's dense `*_ARRAY` types would only cover 1-D native-order arrays
//! and pyfory always writes them in-band; the n-D extension type belongs to
//! `fory-ndarray`.) `version` is the payload version; readers reject
//! versions they do not know.

use bytes::Bytes;
use fory_core::Value;

use crate::array::NdArray;
use crate::error::{Error, Result};
use crate::value::PickleValue;

/// The `kind` of an array map.
pub const ARRAY_KIND: &str = "numpy.ndarray";
/// The `version` of the array map layout this crate writes.
pub const ARRAY_PAYLOAD_VERSION: i64 = 1;

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

fn ints(v: &[usize]) -> Value {
    Value::List(v.iter().map(|&x| Value::VarInt64(x as i64)).collect())
}

/// The array's bytes: the smallest range of its buffer holding every
/// element (for a dense array, exactly its elements).
fn array_bytes(a: &NdArray<'_>) -> Result<Bytes> {
    let (lo, hi) = a.extent();
    Ok(a.data().to_bytes()?.slice(lo..hi))
}

/// The array map described in the module docs.
pub fn array_to_fory(a: &NdArray<'_>) -> Result<Value> {
    let data = array_bytes(a)?;
    Ok(Value::Map(vec![
        (s("kind"), s(ARRAY_KIND)),
        (s("version"), Value::VarInt64(ARRAY_PAYLOAD_VERSION)),
        (s("dtype"), s(&a.dtype().descr())),
        (s("shape"), ints(a.shape())),
        (s("strides"), ints(a.strides())),
        (s("offset"), Value::VarInt64(0)),
        (s("data"), Value::Binary(data)),
    ]))
}

/// Converts a pickle value to a Fory value: `None` → null, `int` →
/// VARINT64, `float` → FLOAT64, `str` → STRING, `bytes`, `bytearray` and
/// `PickleBuffer` → BINARY (shared, not copied, when the value was read
/// with [`loads_shared`](crate::loads_shared)), `list`/`tuple` → LIST,
/// `set`/`frozenset` → SET, `dict` → MAP, a dtype → its `str`, arrays → the
/// map above. Ints beyond 64 bits have no Fory equivalent and are an error.
pub fn to_fory(v: &PickleValue<'_>) -> Result<Value> {
    to_fory_depth(v, 0)
}

fn to_fory_depth(v: &PickleValue<'_>, depth: usize) -> Result<Value> {
    if depth > 256 {
        return Err(Error::encode("nesting deeper than 256"));
    }
    let seq = |items: &[PickleValue<'_>]| -> Result<Vec<Value>> {
        items.iter().map(|x| to_fory_depth(x, depth + 1)).collect()
    };
    Ok(match v {
        PickleValue::None => Value::Null,
        PickleValue::Bool(b) => Value::Bool(*b),
        PickleValue::Int(i) => Value::VarInt64(*i),
        PickleValue::BigInt(b) => {
            return Err(Error::encode(format!(
                "int {b} does not fit 64 bits (Fory has no arbitrary-size int)"
            )))
        }
        PickleValue::Float(f) => Value::Float64(*f),
        PickleValue::Str(x) => Value::String(x.to_string()),
        PickleValue::Bytes(b) | PickleValue::ByteArray(b) => {
            Value::Binary(Bytes::copy_from_slice(b))
        }
        PickleValue::Buffer(pb) => Value::Binary(pb.to_bytes()?),
        PickleValue::List(items) | PickleValue::Tuple(items) => Value::List(seq(items)?),
        PickleValue::Set(items) | PickleValue::FrozenSet(items) => Value::Set(seq(items)?),
        PickleValue::Dict(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, x)| Ok((to_fory_depth(k, depth + 1)?, to_fory_depth(x, depth + 1)?)))
                .collect::<Result<_>>()?,
        ),
        PickleValue::Dtype(d) => Value::String(d.descr()),
        PickleValue::Array(a) => array_to_fory(a)?,
    })
}
