use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(id)]
struct Point {
    #[fory(rename)]
    x: i32,
}

fn main() {}
