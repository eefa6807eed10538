use fory_core::Fory;

#[derive(Fory, Default)]
#[fory]
struct Point {
    #[fory = "x"]
    x: i32,
}

fn main() {}
