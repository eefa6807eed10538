use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(id = 4294967296)]
struct Point {
    x: i32,
}

#[derive(Fory, Default)]
enum Color {
    #[default]
    #[fory(value = -1)]
    Red,
}

fn main() {}
