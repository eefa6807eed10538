use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(nmae = "example.Point")]
struct Point {
    x: i32,
}

fn main() {}
