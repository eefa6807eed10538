use fory_core::Fory;

#[derive(Fory, Default)]
struct Point {
    #[fory(id = 1)]
    x: i32,
    #[fory(id = 1)]
    y: i32,
}

fn main() {}
