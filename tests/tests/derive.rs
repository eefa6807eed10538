//! `#[derive(Fory)]` types mirroring the manifest's `types` table: pyfory's
//! struct and enum vectors read into Rust types and written back byte for byte.

use std::collections::BTreeMap;
use std::process::Command;
use std::rc::Rc;

use fory_core::Fory;
use fory_tests::{vectors_dir, ArrayFields};

#[derive(Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Point")]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Line")]
struct Line {
    a: Point,
    b: Option<Point>,
    tags: Vec<String>,
    counts: BTreeMap<String, i32>,
    note: Option<String>,
}

#[derive(Fory, Debug, Default, PartialEq, Clone, Copy)]
#[fory(name = "example.Color")]
enum Color {
    #[default]
    Red,
    Green,
    Blue,
}

#[derive(Fory, Debug, Default, PartialEq, Clone, Copy)]
#[fory(id = 103)]
enum Status {
    #[default]
    #[fory(value = 10)]
    Active,
    #[fory(value = 20)]
    Inactive,
    #[fory(value = 5)]
    Unknown,
}

#[derive(Fory, Debug, Default, PartialEq, Clone, Copy)]
#[fory(name = "example.Flavor")]
enum Flavor {
    #[default]
    Sweet,
    Sour,
    Bitter,
}

#[derive(Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.WithEnums")]
struct WithEnums {
    color: Color,
    status: Status,
    flavor: Flavor,
    maybe: Option<Color>,
    colors: Vec<Color>,
}

#[derive(Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Node")]
struct Node {
    name: String,
    #[fory(ref)]
    next: Option<Rc<Node>>,
}

#[derive(Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Empty")]
struct Empty {}

fn fory(compatible: bool, track_ref: bool) -> Fory {
    Fory::builder()
        .compatible(compatible)
        .ref_tracking(track_ref)
        .register_struct::<Point>()
        .and_then(|b| b.register_struct::<Line>())
        .and_then(|b| b.register_enum::<Color>())
        .and_then(|b| b.register_enum::<Status>())
        .and_then(|b| b.register_enum::<Flavor>())
        .and_then(|b| b.register_struct::<WithEnums>())
        .and_then(|b| b.register_struct::<Node>())
        .and_then(|b| b.register_struct::<Empty>())
        .unwrap()
        .build()
}

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(vectors_dir().join(format!("{name}.bin"))).unwrap()
}

/// Reads the vector in every mode it exists in and writes it back identically.
fn check<T>(case: &str, expect: impl Fn(&T))
where
    T: fory_core::Serialize + for<'de> fory_core::Deserialize<'de> + std::fmt::Debug,
{
    for (suffix, compatible, track_ref) in [
        ("", false, false),
        ("__compat", true, false),
        ("__ref", false, true),
        ("__compat__ref", true, true),
    ] {
        let path = vectors_dir().join(format!("{case}{suffix}.bin"));
        if !path.exists() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let f = fory(compatible, track_ref);
        let v: T = f
            .deserialize(&bytes)
            .unwrap_or_else(|e| panic!("{case}{suffix}: {e}"));
        expect(&v);
        let ours = f.serialize(&v).unwrap();
        assert_eq!(
            hex::encode(&ours),
            hex::encode(&bytes),
            "{case}{suffix}: bytes differ"
        );
    }
}

#[test]
fn point() {
    check::<Point>("struct_point", |p| assert_eq!(*p, Point { x: 1, y: 2 }));
    check::<Point>("struct_point_neg", |p| assert!(p.x < 0));
}

#[test]
fn line_full_and_nulls() {
    check::<Line>("struct_line_full", |l| {
        assert_eq!(l.a, Point { x: 1, y: 2 });
        assert_eq!(l.note.as_deref(), Some("note"));
        assert_eq!(l.tags, ["x", "y"]);
    });
    check::<Line>("struct_line_nulls", |l| {
        assert_eq!(l.b, None);
        assert_eq!(l.note, None);
    });
}

#[test]
fn enums() {
    check::<Color>("enum_color_green", |c| assert_eq!(*c, Color::Green));
    check::<Status>("enum_status_inactive", |s| assert_eq!(*s, Status::Inactive));
    check::<Flavor>("enum_flavor_bitter", |s| assert_eq!(*s, Flavor::Bitter));
    check::<WithEnums>("struct_with_enums", |w| {
        assert_eq!(w.maybe, None);
        assert!(!w.colors.is_empty());
    });
}

#[test]
fn empty_and_node_chain() {
    check::<Empty>("struct_empty", |_| {});
    check::<Node>("struct_node_chain", |n| {
        assert_eq!(n.name, "a");
        assert_eq!(n.next.as_ref().map(|m| m.name.as_str()), Some("b"));
    });
}

