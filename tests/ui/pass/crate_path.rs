// `#[fory(crate = "...")]`: the generated code reaches the runtime through
// `<path>::__private`, so the derive works when fory_core is only reachable
// under another name.
mod reexport {
    pub use fory_core::*;
}

use fory_core::Fory;

#[derive(Fory, Debug, Default, PartialEq)]
#[fory(crate = "crate::reexport", name = "example.Point")]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Fory, Debug, Default, PartialEq, Clone, Copy)]
#[fory(crate = "crate::reexport", id = 103)]
enum Status {
    #[default]
    #[fory(value = 10)]
    Active,
    #[fory(value = 20)]
    Inactive,
}

fn main() {
    let fory = reexport::Fory::builder()
        .register_struct::<Point>()
        .and_then(|b| b.register_enum::<Status>())
        .unwrap()
        .build();
    let p = Point { x: 1, y: -2 };
    let bytes = fory.serialize(&p).unwrap();
    assert_eq!(fory.deserialize::<Point>(&bytes).unwrap(), p);
    let bytes = fory.serialize(&Status::Inactive).unwrap();
    assert_eq!(
        fory.deserialize::<Status>(&bytes).unwrap(),
        Status::Inactive
    );
}
