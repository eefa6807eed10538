//! The derive's straight-line path: the wire order it works out at compile
//! time must match the schema's for ordinary structs (so they run fast), and
//! a struct whose field types it cannot see through must fall back to the
//! field loop with the same bytes.

use fory_core::Fory;

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone, Copy)]
#[fory(name = "sl.Color")]
enum Color {
    #[default]
    Red,
    Green,
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "sl.Inner")]
struct Inner {
    label: String,
    weight: f32,
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "sl.Mixed")]
#[allow(non_snake_case)]
struct Mixed {
    flag: bool,
    tiny: i8,
    small: i16,
    count: i32,
    #[fory(encoding = "fixed")]
    fixed32: i32,
    big: i64,
    #[fory(encoding = "tagged")]
    tagged: i64,
    #[fory(encoding = "fixed")]
    fixed_u64: u64,
    byte: u8,
    ratio: f64,
    maybe: Option<i32>,
    #[fory(nullable)]
    nullable_short: i16,
    #[fory(rename = "displayName")]
    display_name: String,
    camelCase: String,
    r#type: u16,
    values: Vec<i32>,
    inner: Inner,
    color: Color,
    tags: Vec<String>,
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(id = 77)]
struct Tagged {
    #[fory(id = 3)]
    c: i64,
    #[fory(id = 1)]
    a: String,
    #[fory(id = 2)]
    b: i32,
}

fn mixed() -> Mixed {
    Mixed {
        flag: true,
        tiny: -3,
        small: 300,
        count: -123_456,
        fixed32: 7,
        big: 1 << 40,
        tagged: -(1 << 35),
        fixed_u64: u64::MAX,
        byte: 200,
        ratio: 0.25,
        maybe: Some(-9),
        nullable_short: 12,
        display_name: "shown".into(),
        camelCase: "camel".into(),
        r#type: 65_000,
        values: vec![1, -2, 3],
        inner: Inner {
            label: "in".into(),
            weight: 1.5,
        },
        color: Color::Green,
        tags: vec!["x".into(), "y".into()],
    }
}

fn fory(compatible: bool) -> Fory {
    fory_with(compatible, false)
}

fn fory_with(compatible: bool, ref_tracking: bool) -> Fory {
    Fory::builder()
        .compatible(compatible)
        .ref_tracking(ref_tracking)
        .register_enum::<Color>()
        .unwrap()
        .register_struct::<Inner>()
        .unwrap()
        .register_struct::<Mixed>()
        .unwrap()
        .register_struct::<Tagged>()
        .unwrap()
        .build()
}

#[test]
fn ordinary_structs_take_the_straight_line_in_both_modes() {
    for compatible in [false, true] {
        let f = fory(compatible);
        assert_eq!(f.straight_line("sl.Mixed"), None, "not used yet");
        let v = mixed();
        let b = f.serialize(&v).unwrap();
        assert_eq!(f.deserialize::<Mixed>(&b).unwrap(), v);
        let t = Tagged {
            c: -5,
            a: "a".into(),
            b: 2,
        };
        let tb = f.serialize(&t).unwrap();
        assert_eq!(f.deserialize::<Tagged>(&tb).unwrap(), t);
        for name in ["sl.Mixed", "sl.Inner", &tagged_name()] {
            assert_eq!(
                f.straight_line(name),
                Some(true),
                "{name}, compatible={compatible}"
            );
        }
    }
}

#[test]
fn ref_tracking_keeps_the_straight_line() {
    // nested structs carry ref flags then and go through their plans;
    // leaves (primitives, strings without `ref`) stay straight
    for compatible in [false, true] {
        let f = fory_with(compatible, true);
        let v = mixed();
        let b = f.serialize(&v).unwrap();
        assert_eq!(f.deserialize::<Mixed>(&b).unwrap(), v);
        assert_eq!(f.straight_line("sl.Mixed"), Some(true));
        // and the value reads back through the Value decoder too
        assert!(f.deserialize_value(&b).is_ok());
    }
}

