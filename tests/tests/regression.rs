//! Inputs the fuzzers found, kept as regression tests: each must keep the
//! property its fuzz target checks (decode → encode → decode is stable).

use fory_cli::conform::Manifest;
use fory_core::Fory;
use fory_tests::{repo_root, vectors_dir};

#[test]
fn value_decode_reproducers() {
    let schema = Manifest::load(&vectors_dir())
        .unwrap()
        .schema(None)
        .unwrap();
    let dir = repo_root().join("tests/regression/value_decode");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let Some((&selector, stream)) = data.split_first() else {
            continue;
        };
        let b = Fory::builder()
            .ref_tracking(selector & 1 != 0)
            .compatible(selector & 2 != 0);
        let fory = if selector & 4 != 0 {
            b.build()
        } else {
            b.schema(schema.clone()).build()
        };
        n += 1;
        let Ok(v) = fory.deserialize_value(stream) else {
            continue;
        };
        let Ok(bytes) = fory.serialize_value(&v) else {
            continue;
        };
        let again = fory
            .deserialize_value(&bytes)
            .expect("our own encoding decodes");
        fory_cli::typed_json::compare(&v, &again).expect("stable round trip");
    }
    assert!(n > 0);
}

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
    counts: std::collections::BTreeMap<String, i32>,
    note: Option<String>,
}

/// A TypeDef whose body did not match its header hash was once cached under
/// that header and then misread our own correct stream.
#[test]
fn derived_structs_reproducers() {
    let dir = repo_root().join("tests/regression/derived_structs");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let Some((&selector, stream)) = data.split_first() else {
            continue;
        };
        let fory = Fory::builder()
            .ref_tracking(selector & 1 != 0)
            .compatible(selector & 2 != 0)
            .register_struct::<Point>()
            .and_then(|b| b.register_struct::<Line>())
            .unwrap()
            .build();
        n += 1;
        if let Ok(v) = fory.deserialize::<Line>(stream) {
            let bytes = fory.serialize(&v).unwrap();
            assert_eq!(fory.deserialize::<Line>(&bytes).unwrap(), v);
        }
        // the good stream still reads after the corrupted one was seen
        let good = fory.serialize(&Line::default()).unwrap();
        assert_eq!(fory.deserialize::<Line>(&good).unwrap(), Line::default());
    }
    assert!(n > 0);
}
