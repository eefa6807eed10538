//! `fory demo`: the main job. Builds a realistic payload (metadata plus
//! several large buffers), serializes it out-of-band, writes the stream and
//! the buffers to files with `write_to`, maps them back with `memmap2`,
//! deserializes without copying the buffers, verifies, and compares with the
//! same round trip in-band.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use fory_core::schema::{FieldDecl, FieldType, Registration, StructDecl, TypeDecl};
use fory_core::value::StructValue;
use fory_core::{Fory, Placement, Schema, Value};

/// What one demo run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Bytes of buffer data in the payload.
    pub payload_bytes: usize,
    /// Out-of-band: main stream size.
    pub oob_stream_bytes: usize,
    /// Out-of-band: number of buffers.
    pub oob_buffers: usize,
    /// Out-of-band: serialize, write files, map + deserialize.
    pub oob_times: [Duration; 3],
    /// In-band: stream size.
    pub inband_stream_bytes: usize,
    /// In-band: serialize, write file, read + deserialize.
    pub inband_times: [Duration; 3],
    /// Every out-of-band buffer came back as a view into its mapped file.
    pub zero_copy_verified: bool,
}

fn schema() -> Schema {
    let f = |name: &str, ty: &str| FieldDecl {
        name: name.into(),
        ty: FieldType::parse(ty).expect("valid type"),
        track_ref: false,
        tag_id: None,
    };
    let mut s = Schema::new();
    s.add(TypeDecl::Struct(StructDecl {
        name: "demo.Frame".into(),
        registration: Registration::by_name("demo.Frame"),
        fields: vec![
            f("name", "string"),
            f("created", "timestamp"),
            f("shape", "list<varint64>"),
            f("labels", "map<string,string>"),
            f("columns", "map<string,binary>"),
        ],
    }))
    .expect("valid schema");
    s
}

fn payload(columns: usize, column_bytes: usize) -> Value {
    let mut cols = Vec::new();
    for c in 0..columns {
        // deterministic, non-constant content so a mix-up is visible
        let data: Vec<u8> = (0..column_bytes)
            .map(|i| (i as u32).wrapping_mul(2654435761).wrapping_add(c as u32) as u8)
            .collect();
        cols.push((
            Value::String(format!("column_{c}")),
            Value::Binary(Bytes::from(data)),
        ));
    }
    Value::Struct(Box::new(StructValue {
        type_name: "demo.Frame".into(),
        fields: vec![
            (
                "name".into(),
                Value::String("sensor batch 2026-11-25".into()),
            ),
            (
                "created".into(),
                Value::Timestamp {
                    seconds: 1_795_600_000,
                    nanos: 123_000_000,
                },
            ),
            (
                "shape".into(),
                Value::List(vec![
                    Value::VarInt64(columns as i64),
                    Value::VarInt64(column_bytes as i64),
                ]),
            ),
            (
                "labels".into(),
                Value::Map(vec![
                    (Value::String("site".into()), Value::String("north".into())),
                    (Value::String("units".into()), Value::String("raw".into())),
                ]),
            ),
            ("columns".into(), Value::Map(cols)),
        ],
    }))
}

fn columns(v: &Value) -> Vec<&Bytes> {
    let mut out = Vec::new();
    if let Value::Struct(s) = v {
        if let Some(Value::Map(entries)) = s.get("columns") {
            for (_, c) in entries {
                if let Value::Binary(b) = c {
                    out.push(b);
                }
            }
        }
    }
    out
}

