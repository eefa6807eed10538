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
    // strings and nested structs carry ref flags then: those fields go
    // through their plans, the rest stays straight
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
