//! "A 20-byte stream must never make us allocate megabytes", measured: a
//! counting global allocator records the peak heap growth while short
//! streams decode, through every decoder that reads untrusted bytes.
//!
//! This binary holds a single test so no other test allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use fory_cli::conform::{fory_for, Manifest};
use fory_cli::inspect;
use fory_core::{Fory, Value};
use fory_tests::{conformance_cases, vectors_dir, Rng};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only
// counts the bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak heap growth (bytes) while `f` runs.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed).saturating_sub(base)
}

const MIB: usize = 1 << 20;

#[test]
fn short_streams_never_allocate_megabytes() {
    let m = Manifest::load(&vectors_dir()).expect("manifest");
    let schema = m.schema(None).expect("schema");
    let plain = Fory::builder().build();
    let mut streams: Vec<Vec<u8>> = Vec::new();
    // the first 20 bytes of every vector, with length fields intact
    let cases = conformance_cases();
    for (_, stream, _, _) in &cases {
        streams.push(stream[..stream.len().min(20)].to_vec());
    }
    // hand-made claims: 4 GiB strings, lists, maps, arrays, binaries, and
    // lists of lists of empty lists
    for h in [
        "01ff15fcffffff3f",
        "01ff16ffffffff0f08070000",
        "01ff18ffffffff0f000107070000",
        "01ff38ffffffff0f00000000",
        "01ff29ffffffff0f",
        "01ff16ffff03081600000000000000000000",
        "01ff160f0c16000000000000000000000000",
    ] {
        streams.push(hex::decode(h).unwrap());
    }
    // random 20-byte streams behind a valid header
    let mut rng = Rng(0x5eed);
    for _ in 0..3000 {
        let mut s = vec![0x01, 0xff];
        s.extend((0..18).map(|_| rng.next_u64() as u8));
        streams.push(s);
    }
    // and random flips of vector prefixes
    for (_, stream, _, _) in &cases {
        let mut s = stream[..stream.len().min(20)].to_vec();
        for _ in 0..4 {
            let i = rng.below(s.len());
            s[i] = rng.next_u64() as u8;
        }
        streams.push(s);
    }

    let mut worst = (0usize, String::new());
    let mut note = |peak: usize, what: &str, s: &[u8]| {
        if peak > worst.0 {
            worst = (peak, format!("{what} {}", hex::encode(s)));
        }
    };
    for s in &streams {
        let p = peak_during(|| {
            let _ = plain.deserialize_value(s);
        });
        note(p, "value", s);
        for (_, _, _, case) in cases.iter().take(1) {
            let fory = fory_for(case, schema.clone());
            let p = peak_during(|| {
                let _ = fory.deserialize_value(s);
            });
            note(p, "value+schema", s);
        }
        let p = peak_during(|| {
            let _ = plain.deserialize::<Vec<String>>(s);
            let _ = plain.deserialize::<Vec<Vec<Value>>>(s);
            let _ = plain.deserialize::<std::collections::HashMap<String, Vec<i64>>>(s);
        });
        note(p, "typed", s);
        let p = peak_during(|| {
            let _ = inspect::inspect(s, &inspect::Options::default());
        });
        note(p, "inspect", s);
        let p = peak_during(|| {
            let _ = fory_pickle::loads(s, &[] as &[&[u8]]);
        });
        note(p, "pickle", s);
    }
    assert!(
        worst.0 < MIB,
        "{} bytes allocated for the 20-byte stream {}",
        worst.0,
        worst.1
    );
    eprintln!(
        "worst peak over {} streams: {} bytes ({})",
        streams.len(),
        worst.0,
        worst.1
    );
}