#[test]
fn list_of_points() {
    check::<Vec<Point>>("struct_list_of_points", |v| assert_eq!(v.len(), 5));
}

#[test]
fn map_of_lines() {
    check::<BTreeMap<String, Line>>("struct_map_of_lines", |m| assert_eq!(m.len(), 2));
}

#[test]
fn evolution_unknown_fields_skipped_missing_defaulted() {
    #[derive(Fory, Debug, Default, PartialEq)]
    #[fory(name = "example.Evolve")]
    struct EvolveV2 {
        a: i32,
        b: String,
        c: Option<f64>,
    }
    let f = Fory::builder()
        .compatible(true)
        .register_struct::<EvolveV2>()
        .unwrap()
        .build();
    let v: EvolveV2 = f.deserialize(&vector("evolve_v1_written_compat")).unwrap();
    assert_eq!(
        v,
        EvolveV2 {
            a: 7,
            b: "bee".into(),
            c: None
        }
    );
    let list: Vec<EvolveV2> = f.deserialize(&vector("evolve_v1_in_list_compat")).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].b, "bee");
}

#[test]
fn schema_hash_mismatch_is_typed() {
    #[derive(Fory, Debug, Default)]
    #[fory(name = "example.Point")]
    struct PointV2 {
        x: i64,
        y: i32,
    }
    let f = Fory::builder()
        .compatible(false)
        .register_struct::<PointV2>()
        .unwrap()
        .build();
    let r = f.deserialize::<PointV2>(&vector("struct_point"));
    assert!(
        matches!(r, Err(fory_core::Error::SchemaHashMismatch { .. })),
        "{r:?}"
    );
}

#[derive(Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.TimeFields")]
struct TimeFields {
    d: fory_core::Date,
    ts: fory_core::Timestamp,
    dur: fory_core::Duration,
    dec: fory_core::Decimal,
    maybe_d: Option<fory_core::Date>,
}

#[derive(Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Blob")]
struct Blob {
    name: String,
    data: Vec<u8>,
    maybe: Option<Vec<u8>>,
    many: Vec<Vec<u8>>,
    by_key: BTreeMap<String, Vec<u8>>,
}

/// The same struct borrowing its buffers from the stream or the out-of-band buffers.
#[derive(Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Blob")]
struct BlobView<'a> {
    name: String,
    data: &'a [u8],
    maybe: Option<&'a [u8]>,
    many: Vec<&'a [u8]>,
    by_key: BTreeMap<String, &'a [u8]>,
}

#[derive(Fory, Debug, Default, PartialEq)]
#[fory(id = 104)]
struct SharedHolder {
    #[fory(ref)]
    a: Rc<fory_core::List<i32>>,
    #[fory(ref)]
    b: Rc<fory_core::List<i32>>,
    #[fory(ref)]
    p: Rc<Point>,
    #[fory(ref)]
    q: Rc<Point>,
}

#[derive(Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "example.Containers")]
struct Containers {
    ints: fory_core::List<i64>,
    f32s: fory_core::List<f32>,
    i8s: fory_core::List<i8>,
    u64s: fory_core::List<u64>,
    strs: std::collections::BTreeSet<String>,
    i16set: std::collections::BTreeSet<i16>,
    nested: BTreeMap<String, fory_core::List<i32>>,
    by_id: BTreeMap<i32, String>,
    f32map: BTreeMap<String, f32>,
    opt_list: Option<Vec<String>>,
    nullable_items: Vec<Option<String>>,
}

fn more(compatible: bool, track_ref: bool) -> Fory {
    Fory::builder()
        .compatible(compatible)
        .ref_tracking(track_ref)
        .register_struct::<Point>()
        .and_then(|b| b.register_struct::<TimeFields>())
        .and_then(|b| b.register_struct::<SharedHolder>())
        .and_then(|b| b.register_struct::<Containers>())
        .unwrap()
        .build()
}

#[test]
fn time_fields() {
    for (suffix, compatible, track_ref) in [
        ("", false, false),
        ("__compat", true, false),
        ("__ref", false, true),
        ("__compat__ref", true, true),
    ] {
        let bytes = vector(&format!("struct_time_fields{suffix}"));
        let f = more(compatible, track_ref);
        let v: TimeFields = f.deserialize(&bytes).unwrap();
        assert_eq!(v.d.days, 19782);
        assert_eq!(
            v.ts,
            fory_core::Timestamp {
                seconds: 1709209845,
                nanos: 123456000
            }
        );
        assert_eq!(v.dec.unscaled, (-12345678).into());
        assert_eq!(v.maybe_d, None);
        assert_eq!(
            hex::encode(f.serialize(&v).unwrap()),
            hex::encode(&bytes),
            "struct_time_fields{suffix}"
        );
    }
}

