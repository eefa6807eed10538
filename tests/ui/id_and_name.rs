use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(id = 100, name = "example.Point")]
struct Point {
    x: i32,
}

fn main() {}
