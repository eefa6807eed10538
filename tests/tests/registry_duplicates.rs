//! Two derived types claiming the same id in one binary: `register_all`
//! fails with an error naming both (a separate test binary, because the
//! compile-time registry is per binary).

use fory_core::Fory;

#[derive(fory_core::Fory, Debug, Default)]
#[fory(id = 9001)]
struct First {
    v: i32,
}

#[derive(fory_core::Fory, Debug, Default)]
#[fory(id = 9001)]
struct Second {
    w: String,
}

#[derive(fory_core::Fory, Debug, Default)]
#[fory(name = "dup.Same")]
struct NamedOne {}

#[test]
fn duplicate_ids_name_both_types() {
    let e = Fory::builder()
        .register_all()
        .expect_err("a duplicate id must be rejected");
    let msg = e.to_string();
    assert!(
        msg.contains("First") && msg.contains("Second") && msg.contains("9001"),
        "{msg}"
    );
    // each alone is fine
    assert!(Fory::builder().register_struct::<First>().is_ok());
    assert!(Fory::builder()
        .register_struct::<Second>()
        .and_then(|b| b.register_struct::<NamedOne>())
        .is_ok());
}
