//! Schema-driven encoding and decoding of [`Value`](crate::Value)s.

pub mod decode;
pub mod encode;
pub mod layout;

/// The settings of an encoder or decoder: the two that change bytes on the
/// wire (not carried in the stream) and the resource limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Reference tracking (shared and cyclic objects).
    pub ref_tracking: bool,
    /// Compatible mode (TypeDefs, schema evolution) instead of schema-consistent mode.
    pub compatible: bool,
    /// Resource limits (nesting depth on read and write; the rest on read).
    pub limits: crate::limits::Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ref_tracking: false,
            compatible: true,
            limits: crate::limits::Limits::default(),
        }
    }
}
