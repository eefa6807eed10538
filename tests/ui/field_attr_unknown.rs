use fory_core::Fory;

#[derive(Fory, Default)]
struct Point {
    #[fory(optional)]
    x: Option<i32>,
}

fn main() {}
