//! Element types: the fixed-width scalars an array may hold, and their codes
//! on the wire.

use bytemuck::{CheckedBitPattern, NoUninit};
use fory_core::wire::type_id::{self as tid, TypeId};
use half::{bf16, f16};

/// The element type of an array on the wire.
///
/// The code written in the payload is the xlang type id of the scalar
/// (`BOOL` = 1, `INT8` = 2, ... `FLOAT64` = 20), so no second table exists:
/// see `docs/ndarray-format.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DType {
    /// `bool`, one byte, 0 or 1 (numpy `bool`).
    Bool,
    /// `i8` (numpy `int8`).
    Int8,
    /// `i16` (numpy `int16`).
    Int16,
    /// `i32` (numpy `int32`).
    Int32,
    /// `i64` (numpy `int64`).
    Int64,
    /// `u8` (numpy `uint8`).
    UInt8,
    /// `u16` (numpy `uint16`).
    UInt16,
    /// `u32` (numpy `uint32`).
    UInt32,
    /// `u64` (numpy `uint64`).
    UInt64,
    /// `half::f16` (numpy `float16`).
    Float16,
    /// `half::bf16` (no numpy dtype; `ml_dtypes.bfloat16` or the companion's wrapper).
    BFloat16,
    /// `f32` (numpy `float32`).
    Float32,
    /// `f64` (numpy `float64`).
    Float64,
}

impl DType {
    /// Every element type, in code order.
    pub const ALL: [DType; 13] = [
        DType::Bool,
        DType::Int8,
        DType::Int16,
        DType::Int32,
        DType::Int64,
        DType::UInt8,
        DType::UInt16,
        DType::UInt32,
        DType::UInt64,
        DType::Float16,
        DType::BFloat16,
        DType::Float32,
        DType::Float64,
    ];

    /// The code written on the wire: the xlang type id of the scalar.
    pub const fn code(self) -> u8 {
        match self {
            DType::Bool => tid::BOOL,
            DType::Int8 => tid::INT8,
            DType::Int16 => tid::INT16,
            DType::Int32 => tid::INT32,
            DType::Int64 => tid::INT64,
            DType::UInt8 => tid::UINT8,
            DType::UInt16 => tid::UINT16,
            DType::UInt32 => tid::UINT32,
            DType::UInt64 => tid::UINT64,
            DType::Float16 => tid::FLOAT16,
            DType::BFloat16 => tid::BFLOAT16,
            DType::Float32 => tid::FLOAT32,
            DType::Float64 => tid::FLOAT64,
        }
    }

    /// The element type with wire code `code`, if there is one.
    pub fn from_code(code: u8) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.code() == code)
    }

    /// Size of one element in bytes.
    pub const fn size(self) -> usize {
        match self {
            DType::Bool | DType::Int8 | DType::UInt8 => 1,
            DType::Int16 | DType::UInt16 | DType::Float16 | DType::BFloat16 => 2,
            DType::Int32 | DType::UInt32 | DType::Float32 => 4,
            DType::Int64 | DType::UInt64 | DType::Float64 => 8,
        }
    }

    /// The xlang dense array type (`*_ARRAY`) of one-dimensional arrays.
    pub const fn dense_array_type(self) -> TypeId {
        match self {
            DType::Bool => tid::BOOL_ARRAY,
            DType::Int8 => tid::INT8_ARRAY,
            DType::Int16 => tid::INT16_ARRAY,
            DType::Int32 => tid::INT32_ARRAY,
            DType::Int64 => tid::INT64_ARRAY,
            DType::UInt8 => tid::UINT8_ARRAY,
            DType::UInt16 => tid::UINT16_ARRAY,
            DType::UInt32 => tid::UINT32_ARRAY,
            DType::UInt64 => tid::UINT64_ARRAY,
            DType::Float16 => tid::FLOAT16_ARRAY,
            DType::BFloat16 => tid::BFLOAT16_ARRAY,
            DType::Float32 => tid::FLOAT32_ARRAY,
            DType::Float64 => tid::FLOAT64_ARRAY,
        }
    }

    /// The numpy-style name (`"float64"`, `"bfloat16"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int8 => "int8",
            DType::Int16 => "int16",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::UInt8 => "uint8",
            DType::UInt16 => "uint16",
            DType::UInt32 => "uint32",
            DType::UInt64 => "uint64",
            DType::Float16 => "float16",
            DType::BFloat16 => "bfloat16",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
        }
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A scalar type arrays of which this crate serializes: `bool`, `i8`–`i64`,
/// `u8`–`u64`, `half::f16`, `half::bf16`, `f32`, `f64`. Sealed.
///
/// Conversions between elements and bytes go through `bytemuck`
/// (`NoUninit` to write, `CheckedBitPattern` to read, which validates `bool`
/// bytes), never through hand-written casts.
pub trait Element:
    Copy + NoUninit + CheckedBitPattern + std::fmt::Debug + Send + Sync + 'static + sealed::Sealed
{
    /// The wire element type.
    const DTYPE: DType;

    /// A `'static` zero, for empty default views of zero-dimensional arrays.
    fn zero_ref() -> &'static Self;

    /// Copies little-endian element bytes into a new vector (exactly one copy
    /// of the data; unaligned input is copied into a zeroed vector).
    /// `None` when the bytes are not valid elements (a `bool` byte other
    /// than 0 or 1) or their length is not a multiple of the element size.
    #[doc(hidden)]
    fn copy_from_bytes(bytes: &[u8]) -> Option<Vec<Self>>;
}

