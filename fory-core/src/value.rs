//! A dynamic value: what any Fory stream decodes to without Rust types.
//!
//! Integers and floats keep their wire encoding (a `VarInt32` and an `Int32`
//! are different values), so a decoded `Value` re-encodes to the same kinds.

use bytes::Bytes;
use half::{bf16, f16};
use num_bigint::BigInt;

use crate::wire::type_id::{self as tid, TypeId};

/// A dynamically typed Fory value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Null / None.
    #[default]
    Null,
    /// BOOL.
    Bool(bool),
    /// INT8.
    Int8(i8),
    /// INT16.
    Int16(i16),
    /// INT32 (fixed 4 bytes).
    Int32(i32),
    /// VARINT32.
    VarInt32(i32),
    /// INT64 (fixed 8 bytes).
    Int64(i64),
    /// VARINT64 (what Python ints become).
    VarInt64(i64),
    /// TAGGED_INT64.
    TaggedInt64(i64),
    /// UINT8.
    UInt8(u8),
    /// UINT16.
    UInt16(u16),
    /// UINT32 (fixed).
    UInt32(u32),
    /// VAR_UINT32.
    VarUInt32(u32),
    /// UINT64 (fixed).
    UInt64(u64),
    /// VAR_UINT64.
    VarUInt64(u64),
    /// TAGGED_UINT64.
    TaggedUInt64(u64),
    /// FLOAT16.
    Float16(f16),
    /// BFLOAT16.
    BFloat16(bf16),
    /// FLOAT32.
    Float32(f32),
    /// FLOAT64.
    Float64(f64),
    /// STRING.
    String(String),
    /// BINARY (a buffer object: may travel out-of-band).
    Binary(Bytes),
    /// A dense `*_ARRAY`: element type and little-endian element bytes.
    Array(DenseArray),
    /// LIST.
    List(Vec<Value>),
    /// SET (wire order kept).
    Set(Vec<Value>),
    /// MAP (wire order kept).
    Map(Vec<(Value, Value)>),
    /// A struct instance.
    Struct(Box<StructValue>),
    /// An enum value.
    Enum(EnumValue),
    /// DATE: days since 1970-01-01.
    Date(i64),
    /// TIMESTAMP: seconds and nanoseconds since the epoch (UTC).
    Timestamp {
        /// Seconds (floor).
        seconds: i64,
        /// Nanoseconds in `[0, 1e9)`.
        nanos: u32,
    },
    /// DURATION.
    Duration {
        /// Seconds (floor).
        seconds: i64,
        /// Nanoseconds in `[0, 1e9)`.
        nanos: i32,
    },
    /// DECIMAL: `unscaled * 10^-scale`.
    Decimal {
        /// Unscaled integer.
        unscaled: BigInt,
        /// Scale.
        scale: i32,
    },
    /// The first occurrence of a shared object; `id` names it for [`Value::Ref`].
    Shared(u32, Box<Value>),
    /// A reference to the [`Value::Shared`] with the same id (shared or cyclic).
    Ref(u32),
}

/// A dense primitive array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenseArray {
    /// One of the `*_ARRAY` type ids.
    pub type_id: TypeId,
    /// Little-endian element bytes.
    pub data: Bytes,
}

