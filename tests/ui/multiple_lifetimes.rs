use fory_core::Fory;

#[derive(Fory, Default)]
struct Borrowed<'a, 'b> {
    name: &'a str,
    data: &'b [u8],
}

fn main() {}
