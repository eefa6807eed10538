//! Apache Fory's benchmark models (`benchmarks/proto/bench.proto`, as the Rust
//! suite in `apache/fory` `benchmarks/rust/xlang` declares them), defined once
//! per library:
//!
//! * [`ours`]: `#[derive(fory_core::Fory)]` (this project),
//! * [`peer`]: `#[derive(fory::ForyStruct)]` / `ForyEnum` (Apache Fory's `fory` 1.7.7),
//! * [`plain`]: serde derives (bincode, postcard, rmp-serde),
//! * [`views`]: borrowing twins of [`ours`] (`&str`, `Cow<[T]>`), read only.
//!
//! The data ([`data`]) is the same for all three: the field values and sizes
//! of Fory's `create_numeric_struct` / `create_sample` / `create_media_content`,
//! lists of `LIST_SIZE = 5` elements, type ids 1..=10 and field ids 1..=N.

pub mod codecs;
pub mod data;
pub mod ours;
pub mod peer;
pub mod plain;
pub mod views;

/// Elements per list model, as in Fory's benchmark.
pub const LIST_SIZE: usize = 5;

/// Elements of the `Vec<f64>` root-vs-field benchmark (8 MB of payload).
pub const F64_LEN: usize = 1 << 20;
