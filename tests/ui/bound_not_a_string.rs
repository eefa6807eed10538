use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(bound = T, bound(deserialize = 3))]
struct Wrapper<T> {
    inner: T,
}

fn main() {}
