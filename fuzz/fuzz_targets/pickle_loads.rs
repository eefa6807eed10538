//! `fory_pickle::loads` on arbitrary bytes and buffers: an error or a value
//! that dumps and loads back equal (with its buffers out-of-band).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&nbufs, rest)) = data.split_first() else {
        return;
    };
    let mut rest = rest;
    let mut buffers: Vec<&[u8]> = Vec::new();
    for _ in 0..nbufs % 4 {
        let Some((&len, tail)) = rest.split_first() else {
            break;
        };
        let len = (len as usize).min(tail.len());
        buffers.push(&tail[..len]);
        rest = &tail[len..];
    }
    let Ok(v) = fory_pickle::loads(rest, &buffers) else {
        return;
    };
    let mut out = Vec::new();
    let Ok(bytes) = fory_pickle::dumps(&v, |b| {
        out.push(b.to_bytes());
        fory_core::Placement::OutOfBand
    }) else {
        return;
    };
    let again = fory_pickle::loads(&bytes, &out).expect("our own pickle loads");
    assert_eq!(format!("{again:?}"), format!("{v:?}"));
});
