//! `#[derive(Fory)]` types mirroring the manifest's `types` table: pyfory's
//! struct and enum vectors read into Rust types and written back byte for byte.

use std::collections::BTreeMap;
use std::rc::Rc;

use fory_core::Fory;
use fory_tests::vectors_dir;

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
