//! Sending the metadata and the buffers through different channels: a
//! `Vec<u8>`, a file and a TCP socket on 127.0.0.1, each written with
//! `BufferObject::write_to`.
//!
//! `cargo run -p fory-core --example write_to_streams`

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use fory_core::{Fory, Placement};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fory = Fory::builder().build();
    let blobs: Vec<Vec<u8>> = vec![vec![7u8; 4096], vec![8u8; 1 << 16], vec![9u8; 10]];

    let mut objects = Vec::new();
    let stream = fory.serialize_with_callback(&blobs, |b| {
        objects.push(b);
        Placement::OutOfBand
    })?;

    // buffer 0 -> a Vec<u8>
    let mut in_memory = Vec::new();
    objects[0].write_to(&mut in_memory)?;

    // buffer 1 -> a file
    let path = std::env::temp_dir().join(format!("fory-example-{}.bin", std::process::id()));
    let mut file = std::fs::File::create(&path)?;
    objects[1].write_to(&mut file)?;
    drop(file);

    // buffer 2 -> a TCP socket on loopback (length-prefixed)
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let receiver = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
        let (mut sock, _) = listener.accept()?;
        let mut len = [0u8; 8];
        sock.read_exact(&mut len)?;
        let mut buf = vec![0u8; u64::from_le_bytes(len) as usize];
        sock.read_exact(&mut buf)?;
        Ok(buf)
    });
    let mut sock = TcpStream::connect(addr)?;
    sock.write_all(&(objects[2].total_bytes() as u64).to_le_bytes())?;
    objects[2].write_to(&mut sock)?;
    drop(sock);
    let from_socket = receiver.join().expect("receiver thread")?;

    let from_file = std::fs::read(&path)?;
    std::fs::remove_file(&path)?;
    let buffers = [in_memory, from_file, from_socket];
    let back: Vec<&[u8]> = fory.deserialize_with_buffers(&stream, &buffers)?;
    assert_eq!(back, blobs.iter().map(|b| &b[..]).collect::<Vec<_>>());
    println!(
        "stream {} bytes; buffers via Vec, file and TCP: round trip ok",
        stream.len()
    );
    Ok(())
}
