use fory_core::Fory;

#[derive(Fory, Default)]
struct Point(i32, i32);

fn main() {}
