use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(name = "")]
struct A {
    x: i32,
}

#[derive(Fory, Default)]
#[fory(name = "example.")]
struct B {
    x: i32,
}

#[derive(Fory, Default)]
#[fory(name = example.C)]
struct C {
    x: i32,
}

fn main() {}
