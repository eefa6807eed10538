use fory_core::Fory;

#[derive(Fory)]
struct S {
    #[fory(array, list)]
    v: Vec<i32>,
}

fn main() {}
