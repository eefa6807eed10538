use fory_core::Fory;

#[derive(Fory)]
struct S {
    #[fory(encoding = "zigzag")]
    v: i64,
}

fn main() {}
