//! Library behind the `fory` command: typed JSON, conformance runs, stream inspection.

pub mod conform;
pub mod demo;
pub mod inspect;
pub mod typed_json;
