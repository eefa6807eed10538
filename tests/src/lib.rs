//! Shared helpers for the integration tests.

use std::path::PathBuf;

#[path = "../python/venv.rs"]
mod venv;
pub use venv::{python, repo_root};

/// The pyfory 1.7.7 vectors copied into the repository.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join("pyfory-1.7.7")
}

/// One conformance case: name, stream, out-of-band buffers, manifest entry.
pub type Case = (String, Vec<u8>, Vec<Vec<u8>>, serde_json::Value);

/// Every conformance case.
pub fn conformance_cases() -> Vec<Case> {
    let dir = vectors_dir();
    let m = fory_cli::conform::Manifest::load(&dir).expect("manifest");
    let mut out = Vec::new();
    for c in m.cases() {
        if !c["conformance"].as_bool().unwrap_or(true) {
            continue;
        }
        let name = c["name"].as_str().expect("name").to_string();
        let stream = std::fs::read(dir.join(format!("{name}.bin"))).expect("stream");
        let bufs = fory_cli::conform::read_oob_files(&dir, &name).expect("buffers");
        out.push((name, stream, bufs, c.clone()));
    }
    out
}

/// A small deterministic PRNG (xorshift64*), so fuzz-like tests are reproducible.
pub struct Rng(pub u64);

impl Rng {
    /// Next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// pyfory's `example.ArrayFields` (manifest type id 102): one dense array
/// of every element type, shared by the tests that read its vectors. The
/// fields are named after their element types.
#[allow(missing_docs)]
#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(id = 102)]
pub struct ArrayFields {
    pub bools: Vec<bool>,
    pub i8: Vec<i8>,
    pub i16: Vec<i16>,
    pub i32: Vec<i32>,
    pub i64: Vec<i64>,
    #[fory(array)]
    pub u8: Vec<u8>,
    pub u16: Vec<u16>,
    pub u32: Vec<u32>,
    pub u64: Vec<u64>,
    pub f16: Vec<half::f16>,
    pub bf16: Vec<half::bf16>,
    pub f32: Vec<f32>,
    pub f64: Vec<f64>,
}
