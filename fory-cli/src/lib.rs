//! Library behind the `fory` command: typed JSON, conformance runs, stream inspection.

pub mod conform;
pub mod typed_json;
