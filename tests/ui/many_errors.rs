// Every mistake is reported in one compilation, not one per build.
use fory_core::Fory;

#[derive(Fory, Default)]
#[fory(id = 1, name = "example.Point", colour = "red")]
struct Point<'a, 'b> {
    #[fory(id = 7, nulable)]
    x: &'a str,
    #[fory(id = 7, rename = "x")]
    y: &'b str,
    #[fory(skip, ref)]
    z: i32,
}

fn main() {}
