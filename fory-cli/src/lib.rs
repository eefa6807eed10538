//! Library behind the `fory` command: typed JSON, conformance runs, stream inspection, pickle streams.

pub mod conform;
pub mod demo;
pub mod inspect;
pub mod pickle_cmd;
pub mod typed_json;
