use fory_core::Fory;

#[derive(Fory)]
enum Never {}

fn main() {}
