use fory_core::Fory;

// not where-predicates
#[derive(Fory, Default)]
#[fory(bound = "T Serialize")]
struct Wrapper<T> {
    inner: T,
}

fn main() {}