fn tagged_name() -> String {
    <Tagged as fory_core::__private::ForyStruct>::NAME.to_string()
}

type Count = i32;

// `zeta` is an i32 the macro cannot see: it guesses it belongs with the
// non-primitive fields, after `name`; the schema puts it with the primitives.

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(id = 90)]
struct WithAlias {
    name: String,
    zeta: Count,
    total: i64,
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(id = 90)]
struct Plain {
    name: String,
    zeta: i32,
    total: i64,
}

#[test]
fn an_alias_falls_back_to_the_field_loop_with_the_same_bytes() {
    for compatible in [false, true] {
        let fa = Fory::builder()
            .compatible(compatible)
            .register_struct::<WithAlias>()
            .unwrap()
            .build();
        let fp = Fory::builder()
            .compatible(compatible)
            .register_struct::<Plain>()
            .unwrap()
            .build();
        let a = WithAlias {
            name: "n".into(),
            zeta: -4,
            total: 1 << 33,
        };
        let p = Plain {
            name: "n".into(),
            zeta: -4,
            total: 1 << 33,
        };
        let ba = fa.serialize(&a).unwrap();
        let bp = fp.serialize(&p).unwrap();
        assert_eq!(ba, bp, "compatible={compatible}");
        assert_eq!(fa.deserialize::<WithAlias>(&bp).unwrap(), a);
        assert_eq!(fp.deserialize::<Plain>(&ba).unwrap(), p);
        let an = <WithAlias as fory_core::__private::ForyStruct>::NAME;
        let pn = <Plain as fory_core::__private::ForyStruct>::NAME;
        assert_eq!(fa.straight_line(an), Some(false), "the alias hides i32");
        assert_eq!(fp.straight_line(pn), Some(true));
    }
}

/// An enum's place in a registry is cached per type: two instances that
/// register it differently (by name, by id) each write their own type meta,
/// in any order, and a hand-written schema entry is found too.
#[test]
fn enum_type_meta_follows_each_instance() {
    use fory_core::__private::{ForyEnum, Registration};
    use fory_core::schema::TypeDecl;
    use fory_core::wire::type_id as tid;
    let mut by_id = <Color as ForyEnum>::decl();
    by_id.registration = Registration::Id(5);
    let named = Fory::builder()
        .compatible(false)
        .register_enum::<Color>()
        .unwrap()
        .build();
    let numbered = Fory::builder()
        .compatible(false)
        .register(TypeDecl::Enum(by_id))
        .unwrap()
        .build();
    for _ in 0..3 {
        let a = named.serialize(&Color::Green).unwrap();
        let b = numbered.serialize(&Color::Green).unwrap();
        // header, not-null flag, type meta, ordinal
        assert_eq!(a[2], tid::NAMED_ENUM, "{a:02x?}");
        assert_eq!(&b[..], &[1, 0xff, tid::ENUM, 5, 1], "{b:02x?}");
        assert_eq!(named.deserialize::<Color>(&a).unwrap(), Color::Green);
        assert_eq!(numbered.deserialize::<Color>(&b).unwrap(), Color::Green);
        // each instance refuses the other's registration
        assert!(named.deserialize::<Color>(&b).is_err());
        assert!(numbered.deserialize::<Color>(&a).is_err());
    }
    // named enums in compatible mode carry a TypeDef (encoded once per
    // registry), announced once per stream and referenced after
    let compat = Fory::builder().register_enum::<Color>().unwrap().build();
    let pair = vec![Color::Green, Color::Red];
    let bytes = compat.serialize(&pair).unwrap();
    assert_eq!(compat.deserialize::<Vec<Color>>(&bytes).unwrap(), pair);
    assert_eq!(compat.serialize(&pair).unwrap(), bytes);
}

