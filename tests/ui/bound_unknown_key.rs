use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(bound(ser = "T: fory_core::Serialize"))]
struct Wrapper<T> {
    inner: T,
}

fn main() {}