/// Runs the demo in `dir` with `columns` buffers of `column_bytes` each.
pub fn run(dir: &Path, columns_n: usize, column_bytes: usize) -> Result<Report, String> {
    let fory = Fory::builder().compatible(true).schema(schema()).build();
    let value = payload(columns_n, column_bytes);
    let e = |e: fory_core::Error| e.to_string();
    let io = |e: std::io::Error| e.to_string();

    // --- out-of-band ---
    let t = Instant::now();
    let mut objects = Vec::new();
    let stream = fory
        .serialize_value_with_callback(&value, |b| {
            objects.push(b);
            Placement::OutOfBand
        })
        .map_err(e)?;
    let t_ser = t.elapsed();

    let t = Instant::now();
    let mut f = BufWriter::new(File::create(dir.join("frame.bin")).map_err(io)?);
    f.write_all(&stream).map_err(io)?;
    f.flush().map_err(io)?;
    for (k, b) in objects.iter().enumerate() {
        let mut f =
            BufWriter::new(File::create(dir.join(format!("frame.oob.{k}.bin"))).map_err(io)?);
        b.write_to(&mut f).map_err(io)?;
        f.flush().map_err(io)?;
    }
    let t_write = t.elapsed();
    let n_buffers = objects.len();
    drop(objects);

    let t = Instant::now();
    let stream_back = std::fs::read(dir.join("frame.bin")).map_err(io)?;
    let mut maps = Vec::new();
    for k in 0..n_buffers {
        let file = File::open(dir.join(format!("frame.oob.{k}.bin"))).map_err(io)?;
        // SAFETY: `Mmap::map` requires that nobody modifies or truncates the
        // file while it is mapped (the map is read as `&[u8]`). This run
        // wrote, flushed and closed the file just above and never writes it
        // again; the map is owned by its `Bytes` in `maps`, which outlives
        // every view of it (`back` borrows or shares it). Tested by
        // tests/tests/demo.rs (not under Miri: Miri cannot map files).
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        maps.push(Bytes::from_owner(map));
    }
    let back = fory
        .deserialize_value_with_shared_buffers(&stream_back, &maps)
        .map_err(e)?;
    let t_read = t.elapsed();

    let originals = columns(&value);
    let got = columns(&back);
    if originals.len() != got.len() || originals.iter().zip(&got).any(|(a, b)| a != b) {
        return Err("out-of-band round trip changed the data".into());
    }
    let zero_copy = got.iter().zip(&maps).all(|(g, m)| g.as_ptr() == m.as_ptr());
    if !fory_core::Value::semantic_eq(&value, &back) {
        return Err("out-of-band round trip changed the metadata".into());
    }

    // --- in-band ---
    let t = Instant::now();
    let inband = fory.serialize_value(&value).map_err(e)?;
    let t_ser_ib = t.elapsed();
    let t = Instant::now();
    let mut f = BufWriter::new(File::create(dir.join("frame-inband.bin")).map_err(io)?);
    f.write_all(&inband).map_err(io)?;
    f.flush().map_err(io)?;
    let t_write_ib = t.elapsed();
    let t = Instant::now();
    let data = std::fs::read(dir.join("frame-inband.bin")).map_err(io)?;
    let back_ib = fory.deserialize_value(&data).map_err(e)?;
    let t_read_ib = t.elapsed();
    if !value.semantic_eq(&back_ib) {
        return Err("in-band round trip changed the value".into());
    }

    Ok(Report {
        payload_bytes: columns_n * column_bytes,
        oob_stream_bytes: stream.len(),
        oob_buffers: n_buffers,
        oob_times: [t_ser, t_write, t_read],
        inband_stream_bytes: inband.len(),
        inband_times: [t_ser_ib, t_write_ib, t_read_ib],
        zero_copy_verified: zero_copy,
    })
}

/// Prints a report for people.
pub fn print(r: &Report, dir: &Path) {
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "payload: struct demo.Frame with metadata and {} binary columns, {:.1} MiB of buffer data",
        r.oob_buffers,
        mib(r.payload_bytes)
    );
    println!("files in {}", dir.display());
    println!();
    println!(
        "{:<12} {:>14} {:>9} {:>12} {:>14} {:>16}",
        "placement", "stream bytes", "buffers", "serialize", "write files", "read+deserialize"
    );
    println!(
        "{:<12} {:>14} {:>9} {:>10.2}ms {:>12.2}ms {:>14.2}ms",
        "out-of-band",
        r.oob_stream_bytes,
        r.oob_buffers,
        ms(r.oob_times[0]),
        ms(r.oob_times[1]),
        ms(r.oob_times[2])
    );
    println!(
        "{:<12} {:>14} {:>9} {:>10.2}ms {:>12.2}ms {:>14.2}ms",
        "in-band",
        r.inband_stream_bytes,
        0,
        ms(r.inband_times[0]),
        ms(r.inband_times[1]),
        ms(r.inband_times[2])
    );
    println!();
    println!(
        "out-of-band: the {}-byte stream carries the metadata; the buffers were written with BufferObject::write_to, mapped back with memmap2, and the decoded columns {} the mapped files (no copy).",
        r.oob_stream_bytes,
        if r.zero_copy_verified { "point into" } else { "DO NOT point into" }
    );
    println!("verified: both round trips give back the same value.");
}
