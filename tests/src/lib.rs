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
