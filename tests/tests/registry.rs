//! Compile-time registration: derived types with an id or a name register
//! themselves; `register_all` takes them all, and conflicts name both types.

use fory_core::{Error, Fory};

#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(id = 7001)]
struct AutoA {
    v: i32,
}

#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(name = "auto.B")]
struct AutoB {
    s: String,
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone, Copy)]
#[fory(name = "auto.Mood")]
enum Mood {
    #[default]
    Calm,
    Busy,
}

#[test]
fn register_all_finds_derived_types() {
    let names: Vec<&str> = fory_core::registry::compile_time_registrations()
        .iter()
        .map(|r| r.name)
        .collect();
    assert!(
        names.contains(&"auto.B") && names.contains(&"auto.Mood"),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n.ends_with("::AutoA")), "{names:?}");
    let f = Fory::builder()
        .compatible(false)
        .register_all()
        .unwrap()
        .build();
    let bytes = f.serialize(&AutoB { s: "x".into() }).unwrap();
    assert_eq!(
        f.deserialize::<AutoB>(&bytes).unwrap(),
        AutoB { s: "x".into() }
    );
    assert_eq!(
        f.deserialize::<AutoA>(&f.serialize(&AutoA { v: -3 }).unwrap())
            .unwrap(),
        AutoA { v: -3 }
    );
    assert_eq!(
        f.deserialize::<Mood>(&f.serialize(&Mood::Busy).unwrap())
            .unwrap(),
        Mood::Busy
    );
    // an unregistered instance reports the missing registration
    let bare = Fory::builder().build();
    assert!(matches!(
        bare.serialize(&AutoB::default()),
        Err(Error::Encode { .. })
    ));
}