/// The leaf entry points derived code uses: integers convert to the field's
/// declared encoding, other types refuse to be leaves.
#[test]
fn leaf_writes_and_reads() {
    use fory_core::wire::{type_id as tid, Reader, Writer};
    use fory_core::{Deserialize, Serialize};
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out);
    (-2i32).write_leaf(tid::INT32, &mut w).unwrap();
    (-2i32).write_leaf(tid::VARINT32, &mut w).unwrap();
    300u16.write_leaf(tid::UINT16, &mut w).unwrap();
    String::from("hi").write_leaf(tid::STRING, &mut w).unwrap();
    assert!(vec![1i32].write_leaf(tid::LIST, &mut w).is_err());
    assert!(
        300i32.write_leaf(tid::INT8, &mut w).is_err(),
        "out of range"
    );
    assert_eq!(
        out,
        [0xfe, 0xff, 0xff, 0xff, 0x03, 0x2c, 0x01, 0x08, b'h', b'i']
    );
    let mut r = Reader::new(&out);
    assert_eq!(i32::read_leaf(&mut r, tid::INT32).unwrap(), -2);
    assert_eq!(i64::read_leaf(&mut r, tid::VARINT32).unwrap(), -2);
    assert_eq!(u16::read_leaf(&mut r, tid::UINT16).unwrap(), 300);
    assert_eq!(String::read_leaf(&mut r, tid::STRING).unwrap(), "hi");
    assert_eq!(r.remaining(), 0);
    assert!(Vec::<i32>::read_leaf(&mut Reader::new(&[0]), tid::LIST).is_err());

    // the same numbers through a run of reserved bytes: the same bytes
    let mut run_out = Vec::new();
    let max = <i32 as Serialize>::RUN_MAX * 2 + <u16 as Serialize>::RUN_MAX + 16;
    Writer::new(&mut run_out)
        .run(max, |r| -> fory_core::Result<()> {
            (-2i32).write_run(tid::INT32, r)?;
            (-2i32).write_run(tid::VARINT32, r)?;
            300u16.write_run(tid::UINT16, r)?;
            assert!(300i32.write_run(tid::INT8, r).is_err(), "out of range");
            assert!(String::from("x").write_run(tid::STRING, r).is_err());
            true.write_run(tid::BOOL, r)?;
            1.5f64.write_run(tid::FLOAT64, r)
        })
        .unwrap();
    let mut want = out[..7].to_vec();
    want.push(1);
    want.extend_from_slice(&1.5f64.to_le_bytes());
    assert_eq!(run_out, want);
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "sl.Holder")]
struct Holder {
    first: Inner,
    list: Vec<Inner>,
    tagged: Tagged,
    again: Vec<Inner>,
    last: Inner,
    more: Vec<Tagged>,
}

/// Struct values of several types interleaved, in both modes: each body
/// finds the TypeDef announced for its type, however many other types were
/// announced in between.
#[test]
fn interleaved_struct_types_round_trip() {
    let inner = |i: u8| Inner {
        label: format!("in{i}"),
        weight: i as f32,
    };
    let tagged = |i: i64| Tagged {
        c: i,
        a: format!("t{i}"),
        b: i as i32,
    };
    let v = Holder {
        first: inner(1),
        list: vec![inner(2), inner(3)],
        tagged: tagged(4),
        again: vec![inner(5)],
        last: inner(6),
        more: vec![tagged(7), tagged(8)],
    };
    for compatible in [false, true] {
        let f = Fory::builder()
            .compatible(compatible)
            .register_struct::<Inner>()
            .unwrap()
            .register_struct::<Tagged>()
            .unwrap()
            .register_struct::<Holder>()
            .unwrap()
            .build();
        let b = f.serialize(&v).unwrap();
        assert_eq!(
            f.deserialize::<Holder>(&b).unwrap(),
            v,
            "compatible={compatible}"
        );
        // the same through a list of them
        let list = vec![v.clone(), v.clone()];
        let b = f.serialize(&list).unwrap();
        assert_eq!(f.deserialize::<Vec<Holder>>(&b).unwrap(), list);
    }
}
