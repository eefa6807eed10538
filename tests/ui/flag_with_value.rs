use fory_core::Fory;

#[derive(Fory, Default)]
struct Point {
    #[fory(skip = true)]
    x: i32,
    #[fory(nullable(false))]
    y: Option<i32>,
}

fn main() {}
