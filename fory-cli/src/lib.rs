//! fory CLI library.
