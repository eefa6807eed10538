use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(id = "100")]
struct Point {
    #[fory(id = one)]
    x: i32,
}

#[derive(Fory, Default)]
enum Color {
    #[default]
    #[fory(value = 1.5)]
    Red,
}

fn main() {}
