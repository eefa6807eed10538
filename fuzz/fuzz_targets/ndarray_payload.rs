//! The `fory.ndarray` extension payload read as a `RawArray` from arbitrary
//! bytes (both modes, with and without buffers): an error or a value that
//! writes back and reads again equal.
#![no_main]

use fory_core::Fory;
use fory_ndarray::RawArray;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, stream)) = data.split_first() else {
        return;
    };
    let Ok(b) = fory_ndarray::register(Fory::builder().compatible(selector & 2 != 0)) else {
        return;
    };
    let fory = b.build();
    let none: [&[u8]; 0] = [];
    let decoded = if stream.first().is_some_and(|h| h & 2 != 0) {
        fory.deserialize_with_buffers::<RawArray<'_>, _>(stream, &none)
    } else {
        fory.deserialize::<RawArray<'_>>(stream)
    };
    let Ok(v) = decoded else { return };
    let Ok(bytes) = fory.serialize(&v) else {
        return;
    };
    let again: RawArray<'_> = fory.deserialize(&bytes).expect("our own encoding decodes");
    assert_eq!(
        (again.dtype(), again.order(), again.shape(), again.data()),
        (v.dtype(), v.order(), v.shape(), v.data())
    );
});
