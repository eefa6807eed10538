//! Derived structs in both modes read arbitrary bytes: an error or a value
//! that re-encodes and reads back equal.
#![no_main]

use std::borrow::Cow;
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
    note: Option<Cow<'a, str>>,
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

/// pyfory's `example.ArrayFields`.
#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(id = 102)]
struct ArrayFields {
    bools: Vec<bool>,
    i8: Vec<i8>,
    i16: Vec<i16>,
    i32: Vec<i32>,
    i64: Vec<i64>,
    #[fory(array)]
    u8: Vec<u8>,
    u16: Vec<u16>,
    u32: Vec<u32>,
    u64: Vec<u64>,
    f16: Vec<half::f16>,
    bf16: Vec<half::bf16>,
    f32: Vec<f32>,
    f64: Vec<f64>,
}

/// `ArrayFields` with its numeric arrays borrowed where they are aligned.
#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(id = 102)]
struct ArrayFieldsView<'a> {
    bools: Cow<'a, [bool]>,
    i8: Cow<'a, [i8]>,
    i16: Cow<'a, [i16]>,
    i32: Cow<'a, [i32]>,
    i64: Cow<'a, [i64]>,
    #[fory(array)]
    u8: Vec<u8>,
    u16: Cow<'a, [u16]>,
    u32: Cow<'a, [u32]>,
    u64: Cow<'a, [u64]>,
    f16: Cow<'a, [half::f16]>,
    bf16: Cow<'a, [half::bf16]>,
    f32: Cow<'a, [f32]>,
    f64: Cow<'a, [f64]>,
}

/// Bit-for-bit equality of a `Cow` and a `Vec` field, and a borrowed one
/// lies in the stream.
fn same<T: bytemuck::Pod>(stream: &[u8], cow: &[T], vec: &[T], borrowed: bool) {
    assert_eq!(
        bytemuck::cast_slice::<T, u8>(cow),
        bytemuck::cast_slice::<T, u8>(vec)
    );
    if borrowed && !cow.is_empty() {
        let (r, p) = (stream.as_ptr_range(), cow.as_ptr_range());
        assert!(r.start as usize <= p.start as usize && p.end as usize <= r.end as usize);
    }
}

/// The borrowing view decodes exactly the streams `ArrayFields` decodes,
/// to the same bits, and writes what `ArrayFields` writes.
fn check_arrays(compatible: bool, track_ref: bool, stream: &[u8]) {
    let build = |view: bool| {
        let b = Fory::builder()
            .ref_tracking(track_ref)
            .compatible(compatible);
        if view {
            b.register_struct::<ArrayFieldsView<'_>>()
        } else {
            b.register_struct::<ArrayFields>()
        }
        .expect("registration")
        .build()
    };
    let (owned_fory, view_fory) = (build(false), build(true));
    let owned = owned_fory.deserialize::<ArrayFields>(stream);
    match (view_fory.deserialize::<ArrayFieldsView<'_>>(stream), owned) {
        (Ok(v), Ok(o)) => {
            macro_rules! fields {
                ($($f:ident),*) => {$(
                    same(stream, &v.$f, &o.$f, matches!(v.$f, Cow::Borrowed(_)));
                )*};
            }
            fields!(i8, i16, i32, i64, u16, u32, u64, f16, bf16, f32, f64);
            assert_eq!((&v.bools[..], &v.u8), (&o.bools[..], &o.u8));
            assert_eq!(
                view_fory.serialize(&v).expect("the view encodes"),
                owned_fory.serialize(&o).expect("the value encodes")
            );
        }
        (Ok(v), Err(e)) => panic!("the view decoded {v:?} where ArrayFields failed: {e}"),
        (Err(e), Ok(_)) => panic!("ArrayFields decoded, the view failed with {e}"),
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

fn fory_arrays(selector: u8) -> Fory {
    Fory::builder()
        .ref_tracking(selector & 1 != 0)
        .compatible(selector & 2 != 0)
        .register_struct::<ArrayFields>()
        .expect("registration")
        .build()
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
    if selector & 0x10 != 0 {
        // NaN != NaN: compare encodings, not values
        let fory = fory_arrays(selector);
        if let Ok(v) = fory.deserialize::<ArrayFields>(stream) {
            let bytes = fory.serialize(&v).expect("a decoded value encodes");
            let again: ArrayFields = fory.deserialize(&bytes).expect("our own encoding decodes");
            assert_eq!(fory.serialize(&again).expect("encodes"), bytes);
        }
        check_arrays(selector & 2 != 0, selector & 1 != 0, stream);
        return;
    }
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
