//! n-dimensional arrays for fory-rs (work in progress).
