//! Derived structs in both modes read arbitrary bytes: an error or a value
//! that re-encodes and reads back equal.
#![no_main]

use std::collections::BTreeMap;

use fory_core::Fory;
use libfuzzer_sys::fuzz_target;

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Point")]
struct Point {
    x: i32,
    y: i32,
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Line")]
struct Line {
    a: Point,
    b: Option<Point>,
    tags: Vec<String>,
    counts: BTreeMap<String, i32>,
    note: Option<String>,
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Blob")]
struct Blob {
    name: String,
    data: Vec<u8>,
    maybe: Option<Vec<u8>>,
    many: Vec<Vec<u8>>,
    by_key: BTreeMap<String, Vec<u8>>,
}

fn check<T>(fory: &Fory, stream: &[u8])
where
    T: fory_core::Serialize + for<'de> fory_core::Deserialize<'de> + std::fmt::Debug + PartialEq,
{
    let Ok(v) = fory.deserialize::<T>(stream) else {
        return;
    };
    let bytes = fory.serialize(&v).expect("a decoded value encodes");
    let again: T = fory
        .deserialize(&bytes)
        .expect("our own encoding must decode");
    assert_eq!(again, v);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, stream)) = data.split_first() else {
        return;
    };
    let fory = Fory::builder()
        .ref_tracking(selector & 1 != 0)
        .compatible(selector & 2 != 0)
        .register_struct::<Point>()
        .and_then(|b| b.register_struct::<Line>())
        .and_then(|b| b.register_struct::<Blob>())
        .expect("registration")
        .build();
    match selector >> 2 & 3 {
        0 => check::<Point>(&fory, stream),
        1 => check::<Line>(&fory, stream),
        2 => check::<Blob>(&fory, stream),
        _ => check::<Vec<Line>>(&fory, stream),
    }
});