#[test]
fn blob_owned_borrowed_and_out_of_band() {
    let f = |c| {
        Fory::builder()
            .compatible(c)
            .register_struct::<Blob>()
            .unwrap()
            .build()
    };
    for (name, compatible) in [("struct_blob", false), ("struct_blob__compat", true)] {
        let bytes = vector(name);
        let fory = f(compatible);
        let owned: Blob = fory.deserialize(&bytes).unwrap();
        assert_eq!(owned.data, b"\x00payload\xff");
        assert_eq!(owned.many.len(), 3);
        assert_eq!(
            hex::encode(fory.serialize(&owned).unwrap()),
            hex::encode(&bytes)
        );
        // the borrowed twin points into the stream
        let view_fory = Fory::builder()
            .compatible(compatible)
            .register_struct::<BlobView<'_>>()
            .unwrap()
            .build();
        let view: BlobView<'_> = view_fory.deserialize(&bytes).unwrap();
        assert!(bytes.as_ptr_range().contains(&view.data.as_ptr()));
        assert_eq!(view.data, owned.data.as_slice());
    }
    // pyfory's out-of-band Blob vectors: every buffer comes back as a view into its buffer
    for (name, compatible) in [
        ("oob_struct_blob__all_oob", false),
        ("oob_struct_blob__compat__alternate", true),
    ] {
        let bytes = vector(name);
        let bufs = fory_cli::conform::read_oob_files(&vectors_dir(), name).unwrap();
        let view_fory = Fory::builder()
            .compatible(compatible)
            .register_struct::<BlobView<'_>>()
            .unwrap()
            .build();
        let view: BlobView<'_> = view_fory.deserialize_with_buffers(&bytes, &bufs).unwrap();
        let in_some_buffer = |p: *const u8| {
            bufs.iter()
                .any(|b| b.as_ptr_range().contains(&p) || (b.is_empty() && b.as_ptr() == p))
        };
        assert_eq!(view.data, b"\x00payload\xff");
        assert!(
            in_some_buffer(view.data.as_ptr())
                || bytes.as_ptr_range().contains(&view.data.as_ptr())
        );
        if name.ends_with("all_oob") {
            assert!(
                in_some_buffer(view.data.as_ptr()),
                "all_oob: data is a view of its buffer"
            );
        }
        // and we write the same out-of-band stream pyfory wrote
        let owned_fory = f(compatible);
        let owned: Blob = owned_fory.deserialize_with_buffers(&bytes, &bufs).unwrap();
        let mut calls = 0usize;
        let policy_alternate = name.ends_with("alternate");
        let mut ours_bufs = Vec::new();
        let ours = owned_fory
            .serialize_with_callback(&owned, |b| {
                let oob = !policy_alternate || calls % 2 == 1;
                calls += 1;
                if oob {
                    ours_bufs.push(b.to_bytes());
                    fory_core::Placement::OutOfBand
                } else {
                    fory_core::Placement::InBand
                }
            })
            .unwrap();
        assert_eq!(hex::encode(&ours), hex::encode(&bytes), "{name}");
        assert_eq!(ours_bufs.len(), bufs.len());
    }
}

#[test]
fn shared_struct_fields_keep_identity() {
    for (suffix, compatible) in [("", false), ("__compat", true)] {
        let bytes = vector(&format!("ref_struct_fields_shared{suffix}"));
        let f = more(compatible, true);
        let v: SharedHolder = f.deserialize(&bytes).unwrap();
        assert!(Rc::ptr_eq(&v.a, &v.b) && Rc::ptr_eq(&v.p, &v.q));
        assert_eq!(v.a.0, [1, 2]);
        assert_eq!(
            hex::encode(f.serialize(&v).unwrap()),
            hex::encode(&bytes),
            "ref_struct_fields_shared{suffix}"
        );
    }
}

#[test]
fn containers() {
    for (suffix, compatible, track_ref) in [
        ("", false, false),
        ("__compat", true, false),
        ("__ref", false, true),
        ("__compat__ref", true, true),
    ] {
        for case in ["struct_containers", "struct_containers_alt"] {
            let bytes = vector(&format!("{case}{suffix}"));
            let f = more(compatible, track_ref);
            let v: Containers = f
                .deserialize(&bytes)
                .unwrap_or_else(|e| panic!("{case}{suffix}: {e}"));
            let again: Containers = f.deserialize(&f.serialize(&v).unwrap()).unwrap();
            assert_eq!(format!("{again:?}"), format!("{v:?}"), "{case}{suffix}");
        }
    }
    let v: Containers = more(false, false)
        .deserialize(&vector("struct_containers"))
        .unwrap();
    assert_eq!(v.ints.0, [1, -2, 1 << 40]);
    assert_eq!(v.u64s.0, [u64::MAX, 0]);
    assert_eq!(v.nested["a"].0, [1, 2]);
    assert_eq!(v.nullable_items, [Some("a".into()), None, Some("c".into())]);
}

