use fory_core::Fory;

#[derive(Fory)]
union Bits {
    i: i32,
    f: f32,
}

fn main() {}
