//! `&'de str` and `Cow<'de, str>`: strings read without a copy, at the root
//! and in derived structs, from pyfory's vectors.

use std::borrow::Cow;
use std::collections::BTreeMap;

use fory_core::{Error, Fory};
use fory_tests::vectors_dir;

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(vectors_dir().join(format!("{name}.bin"))).unwrap()
}

/// Whether `s` lies inside `stream` (an empty string may sit at its end).
fn in_stream(stream: &[u8], s: &str) -> bool {
    let r = stream.as_ptr_range();
    let p = s.as_bytes().as_ptr_range();
    r.start <= p.start && p.end <= r.end
}

/// Every string vector pyfory wrote: `Cow<str>` borrows exactly when `&str`
/// can, both point into the stream then, and both agree with `String`.
#[test]
fn every_string_vector_as_str_and_cow() {
    let fory = Fory::builder().build();
    let mut borrowed = Vec::new();
    let mut transcoded = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("string_") && n.ends_with(".bin"))
        .map(|n| n.trim_end_matches(".bin").to_string())
        .collect();
    names.sort();
    assert!(names.len() >= 15, "string vectors: {names:?}");
    for name in &names {
        let bytes = vector(name);
        let owned: String = fory.deserialize(&bytes).unwrap();
        let cow: Cow<'_, str> = fory.deserialize(&bytes).unwrap();
        assert_eq!(cow, owned, "{name}");
        let s: Result<&str, _> = fory.deserialize(&bytes);
        match (&cow, s) {
            (Cow::Borrowed(c), Ok(s)) => {
                assert_eq!(s, owned, "{name}");
                assert!(in_stream(&bytes, s), "{name}: &str points into the stream");
                assert!(in_stream(&bytes, c), "{name}: Cow points into the stream");
                borrowed.push(name.clone());
            }
            (Cow::Owned(_), Err(e)) => {
                assert!(matches!(e, Error::TypeMismatch { .. }), "{name}: {e}");
                transcoded.push(name.clone());
            }
            (c, s) => panic!("{name}: Cow {c:?} but &str {s:?}"),
        }
    }
    // pyfory writes ASCII as Latin-1 (borrowable) and text with chars past
    // U+00FF as UTF-16 or UTF-8
    for n in [
        "string_ascii",
        "string_empty",
        "string_len_128",
        "string_long_ascii_70000",
    ] {
        assert!(
            borrowed.iter().any(|b| b == n),
            "{n} borrowed: {borrowed:?}"
        );
    }
    for n in [
        "string_latin1",
        "string_latin1_only_high",
        "string_long_latin1_70000",
    ] {
        assert!(
            transcoded.iter().any(|b| b == n),
            "{n} transcoded: {transcoded:?}"
        );
    }
}

/// What we write is always borrowable: ASCII as Latin-1, text past Latin-1
/// as UTF-8; Latin-1 text that is not ASCII is transcoded on the way back.
#[test]
fn our_strings_borrow_back() {
    let fory = Fory::builder().build();
    for text in [
        "",
        "plain ascii",
        "ключ 鍵 🔑",
        "ü and 𝄞",
        &"x".repeat(1000),
    ] {
        let bytes = fory.serialize(&text).unwrap();
        let s: &str = fory.deserialize(&bytes).unwrap();
        assert_eq!(s, text);
        assert!(in_stream(&bytes, s), "{text:?}");
    }
    let bytes = fory.serialize(&"café").unwrap();
    let err = fory.deserialize::<&str>(&bytes).unwrap_err();
    match err {
        Error::TypeMismatch { found, offset, .. } => {
            assert!(found.contains("Latin-1"), "{found}");
            // header byte, ref flag, type id: the string header follows
            assert_eq!(offset, 3);
        }
        e => panic!("{e}"),
    }
    let cow: Cow<'_, str> = fory.deserialize(&bytes).unwrap();
    assert!(matches!(cow, Cow::Owned(ref s) if s == "café"));
    // Cow<str> writes what String writes
    let owned = fory.serialize(&"café".to_string()).unwrap();
    assert_eq!(fory.serialize(&Cow::Borrowed("café")).unwrap(), owned);
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Point")]
struct Point {
    x: i32,
    y: i32,
}

/// pyfory's `example.Line` with every string borrowed from the stream.
#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Line")]
struct LineView<'a> {
    a: Point,
    b: Option<Point>,
    tags: Vec<&'a str>,
    counts: BTreeMap<&'a str, i32>,
    note: Option<Cow<'a, str>>,
}