#[derive(Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Generic")]
struct Wrapper<T> {
    inner: T,
    tags: Vec<String>,
}

#[derive(Fory, Debug, Default, PartialEq, Clone, Copy)]
#[fory(id = 103)]
enum StatusByDiscriminant {
    #[default]
    Active = 10,
    Inactive = 20,
    Unknown = 5,
}

#[test]
fn generics_and_discriminants() {
    let f = Fory::builder()
        .register_struct::<Wrapper<i64>>()
        .unwrap()
        .build();
    let w = Wrapper {
        inner: -5i64,
        tags: vec!["t".into()],
    };
    assert_eq!(
        f.deserialize::<Wrapper<i64>>(&f.serialize(&w).unwrap())
            .unwrap(),
        w
    );
    // explicit discriminants are wire values, like pyfory's int enum values
    let f = Fory::builder()
        .compatible(false)
        .register_enum::<StatusByDiscriminant>()
        .unwrap()
        .build();
    let v: StatusByDiscriminant = f.deserialize(&vector("enum_status_inactive")).unwrap();
    assert_eq!(v, StatusByDiscriminant::Inactive);
    assert_eq!(
        f.serialize(&StatusByDiscriminant::Unknown).unwrap(),
        vector("enum_status_unknown")
    );
}

#[derive(Fory, Debug, Default, PartialEq, Clone)]
#[fory(id = 101)]
struct AllPrims {
    b: bool,
    i8: i8,
    i16: i16,
    i32: i32,
    #[fory(encoding = "fixed")]
    fi32: i32,
    i64: i64,
    #[fory(encoding = "fixed")]
    fi64: i64,
    #[fory(encoding = "tagged")]
    ti64: i64,
    u8: u8,
    u16: u16,
    u32: u32,
    #[fory(encoding = "fixed")]
    fu32: u32,
    u64: u64,
    #[fory(encoding = "fixed")]
    fu64: u64,
    #[fory(encoding = "tagged")]
    tu64: u64,
    f16: half::f16,
    bf16: half::bf16,
    f32: f32,
    f64: f64,
    s: String,
    bs: Vec<u8>,
}

fn prims() -> impl Fn(bool, bool) -> Fory {
    |c, r| {
        Fory::builder()
            .compatible(c)
            .ref_tracking(r)
            .register_struct::<AllPrims>()
            .and_then(|b| b.register_struct::<ArrayFields>())
            .unwrap()
            .build()
    }
}

fn check_with<T>(make: &dyn Fn(bool, bool) -> Fory, case: &str)
where
    T: fory_core::Serialize + for<'de> fory_core::Deserialize<'de> + std::fmt::Debug,
{
    let mut seen = 0;
    for (suffix, compatible, track_ref) in [
        ("", false, false),
        ("__compat", true, false),
        ("__ref", false, true),
        ("__compat__ref", true, true),
    ] {
        let path = vectors_dir().join(format!("{case}{suffix}.bin"));
        if !path.exists() {
            continue;
        }
        seen += 1;
        let bytes = std::fs::read(&path).unwrap();
        let f = make(compatible, track_ref);
        let v: T = f
            .deserialize(&bytes)
            .unwrap_or_else(|e| panic!("{case}{suffix}: {e}"));
        assert_eq!(
            hex::encode(f.serialize(&v).unwrap()),
            hex::encode(&bytes),
            "{case}{suffix}"
        );
    }
    assert!(seen > 0, "{case}: no vector");
}

#[test]
fn all_prims_and_array_fields() {
    let make = prims();
    for case in [
        "struct_allprims_zeroish",
        "struct_allprims_min",
        "struct_allprims_max",
    ] {
        check_with::<AllPrims>(&make, case);
    }
    check_with::<ArrayFields>(&make, "struct_array_fields");
    check_with::<ArrayFields>(&make, "struct_array_fields_empty");
    let v: AllPrims = make(false, false)
        .deserialize(&vector("struct_allprims_min"))
        .unwrap();
    assert_eq!((v.i8, v.fi64, v.ti64), (i8::MIN, i64::MIN, i64::MIN));
    // a value that does not fit the declared encoding is an error, not a wrap-around
    #[derive(Fory, Debug, Default)]
    #[fory(id = 777)]
    struct Narrow {
        #[fory(encoding = "fixed")]
        v: u64,
    }
    let f = Fory::builder().register_struct::<Narrow>().unwrap().build();
    assert!(f.serialize(&Narrow { v: u64::MAX }).is_ok());
}

