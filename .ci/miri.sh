#!/usr/bin/env bash
# Miri (nightly) over the code whose `unsafe` it can run:
#
# * fory-pickle: src/array.rs reinterprets buffers as typed slices
#   (`slice::from_raw_parts` in `slice_bytes`, `align_to` in `typed_view`,
#   the `unsafe impl Element`s); its unit tests exercise each of them, and
#   the rest of the crate's tests borrow loaded arrays and buffers.
# * fory-core: the library tests of the zero-copy borrowing (out-of-band
#   buffers and the wire reader) that fory-pickle builds on.
# * fory-ndarray's tests/zero_copy.rs: its `unsafe impl GlobalAlloc` (a
#   counting allocator) and the zero-copy views it measures.
#
# Not here: fory-cli and tests/ use `unsafe` only for `memmap2::Mmap::map`,
# which Miri cannot run (it does not map files); those tests carry
# `#[cfg_attr(miri, ignore)]` or are not Miri targets.
#
# Usage: .ci/miri.sh            (MIRIFLAGS from the environment are added)
set -euo pipefail
cd "$(dirname "$0")/.."

toolchain="${FORY_MIRI_TOOLCHAIN:-nightly}"
install_miri() {
    if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
        rustup toolchain install "$toolchain" --profile minimal || return 1
    fi
    local installed
    installed=$(rustup component list --toolchain "$toolchain" --installed) || return 1
    if ! grep -q '^miri' <<<"$installed" || ! grep -q '^rust-src' <<<"$installed"; then
        rustup component add miri rust-src --toolchain "$toolchain" || return 1
    fi
    cargo +"$toolchain" miri --version && cargo +"$toolchain" miri setup
}

if ! install_miri; then
    # Fallback the hardening issue allows: the same unsafe code's tests under
    # AddressSanitizer with the stable toolchain (its sanitizer runtime ships
    # with rust-std; RUSTC_BOOTSTRAP unlocks the -Z flag).
    echo "!! Miri could not be installed here: running the tests under AddressSanitizer instead"
    export RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=address" CARGO_TARGET_DIR=target/asan
    t=x86_64-unknown-linux-gnu
    cargo test --target "$t" -p fory-pickle --features ndarray --lib --tests
    cargo test --target "$t" -p fory-core --lib
    cargo test --target "$t" -p fory-ndarray --test zero_copy
    echo "== AddressSanitizer: all passed"
    exit 0
fi

# -Zmiri-strict-provenance: no integer-to-pointer casts anywhere (bytes
#   1.x, half and ndarray pass it).
# -Zmiri-env-forward=FORY_SKIP_PYTHON: Miri hides the host environment and
#   cannot spawn processes; with FORY_SKIP_PYTHON=1 the tests that drive
#   the Python peer return before spawning it (they test interop, not
#   memory safety, and run natively in .ci/run).
export FORY_SKIP_PYTHON=1
export MIRIFLAGS="-Zmiri-strict-provenance -Zmiri-env-forward=FORY_SKIP_PYTHON ${MIRIFLAGS:-}"
# Miri builds into target/miri by itself.

start=$SECONDS
step() {
    local t0=$SECONDS
    echo "== $1"
    shift
    "$@"
    echo "   ($((SECONDS - t0)) s)"
}
miri() { cargo +"$toolchain" miri test "$@"; }

step "fory-pickle: unit tests (array.rs unsafe; nd.rs views with the ndarray feature)" \
    miri -p fory-pickle --features ndarray --lib

# Skipped here, none of them reaches array.rs' unsafe code:
# * limits: parse-only limit checks on 100k-opcode streams; still running
#   after 12 minutes under Miri (0.1 s natively).
# * random_bytes_never_panic, mutated_streams_never_panic: proptest with
#   2000 cases each of load/dumps/compare (no typed views); the fuzz
#   targets cover the same natively.
# * python_rejects_come_back_typed: reads streams the Python peer writes.
step "fory-pickle: tests/hostile.rs" \
    miri -p fory-pickle --test hostile -- --exact \
    --skip limits --skip random_bytes_never_panic --skip mutated_streams_never_panic \
    --skip python_rejects_come_back_typed

# out_of_band_round_trip_is_zero_copy is skipped: it builds and compares a
# 1 MiB buffer byte by byte through iterator adapters (over 5 minutes under
# Miri); PickleBuffer's doctest (below) runs the same out-of-band round
# trip with the same pointer-identity checks on a buffer Miri fills fast.
step "fory-pickle: tests/pickle_buffer.rs" \
    miri -p fory-pickle --test pickle_buffer -- --exact \
    --skip out_of_band_round_trip_is_zero_copy

# numpy_arrays_load_as_views_of_the_buffers and
# rust_ndarrays_dump_for_python_without_copies need the Python peer (and
# the second writes its files before asking for it).
step "fory-pickle: tests/ndarray_feature.rs" \
    miri -p fory-pickle --features ndarray --test ndarray_feature -- --exact \
    --skip numpy_arrays_load_as_views_of_the_buffers \
    --skip rust_ndarrays_dump_for_python_without_copies

# (tests/python_interop.rs: both tests need the Python peer; not run.)

step "fory-pickle: doctests" \
    miri -p fory-pickle --features ndarray --doc

# the aliasing model Rust is moving to, on the tests of the unsafe code
step "fory-pickle: array.rs and nd.rs unit tests under Tree Borrows" \
    env MIRIFLAGS="$MIRIFLAGS -Zmiri-tree-borrows" \
    cargo +"$toolchain" miri test -p fory-pickle --features ndarray --lib -- array:: nd::

step "fory-core: unit tests (zero-copy borrowing of out-of-band buffers)" \
    miri -p fory-core --lib
step "fory-core: doctests" \
    miri -p fory-core --doc

# gathered_arrays_stream_without_a_second_full_copy is skipped: it streams
# multi-MiB strided arrays element by element (over 15 minutes under Miri);
# the four others cover the allocator and the zero-copy views.
step "fory-ndarray: tests/zero_copy.rs (unsafe impl GlobalAlloc)" \
    miri -p fory-ndarray --test zero_copy -- --exact \
    --skip gathered_arrays_stream_without_a_second_full_copy

echo "== Miri: all passed in $((SECONDS - start)) s"
