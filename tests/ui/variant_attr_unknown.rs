use fory_core::Fory;

#[derive(Fory, Default)]
enum Color {
    #[default]
    Red,
    #[fory(id = 5)]
    Green,
}

fn main() {}
