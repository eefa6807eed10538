//! The extension type registers itself through fory-core's compile-time
//! registry (inventory), and `fory_ndarray::register` is the explicit fallback.

use fory_core::schema::{Registration, TypeDecl};
use fory_core::{Error, Fory};
use fory_ndarray::{Nd, NAME};
use ndarray::Array2;

#[test]
fn the_handler_is_in_the_compile_time_registry() {
    let names: Vec<&str> = fory_core::registry::compile_time_registrations()
        .iter()
        .map(|r| r.name)
        .collect();
    assert!(names.contains(&NAME), "{names:?}");
}

#[test]
fn register_all_declares_the_extension() {
    let fory = Fory::builder().register_all().unwrap().build();
    let decl = fory.schema().get(NAME).expect("fory.ndarray registered");
    match &**decl {
        TypeDecl::Ext(x) => assert_eq!(
            x.registration,
            Registration::Name {
                namespace: "fory".into(),
                typename: "ndarray".into()
            }
        ),
        other => panic!("{other:?}"),
    }
    let a = Array2::from_shape_fn((2, 2), |(i, j)| (i + j) as u8);
    let bytes = fory.serialize(&Nd(a.view())).unwrap();
    assert_eq!(fory.deserialize::<Nd<Array2<u8>>>(&bytes).unwrap().0, a);
}

#[test]
fn explicit_register_and_duplicates() {
    let fory = fory_ndarray::register(Fory::builder()).unwrap().build();
    assert!(fory.schema().get(NAME).is_some());
    // the name is reserved: registering it twice is an error naming it
    let err = fory_ndarray::register(fory_ndarray::register(Fory::builder()).unwrap()).unwrap_err();
    assert!(
        matches!(&err, Error::Schema { message } if message.contains(NAME)),
        "{err}"
    );
    // register_all after an explicit register skips what is already there
    let both = fory_ndarray::register(Fory::builder())
        .unwrap()
        .register_all()
        .unwrap()
        .build();
    assert!(both.schema().get(NAME).is_some());
}

#[test]
fn ext_decl_matches_the_wire_name() {
    let decl = fory_ndarray::ext_decl();
    assert_eq!(decl.name, NAME);
    assert_eq!(&decl.registration, fory_ndarray::registration());
}
