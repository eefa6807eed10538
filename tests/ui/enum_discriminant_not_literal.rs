use fory_core::Fory;

const BASE: isize = 4;

#[derive(Fory)]
enum E {
    A = BASE,
    B,
}

fn main() {}
