//! Pickle protocol 5 for fory-rs (work in progress).
