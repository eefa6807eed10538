use fory_core::Fory;

#[derive(Fory, Default)]
struct Point {
    #[fory(rename = "")]
    x: i32,
}

fn main() {}
