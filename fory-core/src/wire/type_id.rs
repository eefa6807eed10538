//! Internal type ids of the xlang format (1.7.x), one byte on the wire.

/// A Fory internal type id, as written after a ref flag.
pub type TypeId = u8;

macro_rules! type_ids {
    ($($(#[$m:meta])* $name:ident = $v:expr, $s:expr;)*) => {
        $( $(#[$m])* pub const $name: TypeId = $v; )*
        /// The spec's name for a type id (`"VARINT32"`), or `None` for an unknown id.
        pub fn name(id: u32) -> Option<&'static str> {
            match id {
                $( x if x == $v as u32 => Some($s), )*
                _ => None,
            }
        }
    };
}

type_ids! {
    /// Dynamic / any (only in schemas).
    UNKNOWN = 0, "UNKNOWN";
    /// bool, 1 byte.
    BOOL = 1, "BOOL";
    /// int8.
    INT8 = 2, "INT8";
    /// int16 LE.
    INT16 = 3, "INT16";
    /// int32 LE fixed.
    INT32 = 4, "INT32";
    /// zigzag varint32.
    VARINT32 = 5, "VARINT32";
    /// int64 LE fixed.
    INT64 = 6, "INT64";
    /// zigzag varint64.
    VARINT64 = 7, "VARINT64";
    /// tagged int64 (4 or 9 bytes).
    TAGGED_INT64 = 8, "TAGGED_INT64";
    /// uint8.
    UINT8 = 9, "UINT8";
    /// uint16 LE.
    UINT16 = 10, "UINT16";
    /// uint32 LE fixed.
    UINT32 = 11, "UINT32";
    /// varuint32.
    VAR_UINT32 = 12, "VAR_UINT32";
    /// uint64 LE fixed.
    UINT64 = 13, "UINT64";
    /// varuint64.
    VAR_UINT64 = 14, "VAR_UINT64";
    /// tagged uint64.
    TAGGED_UINT64 = 15, "TAGGED_UINT64";
    /// float8 (reserved; no implementation writes it).
    FLOAT8 = 16, "FLOAT8";
    /// IEEE binary16.
    FLOAT16 = 17, "FLOAT16";
    /// bfloat16.
    BFLOAT16 = 18, "BFLOAT16";
    /// float32.
    FLOAT32 = 19, "FLOAT32";
    /// float64.
    FLOAT64 = 20, "FLOAT64";
    /// string.
    STRING = 21, "STRING";
    /// list.
    LIST = 22, "LIST";
    /// set.
    SET = 23, "SET";
    /// map.
    MAP = 24, "MAP";
    /// enum registered by id.
    ENUM = 25, "ENUM";
    /// enum registered by name.
    NAMED_ENUM = 26, "NAMED_ENUM";
    /// schema-consistent struct by id.
    STRUCT = 27, "STRUCT";
    /// compatible struct by id.
    COMPATIBLE_STRUCT = 28, "COMPATIBLE_STRUCT";
    /// schema-consistent struct by name.
    NAMED_STRUCT = 29, "NAMED_STRUCT";
    /// compatible struct by name.
    NAMED_COMPATIBLE_STRUCT = 30, "NAMED_COMPATIBLE_STRUCT";
    /// extension by id.
    EXT = 31, "EXT";
    /// extension by name.
    NAMED_EXT = 32, "NAMED_EXT";
    /// union (schema known from context).
    UNION = 33, "UNION";
    /// union by id.
    TYPED_UNION = 34, "TYPED_UNION";
    /// union by name.
    NAMED_UNION = 35, "NAMED_UNION";
    /// none.
    NONE = 36, "NONE";
    /// duration.
    DURATION = 37, "DURATION";
    /// timestamp.
    TIMESTAMP = 38, "TIMESTAMP";
    /// date.
    DATE = 39, "DATE";
    /// decimal.
    DECIMAL = 40, "DECIMAL";
    /// binary.
    BINARY = 41, "BINARY";
    /// reserved shaped array.
    ARRAY = 42, "ARRAY";
    /// dense bool array.
    BOOL_ARRAY = 43, "BOOL_ARRAY";
    /// dense int8 array.
    INT8_ARRAY = 44, "INT8_ARRAY";
    /// dense int16 array.
    INT16_ARRAY = 45, "INT16_ARRAY";
    /// dense int32 array.
    INT32_ARRAY = 46, "INT32_ARRAY";
    /// dense int64 array.
    INT64_ARRAY = 47, "INT64_ARRAY";
    /// dense uint8 array.
    UINT8_ARRAY = 48, "UINT8_ARRAY";
    /// dense uint16 array.
    UINT16_ARRAY = 49, "UINT16_ARRAY";
    /// dense uint32 array.
    UINT32_ARRAY = 50, "UINT32_ARRAY";
    /// dense uint64 array.
    UINT64_ARRAY = 51, "UINT64_ARRAY";
    /// dense float8 array (reserved).
    FLOAT8_ARRAY = 52, "FLOAT8_ARRAY";
    /// dense float16 array.
    FLOAT16_ARRAY = 53, "FLOAT16_ARRAY";
    /// dense bfloat16 array.
    BFLOAT16_ARRAY = 54, "BFLOAT16_ARRAY";
    /// dense float32 array.
    FLOAT32_ARRAY = 55, "FLOAT32_ARRAY";
    /// dense float64 array.
    FLOAT64_ARRAY = 56, "FLOAT64_ARRAY";
}

/// The kind of a user type id, whatever its registration: `NAMED_ENUM`
/// becomes `ENUM`, the four struct ids become `STRUCT`; other ids are
/// returned as they are. For comparing TypeDef field types.
pub fn registration_kind(id: u32) -> u32 {
    match id as u8 {
        NAMED_ENUM => ENUM as u32,
        STRUCT | NAMED_STRUCT | COMPATIBLE_STRUCT | NAMED_COMPATIBLE_STRUCT => STRUCT as u32,
        _ => id,
    }
}

/// True for the integer type ids whose body is variable-length ("compressed"
/// in the field-ordering rules).
pub fn is_compressed_int(id: TypeId) -> bool {
    matches!(
        id,
        VARINT32 | VAR_UINT32 | VARINT64 | VAR_UINT64 | TAGGED_INT64 | TAGGED_UINT64
    )
}

/// True for bool, integers and floats (the "primitive" group of field ordering).
pub fn is_primitive(id: TypeId) -> bool {
    (BOOL..=FLOAT64).contains(&id)
}

/// Fixed size in bytes of a primitive's in-memory width (used for field ordering).
pub fn primitive_size(id: TypeId) -> usize {
    match id {
        BOOL | INT8 | UINT8 | FLOAT8 => 1,
        INT16 | UINT16 | FLOAT16 | BFLOAT16 => 2,
        INT32 | VARINT32 | UINT32 | VAR_UINT32 | FLOAT32 => 4,
        INT64 | VARINT64 | TAGGED_INT64 | UINT64 | VAR_UINT64 | TAGGED_UINT64 | FLOAT64 => 8,
        _ => 0,
    }
}

/// Element size of a dense `*_ARRAY` type, or `None` if `id` is not one.
pub fn array_elem_size(id: TypeId) -> Option<usize> {
    Some(match id {
        BOOL_ARRAY | INT8_ARRAY | UINT8_ARRAY => 1,
        INT16_ARRAY | UINT16_ARRAY | FLOAT16_ARRAY | BFLOAT16_ARRAY => 2,
        INT32_ARRAY | UINT32_ARRAY | FLOAT32_ARRAY => 4,
        INT64_ARRAY | UINT64_ARRAY | FLOAT64_ARRAY => 8,
        _ => return None,
    })
}

/// True for struct kinds (any of the four).
pub fn is_struct(id: TypeId) -> bool {
    matches!(
        id,
        STRUCT | COMPATIBLE_STRUCT | NAMED_STRUCT | NAMED_COMPATIBLE_STRUCT
    )
}

/// True for user-defined kinds (struct, enum, ext, union and their variants).
pub fn is_user_kind(id: TypeId) -> bool {
    (ENUM..=NAMED_UNION).contains(&id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name(STRING as u32), Some("STRING"));
        assert_eq!(name(BINARY as u32), Some("BINARY"));
        assert_eq!(name(FLOAT64_ARRAY as u32), Some("FLOAT64_ARRAY"));
        assert_eq!(name(57), None);
        assert_eq!(array_elem_size(INT32_ARRAY), Some(4));
        assert!(is_compressed_int(TAGGED_UINT64));
        assert!(!is_compressed_int(INT64));
    }
}