macro_rules! pod_element {
    ($($t:ty => $d:ident, $zero:expr;)*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn zero_ref() -> &'static Self {
                static ZERO: $t = $zero;
                &ZERO
            }
            fn copy_from_bytes(bytes: &[u8]) -> Option<Vec<Self>> {
                match bytemuck::try_cast_slice::<u8, $t>(bytes) {
                    Ok(items) => Some(items.to_vec()),
                    Err(_) if bytes.len() % std::mem::size_of::<$t>() == 0 => {
                        Some(bytemuck::allocation::pod_collect_to_vec::<u8, $t>(bytes))
                    }
                    Err(_) => None,
                }
            }
        }
    )*};
}

pod_element! {
    i8 => Int8, 0;
    i16 => Int16, 0;
    i32 => Int32, 0;
    i64 => Int64, 0;
    u8 => UInt8, 0;
    u16 => UInt16, 0;
    u32 => UInt32, 0;
    u64 => UInt64, 0;
    f16 => Float16, f16::ZERO;
    bf16 => BFloat16, bf16::ZERO;
    f32 => Float32, 0.0;
    f64 => Float64, 0.0;
}

impl sealed::Sealed for bool {}
impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn zero_ref() -> &'static Self {
        &false
    }
    fn copy_from_bytes(bytes: &[u8]) -> Option<Vec<Self>> {
        bytemuck::checked::try_cast_slice::<u8, bool>(bytes)
            .ok()
            .map(<[bool]>::to_vec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_scalar_type_ids_and_round_trip() {
        for d in DType::ALL {
            assert_eq!(DType::from_code(d.code()), Some(d));
            assert_eq!(tid::array_elem_size(d.dense_array_type()), Some(d.size()));
        }
        assert_eq!(DType::from_code(0), None);
        assert_eq!(DType::from_code(5), None, "VARINT32 is not an element type");
        assert_eq!(DType::Float64.code(), 20);
    }

    #[test]
    fn bool_bytes_are_validated() {
        assert_eq!(bool::copy_from_bytes(&[0, 1]), Some(vec![false, true]));
        assert_eq!(bool::copy_from_bytes(&[2]), None);
    }

    #[test]
    fn unaligned_bytes_copy() {
        let mut raw = [0u8; 17];
        raw[1..9].copy_from_slice(&1.5f64.to_le_bytes());
        raw[9..17].copy_from_slice(&(-2.0f64).to_le_bytes());
        assert_eq!(f64::copy_from_bytes(&raw[1..]), Some(vec![1.5, -2.0]));
        assert_eq!(f64::copy_from_bytes(&raw[1..8]), None);
    }
}
