//! The seed's DataFrame, in Rust: a derived struct with two numeric columns
//! (`Array1<f64>`, `Array1<i64>`) and a string column, 1000 rows. The numeric
//! columns go out-of-band (the callback gets the columns' own memory, no
//! copy); the strings stay in the stream. The reader gets views that borrow
//! the buffers it is handed.
//!
//! ```sh
//! cargo run -p fory-ndarray --example dataframe
//! ```

use fory_core::{Fory, Placement};
use fory_ndarray::NdExt;
use ndarray::{Array1, ArrayView1};

/// The writer's frame: owned columns. `NdExt` makes the one-dimensional
/// columns the `fory.ndarray` extension, whose data can go out-of-band (a
/// plain `Nd` would write them as pyfory's dense arrays, always in-band).
#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(name = "example.DataFrame")]
pub struct DataFrame {
    /// Prices.
    pub price: NdExt<Array1<f64>>,
    /// Volumes.
    pub volume: NdExt<Array1<i64>>,
    /// Ticker symbols.
    pub symbol: Vec<String>,
}

/// The reader's frame: the numeric columns borrow the received buffers.
#[derive(fory_core::Fory, Debug, Default)]
#[fory(name = "example.DataFrame")]
pub struct DataFrameView<'a> {
    /// Prices, borrowed.
    pub price: NdExt<ArrayView1<'a, f64>>,
    /// Volumes, borrowed.
    pub volume: NdExt<ArrayView1<'a, i64>>,
    /// Ticker symbols.
    pub symbol: Vec<String>,
}

/// A frame of `rows` rows.
pub fn frame(rows: usize) -> DataFrame {
    DataFrame {
        price: NdExt(Array1::from_shape_fn(rows, |i| 100.0 + i as f64 * 0.25)),
        volume: NdExt(Array1::from_shape_fn(rows, |i| (i as i64 * 37) % 1000)),
        symbol: (0..rows).map(|i| format!("SYM{i:04}")).collect(),
    }
}

/// What one run did.
#[derive(Debug)]
pub struct Report {
    /// Bytes of the main stream (strings and metadata).
    pub stream_bytes: usize,
    /// Sizes of the out-of-band buffers (the numeric columns).
    pub buffer_bytes: Vec<usize>,
    /// Whether the callback saw the columns' own memory.
    pub zero_copy_write: bool,
    /// Whether the read views point into the buffers.
    pub zero_copy_read: bool,
    /// Bytes of the same frame serialized in-band.
    pub in_band_bytes: usize,
}

/// Serializes a frame of `rows` rows out-of-band and reads it back as views.
pub fn run(rows: usize) -> fory_core::Result<Report> {
    let fory = fory_ndarray::register(Fory::builder())?
        .register_struct::<DataFrame>()?
        .build();
    let df = frame(rows);

    let mut pointers = Vec::new();
    let mut buffers: Vec<Vec<u8>> = Vec::new();
    let stream = fory.serialize_with_callback(&df, |b| {
        pointers.push(b.as_bytes().as_ptr());
        // a transport would stream it (`b.write_to(&mut socket)`); here: keep a copy
        buffers.push(b.as_bytes().to_vec());
        Placement::OutOfBand
    })?;
    let zero_copy_write = pointers
        == [
            df.price.as_ptr().cast::<u8>(),
            df.volume.as_ptr().cast::<u8>(),
        ];

    let view: DataFrameView = fory.deserialize_with_buffers(&stream, &buffers)?;
    let zero_copy_read = view.price.as_ptr().cast::<u8>() == buffers[0].as_ptr()
        && view.volume.as_ptr().cast::<u8>() == buffers[1].as_ptr();
    assert_eq!(view.price.0, df.price.0);
    assert_eq!(view.volume.0, df.volume.0);
    assert_eq!(view.symbol, df.symbol);
    // the owned frame reads back from the same bytes too
    let owned: DataFrame = fory.deserialize_with_buffers(&stream, &buffers)?;
    assert_eq!(owned, df);

    let in_band = fory.serialize(&df)?;
    Ok(Report {
        stream_bytes: stream.len(),
        buffer_bytes: buffers.iter().map(Vec::len).collect(),
        zero_copy_write,
        zero_copy_read,
        in_band_bytes: in_band.len(),
    })
}

#[allow(dead_code)]
fn main() -> fory_core::Result<()> {
    let r = run(1000)?;
    println!("DataFrame, 1000 rows: price (f64), volume (i64), symbol (string)");
    println!(
        "  main stream (strings + metadata): {} bytes",
        r.stream_bytes
    );
    println!(
        "  out-of-band buffers (numeric columns): {:?} bytes",
        r.buffer_bytes
    );
    println!(
        "  writer handed the columns' own memory: {}",
        r.zero_copy_write
    );
    println!("  reader's views borrow the buffers: {}", r.zero_copy_read);
    println!("  (the same frame in-band: {} bytes)", r.in_band_bytes);
    Ok(())
}