impl DenseArray {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len() / tid::array_elem_size(self.type_id).unwrap_or(1)
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// A struct instance.
#[derive(Debug, Clone, PartialEq)]
pub struct StructValue {
    /// Full type name (`"example.Point"`; `"#100"` for an unregistered id, `ns.Type` from a TypeDef).
    pub type_name: String,
    /// Fields, in declaration order when a schema is known, else wire order.
    pub fields: Vec<(String, Value)>,
}

impl StructValue {
    /// The value of the field called `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// An enum value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// Full type name.
    pub type_name: String,
    /// Variant name (empty when no schema names it).
    pub variant: String,
    /// Declaration position.
    pub ordinal: u32,
    /// Number on the wire.
    pub wire_value: u32,
}

impl Value {
    /// The internal type id this value is written with when its type is not
    /// known from a schema (user kinds return their generic family).
    pub fn type_id(&self) -> TypeId {
        match self {
            Value::Null => tid::NONE,
            Value::Bool(_) => tid::BOOL,
            Value::Int8(_) => tid::INT8,
            Value::Int16(_) => tid::INT16,
            Value::Int32(_) => tid::INT32,
            Value::VarInt32(_) => tid::VARINT32,
            Value::Int64(_) => tid::INT64,
            Value::VarInt64(_) => tid::VARINT64,
            Value::TaggedInt64(_) => tid::TAGGED_INT64,
            Value::UInt8(_) => tid::UINT8,
            Value::UInt16(_) => tid::UINT16,
            Value::UInt32(_) => tid::UINT32,
            Value::VarUInt32(_) => tid::VAR_UINT32,
            Value::UInt64(_) => tid::UINT64,
            Value::VarUInt64(_) => tid::VAR_UINT64,
            Value::TaggedUInt64(_) => tid::TAGGED_UINT64,
            Value::Float16(_) => tid::FLOAT16,
            Value::BFloat16(_) => tid::BFLOAT16,
            Value::Float32(_) => tid::FLOAT32,
            Value::Float64(_) => tid::FLOAT64,
            Value::String(_) => tid::STRING,
            Value::Binary(_) => tid::BINARY,
            Value::Array(a) => a.type_id,
            Value::List(_) => tid::LIST,
            Value::Set(_) => tid::SET,
            Value::Map(_) => tid::MAP,
            Value::Struct(_) => tid::STRUCT,
            Value::Enum(_) => tid::ENUM,
            Value::Date(_) => tid::DATE,
            Value::Timestamp { .. } => tid::TIMESTAMP,
            Value::Duration { .. } => tid::DURATION,
            Value::Decimal { .. } => tid::DECIMAL,
            Value::Shared(_, v) => v.type_id(),
            Value::Ref(_) => tid::UNKNOWN,
        }
    }

    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Strips a [`Value::Shared`] wrapper.
    pub fn unshared(&self) -> &Value {
        match self {
            Value::Shared(_, v) => v,
            v => v,
        }
    }

    /// Compares two values the way the conformance suite does: floats by bit
    /// pattern with any NaN equal to any NaN, sets and maps unordered.
    pub fn semantic_eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Float64(a), Float64(b)) => (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
            (Float32(a), Float32(b)) => (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
            (Float16(a), Float16(b)) => (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
            (BFloat16(a), BFloat16(b)) => (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
            (List(a), List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.semantic_eq(y))
            }
            (Set(a), Set(b)) => unordered_eq(a, b, |x, y| x.semantic_eq(y)),
            (Map(a), Map(b)) => {
                unordered_eq(a, b, |x, y| x.0.semantic_eq(&y.0) && x.1.semantic_eq(&y.1))
            }
            (Struct(a), Struct(b)) => {
                a.type_name == b.type_name
                    && a.fields.len() == b.fields.len()
                    && a.fields
                        .iter()
                        .all(|(n, v)| b.get(n).is_some_and(|w| v.semantic_eq(w)))
            }
            (Shared(i, a), Shared(j, b)) => i == j && a.semantic_eq(b),
            (a, b) => a == b,
        }
    }
}

fn unordered_eq<T>(a: &[T], b: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut used = vec![false; b.len()];
    'outer: for x in a {
        for (j, y) in b.iter().enumerate() {
            if !used[j] && eq(x, y) {
                used[j] = true;
                continue 'outer;
            }
        }
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_and_unordered() {
        let a = Value::Set(vec![Value::Float64(f64::NAN), Value::VarInt64(1)]);
        let b = Value::Set(vec![Value::VarInt64(1), Value::Float64(-f64::NAN)]);
        assert!(a.semantic_eq(&b));
        assert!(!Value::Float64(0.0).semantic_eq(&Value::Float64(-0.0)));
    }
}
