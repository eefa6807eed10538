//! n×n `f64` arrays, side by side in one run: our in-band and out-of-band
//! serialize / deserialize, a memcpy of the data, `ndarray-npy` write / read
//! to memory, and serde + bincode of the same array.
//!
//! ```sh
//! cargo bench -p fory-ndarray --bench ndarray -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! `FORY_NDARRAY_BENCH_N=1000,8192` chooses the sizes (n per side; the
//! default). 8192×8192 is 512 MiB per copy: the run needs about 3 GiB.

#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fory_core::{Fory, Placement};
use fory_ndarray::Nd;
use ndarray::{Array2, ArrayView2};
use ndarray_npy::{ReadNpyExt, ViewNpyExt, WriteNpyExt};

fn sizes() -> Vec<usize> {
    std::env::var("FORY_NDARRAY_BENCH_N")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1000, 8192])
}

fn bench(c: &mut Criterion) {
    let fory = fory_ndarray::register(Fory::builder()).unwrap().build();
    let bincode_cfg = bincode::config::standard();
    let mut g = c.benchmark_group("ndarray_f64");
    g.sample_size(10);
    for n in sizes() {
        let a = Array2::from_shape_fn((n, n), |(i, j)| (i * n + j) as f64 * 0.5);
        let data = a.as_slice().unwrap();
        let bytes = data.len() * 8;
        g.throughput(Throughput::Bytes(bytes as u64));
        let id = |name: &str| BenchmarkId::new(name, format!("{n}x{n}"));

        // the reference: copying the data
        let mut dst = vec![0f64; data.len()];
        g.bench_function(id("memcpy_prefaulted"), |b| {
            b.iter(|| {
                dst.copy_from_slice(data);
                black_box(&dst);
            })
        });
        drop(dst);
        g.bench_function(id("memcpy_fresh_alloc"), |b| {
            b.iter(|| black_box(data.to_vec()))
        });

        // fory, in-band
        let value = Nd(a.view());
        g.bench_function(id("fory_ser_inband"), |b| {
            b.iter(|| black_box(fory.serialize(&value).unwrap()))
        });
        let mut reuse = Vec::with_capacity(bytes + 64);
        g.bench_function(id("fory_ser_inband_reused_buf"), |b| {
            b.iter(|| {
                reuse.clear();
                fory.serialize_into(&value, &mut reuse).unwrap();
                black_box(&reuse);
            })
        });
        drop(reuse);
        let inband = fory.serialize(&value).unwrap();
        g.bench_function(id("fory_de_inband_owned"), |b| {
            b.iter(|| black_box(fory.deserialize::<Nd<Array2<f64>>>(&inband).unwrap()))
        });
        g.bench_function(id("fory_de_inband_view"), |b| {
            b.iter(|| {
                black_box(
                    fory.deserialize::<Nd<ArrayView2<f64>>>(&inband)
                        .unwrap()
                        .len(),
                )
            })
        });
        drop(inband);

        // fory, out-of-band
        g.bench_function(id("fory_ser_oob"), |b| {
            b.iter(|| {
                let mut objs = Vec::new();
                let s = fory
                    .serialize_with_callback(&value, |o| {
                        objs.push(o);
                        Placement::OutOfBand
                    })
                    .unwrap();
                black_box((s, objs.len()));
            })
        });
        let mut objs = Vec::new();
        let oob = fory
            .serialize_with_callback(&value, |o| {
                objs.push(o);
                Placement::OutOfBand
            })
            .unwrap();
        let bufs: Vec<&[u8]> = objs.iter().map(|o| o.as_bytes()).collect();
        g.bench_function(id("fory_de_oob_view"), |b| {
            b.iter(|| {
                black_box(
                    fory.deserialize_with_buffers::<Nd<ArrayView2<f64>>, _>(&oob, &bufs)
                        .unwrap()
                        .len(),
                )
            })
        });
        g.bench_function(id("fory_de_oob_owned"), |b| {
            b.iter(|| {
                black_box(
                    fory.deserialize_with_buffers::<Nd<Array2<f64>>, _>(&oob, &bufs)
                        .unwrap(),
                )
            })
        });
        drop(bufs);
        drop(objs);

        // ndarray-npy, to and from memory
        g.bench_function(id("npy_write_vec"), |b| {
            b.iter(|| {
                let mut out = Vec::new();
                a.write_npy(&mut out).unwrap();
                black_box(out)
            })
        });
        let mut npy = Vec::new();
        a.write_npy(&mut npy).unwrap();
        g.bench_function(id("npy_read_owned"), |b| {
            b.iter(|| black_box(Array2::<f64>::read_npy(&npy[..]).unwrap()))
        });
        g.bench_function(id("npy_view"), |b| {
            b.iter(|| black_box(ArrayView2::<f64>::view_npy(&npy).unwrap().len()))
        });
        drop(npy);

        // serde + bincode
        g.bench_function(id("serde_bincode_ser"), |b| {
            b.iter(|| black_box(bincode::serde::encode_to_vec(&a, bincode_cfg).unwrap()))
        });
        let enc = bincode::serde::encode_to_vec(&a, bincode_cfg).unwrap();
        g.bench_function(id("serde_bincode_de"), |b| {
            b.iter(|| {
                let (v, _): (Array2<f64>, usize) =
                    bincode::serde::decode_from_slice(&enc, bincode_cfg).unwrap();
                black_box(v)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
