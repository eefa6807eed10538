use fory_core::Fory;

#[derive(Fory, Default)]
struct Point {
    x: i32,
    #[fory(skip, nullable, rename = "cache")]
    cache: Option<Vec<i32>>,
}

fn main() {}
