//! A callback that decides buffer by buffer: small buffers stay in-band,
//! large ones go out-of-band (here: every second buffer, as in pyfory's
//! `alternate` policy, plus a size rule).
//!
//! `cargo run -p fory-core --example selective_callback`

use fory_core::{Fory, Placement};

fn main() -> Result<(), fory_core::Error> {
    let fory = Fory::builder().build();
    let parts: Vec<Vec<u8>> = (0..6).map(|i| vec![i as u8; 100 << i]).collect();

    let mut calls = 0usize;
    let mut out_of_band = Vec::new();
    let bytes = fory.serialize_with_callback(&parts, |b| {
        let odd = calls % 2 == 1;
        calls += 1;
        if odd || b.total_bytes() >= 3000 {
            out_of_band.push(b);
            Placement::OutOfBand
        } else {
            Placement::InBand
        }
    })?;
    println!(
        "{calls} buffers offered, {} out-of-band, stream {} bytes",
        out_of_band.len(),
        bytes.len()
    );

    let views: Vec<&[u8]> = out_of_band.iter().map(|b| b.as_bytes()).collect();
    let back: Vec<Vec<u8>> = fory.deserialize_with_buffers(&bytes, &views)?;
    assert_eq!(back, parts);
    println!("round trip ok");
    Ok(())
}
