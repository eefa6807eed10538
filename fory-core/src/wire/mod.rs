//! The wire format, in one place: primitives, type ids, header, ref flags,
//! strings, meta strings, TypeDefs, and collection header bits.

pub mod buffer;
pub mod decimal;
pub mod meta_string;
pub mod string;
pub mod type_id;
pub mod typedef;
mod writer;

pub use buffer::{Reader, Run, Writer};

/// Header bitmap bits (first byte of every stream).
pub mod header {
    /// xlang format.
    pub const XLANG: u8 = 0x01;
    /// Written with a buffer callback: buffer objects carry an in-band flag.
    pub const OUT_OF_BAND: u8 = 0x02;
    /// Bits that must be zero.
    pub const RESERVED: u8 = 0xfc;
}

/// Reference / null flags (one signed byte).
pub mod ref_flag {
    /// Null.
    pub const NULL: u8 = 0xfd;
    /// Back-reference; a varuint32 id follows.
    pub const REF: u8 = 0xfe;
    /// Present, not reference-tracked.
    pub const NOT_NULL: u8 = 0xff;
    /// Present, first occurrence of a tracked object (takes the next id).
    pub const REF_VALUE: u8 = 0x00;
}

/// LIST / SET header bits.
pub mod list_header {
    /// Every element carries a ref flag.
    pub const TRACKING_REF: u8 = 0x01;
    /// Elements carry a null flag.
    pub const HAS_NULL: u8 = 0x02;
    /// Element type comes from the schema.
    pub const DECL_ELEMENT_TYPE: u8 = 0x04;
    /// All elements share one type (written once).
    pub const SAME_TYPE: u8 = 0x08;
    /// Bits that must be zero.
    pub const RESERVED: u8 = 0xf0;
}

/// MAP chunk header bits.
pub mod map_header {
    /// Keys carry ref flags.
    pub const TRACKING_KEY_REF: u8 = 0x01;
    /// The key is null (a one-entry chunk without a size byte).
    pub const KEY_HAS_NULL: u8 = 0x02;
    /// Key type comes from the schema.
    pub const KEY_DECL_TYPE: u8 = 0x04;
    /// Values carry ref flags.
    pub const TRACKING_VALUE_REF: u8 = 0x08;
    /// The value is null (a one-entry chunk without a size byte).
    pub const VALUE_HAS_NULL: u8 = 0x10;
    /// Value type comes from the schema.
    pub const VALUE_DECL_TYPE: u8 = 0x20;
    /// Bits that must be zero.
    pub const RESERVED: u8 = 0xc0;
    /// Largest chunk.
    pub const MAX_CHUNK: usize = 255;
}
