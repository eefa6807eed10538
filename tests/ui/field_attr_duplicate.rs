use fory_core::Fory;

#[derive(Fory, Default)]
struct Point {
    #[fory(nullable, nullable)]
    x: Option<i32>,
    #[fory(rename = "b")]
    #[fory(rename = "c")]
    y: i32,
}

fn main() {}
