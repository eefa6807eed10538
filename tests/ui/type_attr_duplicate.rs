use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(id = 100)]
#[fory(id = 101)]
struct Point {
    x: i32,
}

fn main() {}
