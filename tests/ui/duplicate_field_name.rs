use fory_core::Fory;

#[derive(Fory, Default)]
struct Point {
    x: i32,
    #[fory(rename = "x")]
    y: i32,
}

fn main() {}
