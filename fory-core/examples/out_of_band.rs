//! Basic out-of-band serialization: the buffers leave the stream, the
//! metadata stays; deserializing with the buffers gives views into them.
//!
//! `cargo run -p fory-core --example out_of_band`

use fory_core::{BufferObject, Fory, Placement};

fn main() -> Result<(), fory_core::Error> {
    let fory = Fory::builder().build();
    let frames: Vec<Vec<u8>> = vec![vec![1u8; 1 << 20], vec![2u8; 1 << 20], b"small".to_vec()];

    let mut buffers: Vec<BufferObject<'_>> = Vec::new();
    let bytes = fory.serialize_with_callback(&frames, |b| {
        buffers.push(b);
        Placement::OutOfBand
    })?;
    println!(
        "stream: {} bytes, {} out-of-band buffers, {} buffer bytes",
        bytes.len(),
        buffers.len(),
        buffers.iter().map(|b| b.total_bytes()).sum::<usize>()
    );

    // Zero-copy views, like pickle's getbuffer(): they are the frames' own memory.
    let views: Vec<&[u8]> = buffers.iter().map(|b| b.as_bytes()).collect();
    assert_eq!(views[0].as_ptr(), frames[0].as_ptr());

    let back: Vec<&[u8]> = fory.deserialize_with_buffers(&bytes, &views)?;
    assert_eq!(back.len(), 3);
    assert_eq!(back[2], b"small");
    assert_eq!(
        back[0].as_ptr(),
        frames[0].as_ptr(),
        "deserialized views borrow the buffers"
    );
    println!("round trip ok; deserialized slices point into the supplied buffers");
    Ok(())
}
