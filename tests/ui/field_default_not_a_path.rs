use fory_core::Fory;

#[derive(Fory)]
struct S {
    #[fory(default = "1 + 2")]
    v: i32,
}

fn main() {}
