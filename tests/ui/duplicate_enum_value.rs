use fory_core::Fory;

#[derive(Fory, Default)]
enum Explicit {
    #[default]
    #[fory(value = 10)]
    A,
    #[fory(value = 10)]
    B,
}

#[derive(Fory, Default)]
enum Implicit {
    #[default]
    #[fory(value = 1)]
    A,
    B,
}

fn main() {}
