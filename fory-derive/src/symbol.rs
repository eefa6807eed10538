//! Attribute keywords, in one place.

pub const FORY: &str = "fory";
pub const ID: &str = "id";
pub const NAME: &str = "name";
pub const CRATE: &str = "crate";
pub const SKIP: &str = "skip";
pub const NULLABLE: &str = "nullable";
pub const REF: &str = "ref";
pub const RENAME: &str = "rename";
pub const VALUE: &str = "value";
pub const ENCODING: &str = "encoding";
pub const ARRAY: &str = "array";
pub const LIST: &str = "list";
pub const BYTES: &str = "bytes";
pub const DEFAULT: &str = "default";
