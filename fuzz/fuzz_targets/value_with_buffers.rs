//! Streams with arbitrary out-of-band buffer lists: errors, never panics;
//! what decodes round-trips under an out-of-band callback.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // layout: selector, buffer count, then stream and buffers split at length bytes
    let selector = data[0];
    let nbufs = (data[1] % 5) as usize;
    let mut rest = &data[2..];
    let mut buffers: Vec<&[u8]> = Vec::new();
    for _ in 0..nbufs {
        let Some((&len, tail)) = rest.split_first() else {
            break;
        };
        let len = (len as usize).min(tail.len());
        buffers.push(&tail[..len]);
        rest = &tail[len..];
    }
    let fory = fory_core::Fory::builder()
        .ref_tracking(selector & 1 != 0)
        .compatible(selector & 2 != 0)
        .build();
    let Ok(v) = fory.deserialize_value_with_buffers(rest, &buffers) else {
        return;
    };
    let mut out = Vec::new();
    let Ok(bytes) = fory.serialize_value_with_callback(&v, |b| {
        out.push(b.to_bytes());
        fory_core::Placement::OutOfBand
    }) else {
        return;
    };
    let again = fory
        .deserialize_value_with_shared_buffers(&bytes, &out)
        .expect("our own encoding must decode");
    if let Err(e) = fory_cli::typed_json::compare(&v, &again) {
        panic!("round trip through buffers changed the value: {e}");
    }
});