/// The owned twin, to compare with.
#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Line")]
struct Line {
    a: Point,
    b: Option<Point>,
    tags: Vec<String>,
    counts: BTreeMap<String, i32>,
    note: Option<String>,
}

#[test]
fn derived_struct_borrows_its_strings() {
    for (name, compatible) in [
        ("struct_line_full", false),
        ("struct_line_full__compat", true),
        ("struct_line_nulls", false),
        ("struct_line_nulls__compat", true),
    ] {
        let bytes = vector(name);
        let build = |c| {
            Fory::builder()
                .compatible(c)
                .register_struct::<Point>()
                .unwrap()
        };
        let owned_fory = build(compatible).register_struct::<Line>().unwrap().build();
        let view_fory = build(compatible)
            .register_struct::<LineView<'_>>()
            .unwrap()
            .build();
        let owned: Line = owned_fory.deserialize(&bytes).unwrap();
        let view: LineView<'_> = view_fory.deserialize(&bytes).unwrap();
        assert_eq!(view.a, owned.a, "{name}");
        assert_eq!(view.b, owned.b, "{name}");
        assert_eq!(view.tags, owned.tags, "{name}");
        assert_eq!(
            view.counts
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<BTreeMap<_, _>>(),
            owned.counts,
            "{name}"
        );
        assert_eq!(view.note.as_deref(), owned.note.as_deref(), "{name}");
        for t in &view.tags {
            assert!(in_stream(&bytes, t), "{name}: tag {t:?}");
        }
        for k in view.counts.keys() {
            assert!(in_stream(&bytes, k), "{name}: key {k:?}");
        }
        if let Some(n) = &view.note {
            assert!(
                matches!(n, Cow::Borrowed(s) if in_stream(&bytes, s)),
                "{name}"
            );
        }
        if name == "struct_line_full" {
            assert!(!view.tags.is_empty() && view.note.is_some());
        }
        // and the view writes pyfory's bytes back
        assert_eq!(
            hex::encode(view_fory.serialize(&view).unwrap()),
            hex::encode(&bytes),
            "{name}"
        );
    }
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Person")]
struct Person {
    id: i64,
    name: String,
    city: String,
    score: f32,
    nick: String,
}

/// `Person` with direct `&str` / `Cow<str>` fields: string leaves, read and
/// written on the derive's straight-line path like `String`.
#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Person")]
struct PersonView<'a> {
    id: i64,
    name: &'a str,
    city: Cow<'a, str>,
    score: f32,
    nick: std::borrow::Cow<'a, str>,
}

#[test]
fn direct_str_fields_take_the_straight_line() {
    for compatible in [false, true] {
        let owned_fory = Fory::builder()
            .compatible(compatible)
            .register_struct::<Person>()
            .unwrap()
            .build();
        let view_fory = Fory::builder()
            .compatible(compatible)
            .register_struct::<PersonView<'_>>()
            .unwrap()
            .build();
        let person = Person {
            id: -7,
            name: "Ada".into(),
            city: "Zürich".into(),
            score: 2.5,
            nick: "ada ✓".into(),
        };
        let bytes = owned_fory.serialize(&person).unwrap();
        let view: PersonView<'_> = view_fory.deserialize(&bytes).unwrap();
        assert_eq!(
            (view.id, view.name, &*view.city, view.score, &*view.nick),
            (-7, "Ada", "Zürich", 2.5, "ada ✓")
        );
        assert!(in_stream(&bytes, view.name));
        // Latin-1 past ASCII is transcoded; UTF-8 text borrows
        assert!(matches!(view.city, Cow::Owned(_)));
        assert!(matches!(&view.nick, Cow::Borrowed(s) if in_stream(&bytes, s)));
        assert_eq!(view_fory.serialize(&view).unwrap(), bytes);
        assert_eq!(
            view_fory.straight_line("example.Person"),
            Some(true),
            "compatible={compatible}"
        );
        // a `&str` field cannot hold Latin-1 text past ASCII
        let latin = Person {
            name: "José".into(),
            ..person.clone()
        };
        let e = view_fory
            .deserialize::<PersonView<'_>>(&owned_fory.serialize(&latin).unwrap())
            .unwrap_err();
        assert!(matches!(e, Error::TypeMismatch { .. }), "{e}");
    }
}
