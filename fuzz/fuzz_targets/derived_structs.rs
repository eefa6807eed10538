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

/// `Line` with its strings borrowed from the stream.
#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Line")]
struct LineView<'a> {
    a: Point,
    b: Option<Point>,
    tags: Vec<&'a str>,
    counts: BTreeMap<&'a str, i32>,
    note: Option<std::borrow::Cow<'a, str>>,
}

/// The borrowed view decodes exactly the streams the owned `Line` decodes,
/// to the same value, except where a string needs transcoding (`&str`
/// cannot borrow it: a type mismatch).
fn check_view(compatible: bool, track_ref: bool, stream: &[u8]) {
    let build = |view: bool| {
        let b = Fory::builder()
            .ref_tracking(track_ref)
            .compatible(compatible)
            .register_struct::<Point>()
            .expect("registration");
        if view {
            b.register_struct::<LineView<'_>>()
        } else {
            b.register_struct::<Line>()
        }
        .expect("registration")
        .build()
    };
    let (owned_fory, view_fory) = (build(false), build(true));
    let owned = owned_fory.deserialize::<Line>(stream);
    match (view_fory.deserialize::<LineView<'_>>(stream), owned) {
        (Ok(v), Ok(o)) => {
            assert_eq!(v.a, o.a);
            assert_eq!(v.b, o.b);
            assert_eq!(v.tags, o.tags);
            assert!(v
                .counts
                .iter()
                .map(|(k, c)| (k.to_string(), *c))
                .eq(o.counts.clone()));
            assert_eq!(v.note.as_deref(), o.note.as_deref());
        }
        (Ok(v), Err(e)) => panic!("the view decoded {v:?} where Line failed: {e}"),
        (Err(e), Ok(_)) => assert!(
            matches!(e, fory_core::Error::TypeMismatch { .. }),
            "Line decoded, the view failed with {e}"
        ),
        (Err(_), Err(_)) => {}
    }
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
        1 => {
            check::<Line>(&fory, stream);
            check_view(selector & 2 != 0, selector & 1 != 0, stream);
        }
        2 => check::<Blob>(&fory, stream),
        _ => check::<Vec<Line>>(&fory, stream),
    }
});
