use fory_core::Fory;

#[derive(Fory, Default)]
struct Point {
    #[fory(id = 536870911)]
    x: i32,
    #[fory(id = 536870912)]
    y: i32,
}

fn main() {}