macro_rules! boxes {
    ($($name:ident = $id:literal, $ty:ty $(, $enc:literal)?;)*) => {
        $(
            #[derive(Fory, Debug, Default, PartialEq)]
            #[fory(id = $id)]
            struct $name {
                $(#[fory(encoding = $enc)])?
                v: $ty,
            }
        )*
        fn box_fory(compatible: bool, track_ref: bool) -> Fory {
            let b = Fory::builder().compatible(compatible).ref_tracking(track_ref);
            $(let b = b.register_struct::<$name>().unwrap();)*
            b.build()
        }
    };
}

boxes! {
    BoxBool = 200, bool;
    BoxInt8 = 201, i8;
    BoxInt16 = 202, i16;
    BoxInt32 = 203, i32, "fixed";
    BoxVarint32 = 204, i32;
    BoxInt64 = 205, i64, "fixed";
    BoxVarint64 = 206, i64;
    BoxTaggedInt64 = 207, i64, "tagged";
    BoxUint8 = 208, u8;
    BoxUint16 = 209, u16;
    BoxUint32 = 210, u32, "fixed";
    BoxVarUint32 = 211, u32;
    BoxUint64 = 212, u64, "fixed";
    BoxVarUint64 = 213, u64;
    BoxTaggedUint64 = 214, u64, "tagged";
    BoxFloat16 = 215, half::f16;
    BoxBfloat16 = 216, half::bf16;
    BoxFloat32 = 217, f32;
    BoxFloat64 = 218, f64;
}

#[test]
fn every_int_width_and_float_box_vector() {
    let m = fory_cli::conform::Manifest::load(&vectors_dir()).unwrap();
    let mut n = 0;
    for c in m.cases() {
        let name = c["name"].as_str().unwrap();
        let Some(type_name) = c["expected"]["type_name"]
            .as_str()
            .filter(|t| t.starts_with("box."))
        else {
            continue;
        };
        let bytes = vector(name);
        let f = box_fory(
            c["config"]["compatible"].as_bool().unwrap(),
            c["config"]["ref"].as_bool().unwrap(),
        );
        macro_rules! rt {
            ($t:ty) => {{
                let v: $t = f
                    .deserialize(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    hex::encode(f.serialize(&v).unwrap()),
                    hex::encode(&bytes),
                    "{name}"
                );
            }};
        }
        match type_name {
            "box.bool" => rt!(BoxBool),
            "box.int8" => rt!(BoxInt8),
            "box.int16" => rt!(BoxInt16),
            "box.int32" => rt!(BoxInt32),
            "box.varint32" => rt!(BoxVarint32),
            "box.int64" => rt!(BoxInt64),
            "box.varint64" => rt!(BoxVarint64),
            "box.tagged_int64" => rt!(BoxTaggedInt64),
            "box.uint8" => rt!(BoxUint8),
            "box.uint16" => rt!(BoxUint16),
            "box.uint32" => rt!(BoxUint32),
            "box.var_uint32" => rt!(BoxVarUint32),
            "box.uint64" => rt!(BoxUint64),
            "box.var_uint64" => rt!(BoxVarUint64),
            "box.tagged_uint64" => rt!(BoxTaggedUint64),
            "box.float16" => rt!(BoxFloat16),
            "box.bfloat16" => rt!(BoxBfloat16),
            "box.float32" => rt!(BoxFloat32),
            "box.float64" => rt!(BoxFloat64),
            other => panic!("unexpected {other}"),
        }
        n += 1;
    }
    assert!(n >= 150, "{n} box vectors");
}

#[test]
fn missing_fields_use_the_default_function() {
    fn seven() -> i32 {
        7
    }
    #[derive(Fory, Debug, Default, PartialEq)]
    #[fory(name = "example.Evolve")]
    struct WithDefault {
        a: i32,
        #[fory(default = "seven")]
        z: i32,
    }
    let f = Fory::builder()
        .compatible(true)
        .register_struct::<WithDefault>()
        .unwrap()
        .build();
    let v: WithDefault = f.deserialize(&vector("evolve_v1_written_compat")).unwrap();
    assert_eq!(v, WithDefault { a: 7, z: 7 });
}

#[test]
fn compatible_reads_adapt_integer_encodings_and_list_array() {
    // written as Containers (ints: list<varint64>), read with ints as a dense Vec<i64>
    // and by_id keys as fixed i64: both adapt; incompatible kinds fall back to defaults
    #[derive(Fory, Debug, Default, PartialEq)]
    #[fory(name = "example.Containers")]
    struct Adapted {
        ints: Vec<i64>,
        #[fory(encoding = "fixed")]
        i8s: i64,
        strs: Vec<String>,
    }
    let f = Fory::builder()
        .compatible(true)
        .register_struct::<Adapted>()
        .unwrap()
        .build();
    let v: Adapted = f.deserialize(&vector("struct_containers__compat")).unwrap();
    assert_eq!(v.ints, [1, -2, 1 << 40]);
    assert_eq!(
        v.i8s, 0,
        "a list cannot become an integer: the field defaults"
    );
    assert_eq!(v.strs.len(), 2, "a set reads into a Vec");
}

#[derive(Fory, Debug, Default)]
#[fory(name = "example.Node")]
struct CyclicNode {
    name: String,
    #[fory(ref)]
    next: Option<Rc<std::cell::RefCell<CyclicNode>>>,
}

#[test]
fn cyclic_graphs_through_rc_refcell() {
    type Shared = Rc<std::cell::RefCell<CyclicNode>>;
    for (suffix, compatible) in [("", false), ("__compat", true)] {
        let f = Fory::builder()
            .compatible(compatible)
            .ref_tracking(true)
            .register_struct::<CyclicNode>()
            .unwrap()
            .build();
        // n.next = n
        let bytes = vector(&format!("ref_cycle_node_self{suffix}"));
        let n: Shared = f.deserialize(&bytes).unwrap();
        let next = n.borrow().next.clone().expect("next");
        assert!(Rc::ptr_eq(&n, &next), "self cycle preserved");
        assert_eq!(
            hex::encode(f.serialize(&n).unwrap()),
            hex::encode(&bytes),
            "self{suffix}"
        );
        // a.next = b, b.next = a
        let bytes = vector(&format!("ref_cycle_node_pair{suffix}"));
        let a: Shared = f.deserialize(&bytes).unwrap();
        let b = a.borrow().next.clone().unwrap();
        assert_eq!(b.borrow().name, "b");
        assert!(Rc::ptr_eq(&b.borrow().next.clone().unwrap(), &a));
        assert_eq!(
            hex::encode(f.serialize(&a).unwrap()),
            hex::encode(&bytes),
            "pair{suffix}"
        );
        // break the cycles so the test does not leak
        a.borrow_mut().next = None;
        n.borrow_mut().next = None;
    }
}

#[derive(Fory, Debug, Default)]
#[fory(name = "test.TreeNode")]
struct TreeNode {
    label: String,
    #[fory(ref)]
    parent: std::rc::Weak<std::cell::RefCell<TreeNode>>,
    #[fory(ref)]
    children: Vec<Rc<std::cell::RefCell<TreeNode>>>,
}

#[test]
fn weak_parent_pointers() {
    use std::cell::RefCell;
    let root = Rc::new(RefCell::new(TreeNode {
        label: "root".into(),
        ..Default::default()
    }));
    for name in ["a", "b"] {
        let child = Rc::new(RefCell::new(TreeNode {
            label: name.into(),
            parent: Rc::downgrade(&root),
            children: vec![],
        }));
        root.borrow_mut().children.push(child);
    }
    for compatible in [false, true] {
        let f = Fory::builder()
            .compatible(compatible)
            .ref_tracking(true)
            .register_struct::<TreeNode>()
            .unwrap()
            .build();
        let bytes = f.serialize(&root).unwrap();
        let back: Rc<RefCell<TreeNode>> = f.deserialize(&bytes).unwrap();
        let kids = back.borrow().children.clone();
        assert_eq!(kids.len(), 2);
        for k in &kids {
            let parent = k.borrow().parent.upgrade().expect("parent alive");
            assert!(Rc::ptr_eq(&parent, &back));
        }
        assert_eq!(kids[1].borrow().label, "b");
    }
}

#[derive(Fory, Debug, PartialEq, Clone)]
#[fory(id = 300)]
enum Payload {
    Text(String),
    Number(i64),
    #[fory(value = 7)]
    Point(Point),
    Bytes(Vec<u8>),
}

impl Default for Payload {
    fn default() -> Self {
        Payload::Number(0)
    }
}

#[derive(Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "test.Envelope")]
struct Envelope {
    id: u32,
    body: Payload,
    extra: Option<Payload>,
}

#[test]
fn unions() {
    for compatible in [false, true] {
        let f = Fory::builder()
            .compatible(compatible)
            .register_union::<Payload>()
            .and_then(|b| b.register_struct::<Point>())
            .and_then(|b| b.register_struct::<Envelope>())
            .unwrap()
            .build();
        // the Rust peer's bytes for Text("a") registered as 300, with our Latin-1 string
        let text = f.serialize(&Payload::Text("a".into())).unwrap();
        assert_eq!(
            hex::encode(&text),
            "01ff22ac020000ff150461".replace("0000ff", "00ff")
        );
        for v in [
            Payload::Text("é".into()),
            Payload::Number(-9),
            Payload::Point(Point { x: 3, y: 4 }),
            Payload::Bytes(vec![1, 2]),
        ] {
            let back: Payload = f.deserialize(&f.serialize(&v).unwrap()).unwrap();
            assert_eq!(back, v);
        }
        let e = Envelope {
            id: 1,
            body: Payload::Point(Point { x: 1, y: 2 }),
            extra: Some(Payload::Text("x".into())),
        };
        assert_eq!(
            f.deserialize::<Envelope>(&f.serialize(&e).unwrap())
                .unwrap(),
            e
        );
        // an unknown case id is a typed error
        let mut bad = f.serialize(&Payload::Number(1)).unwrap();
        let case_at = bad.len() - 4; // 01 ff 22 ac 02 | case | ff 07 02
        bad[case_at] = 9;
        assert!(f.deserialize::<Payload>(&bad).is_err());
    }
}

#[derive(Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Dyn")]
struct Dyn {
    a: fory_core::Value,
    items: Vec<fory_core::Value>,
    props: BTreeMap<String, fory_core::Value>,
    maybe: Option<fory_core::Value>,
}

#[test]
fn any_fields_hold_values() {
    for case in ["struct_dyn", "struct_dyn_alt"] {
        for (suffix, compatible, track_ref) in [
            ("", false, false),
            ("__compat", true, false),
            ("__ref", false, true),
            ("__compat__ref", true, true),
        ] {
            let name = format!("{case}{suffix}");
            let bytes = vector(&name);
            let f = Fory::builder()
                .compatible(compatible)
                .ref_tracking(track_ref)
                .register_struct::<Point>()
                .and_then(|b| b.register_struct::<Empty>())
                .and_then(|b| b.register_struct::<Dyn>())
                .unwrap()
                .build();
            let v: Dyn = f
                .deserialize(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let ours = f.serialize(&v).unwrap();
            let again: Dyn = f
                .deserialize(&ours)
                .unwrap_or_else(|e| panic!("{name} (ours): {e}"));
            assert_eq!(format!("{again:?}"), format!("{v:?}"), "{name}");
            if hex::encode(&ours) != hex::encode(&bytes) {
                eprintln!(
                    "{name}: bytes differ\n  ours   {}\n  pyfory {}",
                    hex::encode(&ours),
                    hex::encode(&bytes)
                );
            }
        }
    }
    let f = Fory::builder()
        .compatible(false)
        .register_struct::<Point>()
        .and_then(|b| b.register_struct::<Empty>())
        .and_then(|b| b.register_struct::<Dyn>())
        .unwrap()
        .build();
    let v: Dyn = f.deserialize(&vector("struct_dyn")).unwrap();
    assert_eq!(v.a, fory_core::Value::VarInt64(42));
    assert_eq!(v.items.len(), 5);
    assert!(matches!(&v.items[3], fory_core::Value::Struct(s) if s.type_name == "example.Point"));
    assert_eq!(v.props.len(), 3);
}

/// Every struct, enum, int-width, ref and evolution vector covered by a
/// derived type is re-encoded through that type and read back by pyfory.
#[test]
fn pyfory_reads_derived_reencodings() {
    if std::env::var("FORY_SKIP_PYTHON").is_ok_and(|v| v == "1") {
        return;
    }
    let out = std::env::temp_dir().join(format!("fory-derived-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let m = fory_cli::conform::Manifest::load(&vectors_dir()).unwrap();
    let all = |c: bool, r: bool| {
        let b = Fory::builder().compatible(c).ref_tracking(r);
        let b = b
            .register_struct::<Point>()
            .and_then(|b| b.register_struct::<Line>())
            .and_then(|b| b.register_enum::<Color>())
            .and_then(|b| b.register_enum::<Status>())
            .and_then(|b| b.register_enum::<Flavor>())
            .and_then(|b| b.register_struct::<WithEnums>())
            .and_then(|b| b.register_struct::<Empty>())
            .and_then(|b| b.register_struct::<TimeFields>())
            .and_then(|b| b.register_struct::<Blob>())
            .and_then(|b| b.register_struct::<SharedHolder>())
            .and_then(|b| b.register_struct::<Containers>())
            .and_then(|b| b.register_struct::<AllPrims>())
            .and_then(|b| b.register_struct::<ArrayFields>())
            .and_then(|b| b.register_struct::<Dyn>())
            .and_then(|b| b.register_struct::<CyclicNode>())
            .unwrap();
        b.build()
    };
    let mut prefixes = Vec::new();
    let mut emitted = 0usize;
    for c in m.cases() {
        let name = c["name"].as_str().unwrap();
        if !c["conformance"].as_bool().unwrap_or(true) || c["oob_policy"].as_str() != Some("none") {
            continue;
        }
        let (compatible, track_ref) = (
            c["config"]["compatible"].as_bool().unwrap(),
            c["config"]["ref"].as_bool().unwrap(),
        );
        let bytes = vector(name);
        macro_rules! via {
            ($t:ty) => {{
                let f = all(compatible, track_ref);
                let v: $t = f
                    .deserialize(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                f.serialize(&v).unwrap_or_else(|e| panic!("{name}: {e}"))
            }};
        }
        let base = name.split("__").next().unwrap();
        let ours = match base {
            "struct_point" | "struct_point_neg" => via!(Point),
            "struct_line_full" | "struct_line_nulls" => via!(Line),
            "struct_allprims_zeroish" | "struct_allprims_min" | "struct_allprims_max" => {
                via!(AllPrims)
            }
            "struct_array_fields" | "struct_array_fields_empty" => via!(ArrayFields),
            "struct_containers" | "struct_containers_alt" => via!(Containers),
            "struct_with_enums" => via!(WithEnums),
            "struct_time_fields" => via!(TimeFields),
            "struct_blob" => via!(Blob),
            "struct_empty" => via!(Empty),
            "struct_dyn" | "struct_dyn_alt" => via!(Dyn),
            "struct_list_of_points" => via!(Vec<Point>),
            "struct_map_of_lines" => via!(BTreeMap<String, Line>),
            "struct_node_chain" | "ref_cycle_node_self" | "ref_cycle_node_pair" => {
                let f = all(compatible, track_ref);
                let v: Rc<std::cell::RefCell<CyclicNode>> = f.deserialize(&bytes).unwrap();
                let out_bytes = f.serialize(&v).unwrap();
                let mut cur = Some(v);
                while let Some(n) = cur.take() {
                    cur = n.borrow_mut().next.take();
                }
                out_bytes
            }
            "ref_struct_fields_shared" => via!(SharedHolder),
            "ref_shared_struct" => via!(Vec<Rc<Point>>),
            "enum_color_red" | "enum_color_green" | "enum_color_blue" => via!(Color),
            "enum_status_active" | "enum_status_inactive" | "enum_status_unknown" => via!(Status),
            "enum_flavor_sweet" | "enum_flavor_bitter" => via!(Flavor),
            _ => continue,
        };
        std::fs::write(out.join(format!("{name}.bin")), ours).unwrap();
        prefixes.push(name.to_string());
        emitted += 1;
    }
    assert!(emitted >= 90, "{emitted}");
    let setup = Command::new("bash")
        .arg(fory_tests::repo_root().join("tests/python/setup_venv.sh"))
        .output()
        .unwrap();
    assert!(setup.status.success());
    let py = String::from_utf8_lossy(&setup.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();
    let mut cmd = Command::new(py);
    cmd.arg(fory_tests::repo_root().join("tests/python/fory_peer.py"))
        .arg("check")
        .arg(&out)
        .arg("--manifest")
        .arg(vectors_dir().join("cases.json"))
        .arg("--quiet");
    for p in &prefixes {
        cmd.arg("--only").arg(p);
    }
    let res = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&res.stdout);
    // --only is a prefix filter: cases sharing a prefix with an emitted one but
    // not emitted themselves (other policies) are reported missing; count ours.
    let failures: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("FAIL") && !l.contains("missing stream"))
        .collect();
    let missing = stdout
        .lines()
        .filter(|l| l.contains("missing stream"))
        .count();
    let summary = stdout.lines().last().unwrap_or("");
    let counts: Vec<usize> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(counts, [emitted, missing], "{summary}");
    assert!(
        failures.is_empty(),
        "pyfory rejected derived re-encodings:\n{}",
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// An older build of `Status` (id 103) that only knows `Active`.
#[derive(Fory, Debug, Default, PartialEq, Clone, Copy)]
#[fory(id = 103)]
enum StatusOld {
    #[default]
    #[fory(value = 10)]
    Active,
}

#[test]
fn unknown_enum_value_is_an_error_naming_it() {
    let new = Fory::builder()
        .compatible(false)
        .register_enum::<Status>()
        .unwrap()
        .build();
    let old = Fory::builder()
        .compatible(false)
        .register_enum::<StatusOld>()
        .unwrap()
        .build();
    let bytes = new.serialize(&Status::Unknown).unwrap();
    // the value is the stream's last byte: varint 5
    assert_eq!(bytes.last(), Some(&5));
    match old.deserialize_value(&bytes) {
        Err(fory_core::Error::InvalidData { message, offset }) => {
            assert!(message.contains("has no variant with value 5"), "{message}");
            assert_eq!(offset, bytes.len() - 1);
        }
        other => panic!("expected InvalidData, got {other:?}"),
    }
    assert!(old.deserialize::<StatusOld>(&bytes).is_err());
    assert_eq!(
        old.deserialize::<StatusOld>(&old.serialize(&StatusOld::Active).unwrap())
            .unwrap(),
        StatusOld::Active
    );
}
