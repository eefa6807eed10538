//! An image-like `Array3<u8>` (height × width × channels) sent over a TCP
//! socket on 127.0.0.1: the pixels travel as out-of-band buffers streamed
//! with `write_to` straight from the array's memory (a non-contiguous crop is
//! gathered through a small stage, never copied whole), and the receiver
//! reads views that borrow the bytes it received.
//!
//! Framing on the socket: `u64 stream length, stream, u32 buffer count,
//! then per buffer u64 length + bytes` (all little-endian).
//!
//! ```sh
//! cargo run -p fory-ndarray --example image_tcp
//! ```

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use fory_core::{BufferObject, Fory, Placement};
use fory_ndarray::Nd;
use ndarray::{s, Array3, ArrayView3};

/// A synthetic RGB image.
pub fn image(height: usize, width: usize) -> Array3<u8> {
    Array3::from_shape_fn((height, width, 3), |(y, x, c)| {
        ((x * (c + 1) + y * 3) % 251) as u8
    })
}

fn send(sock: &mut TcpStream, stream: &[u8], buffers: &[BufferObject<'_>]) -> io::Result<()> {
    sock.write_all(&(stream.len() as u64).to_le_bytes())?;
    sock.write_all(stream)?;
    sock.write_all(&(buffers.len() as u32).to_le_bytes())?;
    for b in buffers {
        sock.write_all(&(b.total_bytes() as u64).to_le_bytes())?;
        b.write_to(sock)?; // the array's memory (or a gathering stream) to the socket
    }
    sock.flush()
}

fn receive(sock: &mut TcpStream) -> io::Result<(Vec<u8>, Vec<Vec<u8>>)> {
    let mut n8 = [0u8; 8];
    sock.read_exact(&mut n8)?;
    let mut stream = vec![0u8; u64::from_le_bytes(n8) as usize];
    sock.read_exact(&mut stream)?;
    let mut n4 = [0u8; 4];
    sock.read_exact(&mut n4)?;
    let mut buffers = Vec::new();
    for _ in 0..u32::from_le_bytes(n4) {
        sock.read_exact(&mut n8)?;
        let mut b = vec![0u8; u64::from_le_bytes(n8) as usize];
        sock.read_exact(&mut b)?;
        buffers.push(b);
    }
    Ok((stream, buffers))
}

/// What arrived.
#[derive(Debug)]
pub struct Received {
    /// Shapes of the images.
    pub shapes: Vec<Vec<usize>>,
    /// Bytes of the main stream.
    pub stream_bytes: usize,
    /// Bytes of the buffers.
    pub buffer_bytes: Vec<usize>,
    /// Whether every view points into a received buffer.
    pub views_borrow: bool,
}

/// Sends a `height × width × 3` image and a center crop of it over TCP.
pub fn run(height: usize, width: usize) -> Result<Received, Box<dyn std::error::Error>> {
    let fory = fory_ndarray::register(Fory::builder())?.build();
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;

    let receiver = std::thread::spawn(move || -> Result<Received, String> {
        let fory = fory_ndarray::register(Fory::builder())
            .map_err(|e| e.to_string())?
            .build();
        let (mut sock, _) = listener.accept().map_err(|e| e.to_string())?;
        let (stream, buffers) = receive(&mut sock).map_err(|e| e.to_string())?;
        let images: Vec<Nd<ArrayView3<u8>>> = fory
            .deserialize_with_buffers(&stream, &buffers)
            .map_err(|e| e.to_string())?;
        let views_borrow = images
            .iter()
            .zip(&buffers)
            .all(|(v, b)| v.as_ptr() == b.as_ptr());
        let full = image(height, width);
        let crop = full.slice(s![height / 4..3 * height / 4, width / 4..3 * width / 4, ..]);
        if images[0].0 != full || images[1].0 != crop {
            return Err("the images differ".into());
        }
        Ok(Received {
            shapes: images.iter().map(|v| v.shape().to_vec()).collect(),
            stream_bytes: stream.len(),
            buffer_bytes: buffers.iter().map(Vec::len).collect(),
            views_borrow,
        })
    });

    let full = image(height, width);
    // a center crop: rows and columns sliced, so not contiguous
    let crop = full.slice(s![height / 4..3 * height / 4, width / 4..3 * width / 4, ..]);
    let images = vec![Nd(full.view()), Nd(crop)];
    let mut objects = Vec::new();
    let stream = fory.serialize_with_callback(&images, |b| {
        objects.push(b);
        Placement::OutOfBand
    })?;
    let mut sock = TcpStream::connect(addr)?;
    send(&mut sock, &stream, &objects)?;
    drop(sock);
    Ok(receiver.join().map_err(|_| "receiver panicked")??)
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let r = run(480, 640)?;
    println!("sent over 127.0.0.1: {:?}", r.shapes);
    println!(
        "  main stream: {} bytes; out-of-band buffers: {:?} bytes",
        r.stream_bytes, r.buffer_bytes
    );
    println!(
        "  receiver's views borrow the received buffers: {}",
        r.views_borrow
    );
    Ok(())
}
