use fory_core::Fory;

// the two forms together, and each given twice
#[derive(Fory, Default)]
#[fory(bound = "", bound(serialize = ""))]
struct A<T> {
    inner: T,
}

#[derive(Fory, Default)]
#[fory(bound(deserialize = ""), bound = "")]
struct B<T> {
    inner: T,
}

#[derive(Fory, Default)]
#[fory(bound = "", bound = "")]
struct C<T> {
    inner: T,
}

#[derive(Fory, Default)]
#[fory(bound(serialize = "", serialize = ""))]
struct D<T> {
    inner: T,
}

fn main() {}
