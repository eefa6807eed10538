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
