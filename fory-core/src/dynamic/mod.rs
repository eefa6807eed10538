//! Schema-driven encoding and decoding of [`Value`](crate::Value)s.

pub mod decode;
pub mod encode;
pub mod layout;

/// The settings that change bytes on the wire (not carried in the stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Reference tracking (shared and cyclic objects).
    pub ref_tracking: bool,
    /// Compatible mode (TypeDefs, schema evolution) instead of schema-consistent mode.
    pub compatible: bool,
    /// Deepest nesting accepted or written.
    pub max_depth: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ref_tracking: false,
            compatible: true,
            max_depth: 100,
        }
    }
}
