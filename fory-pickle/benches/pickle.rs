//! `loads`/`dumps` of a dict of ten float64 arrays (8 MiB each by default),
//! in-band and out-of-band. `cargo bench -p fory-pickle --bench pickle`
//! (FORY_PICKLE_BENCH_MIB=1,8,32 chooses the size of each array). Python's
//! own pickle on the same data: `python fory-pickle/benches/pickle_bench.py`.

#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fory_core::Placement;
use fory_pickle::{dumps, loads, NdArray, Order, PickleValue};

fn sizes() -> Vec<usize> {
    std::env::var("FORY_PICKLE_BENCH_MIB")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 8])
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("dict_of_10_f64_arrays");
    g.sample_size(10);
    for mib in sizes() {
        let n = (mib << 20) / 8;
        let columns: Vec<Vec<f64>> = (0..10)
            .map(|k| (0..n).map(|i| (i * (k + 1)) as f64 * 0.5).collect())
            .collect();
        let value = PickleValue::Dict(
            columns
                .iter()
                .enumerate()
                .map(|(k, col)| {
                    (
                        PickleValue::from(format!("col{k}")),
                        PickleValue::Array(NdArray::from_slice(col, &[n], Order::C).unwrap()),
                    )
                })
                .collect(),
        );
        let total = 10 * (n * 8) as u64;
        g.throughput(Throughput::Bytes(total));

        g.bench_with_input(BenchmarkId::new("dumps_oob", mib), &value, |b, v| {
            b.iter(|| {
                let mut bufs = Vec::with_capacity(10);
                let s = dumps(v, |o| {
                    bufs.push(o);
                    Placement::OutOfBand
                })
                .unwrap();
                black_box((s, bufs.len()))
            })
        });
        g.bench_with_input(BenchmarkId::new("dumps_inband", mib), &value, |b, v| {
            b.iter(|| black_box(dumps(v, |_| Placement::InBand).unwrap()))
        });

        let mut objects = Vec::new();
        let oob_stream = dumps(&value, |o| {
            objects.push(o);
            Placement::OutOfBand
        })
        .unwrap();
        let oob: Vec<&[u8]> = objects.iter().map(|o| o.as_bytes()).collect();
        g.bench_with_input(BenchmarkId::new("loads_oob", mib), &oob_stream, |b, s| {
            b.iter(|| black_box(loads(s, &oob).unwrap()))
        });
        let inband = dumps(&value, |_| Placement::InBand).unwrap();
        g.bench_with_input(
            BenchmarkId::new("loads_inband_borrowed", mib),
            &inband,
            |b, s| b.iter(|| black_box(loads(s, &[] as &[&[u8]]).unwrap())),
        );
        g.bench_with_input(
            BenchmarkId::new("loads_inband_owned", mib),
            &inband,
            |b, s| b.iter(|| black_box(loads(s, &[] as &[&[u8]]).unwrap().into_owned())),
        );
        let flat: Vec<u8> = inband.clone();
        g.bench_with_input(BenchmarkId::new("memcpy_all_bytes", mib), &flat, |b, d| {
            b.iter(|| black_box(d.to_vec()))
        });
        eprintln!(
            "{mib} MiB/array: out-of-band stream {} bytes, in-band stream {} bytes",
            oob_stream.len(),
            inband.len()
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
