use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(crate = "fory core")]
struct Point {
    x: i32,
}

fn main() {}
