//! Out-of-band vs in-band for one large binary value, with memcpy of the
//! same bytes as the reference. `cargo bench -p fory-core --bench out_of_band`
//! (set FORY_BENCH_SIZES_MIB=1,64,512 to choose sizes).

#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fory_core::{Fory, Placement};

fn sizes() -> Vec<usize> {
    std::env::var("FORY_BENCH_SIZES_MIB")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 64, 512])
}

fn bench(c: &mut Criterion) {
    let fory = Fory::builder().build();
    let mut g = c.benchmark_group("binary");
    g.sample_size(10);
    for mib in sizes() {
        let n = mib << 20;
        let data: Vec<u8> = (0..n).map(|i| (i * 31) as u8).collect();
        g.throughput(Throughput::Bytes(n as u64));

        let mut dst = vec![0u8; n];
        g.bench_with_input(BenchmarkId::new("memcpy_prefaulted", mib), &data, |b, d| {
            b.iter(|| {
                dst.copy_from_slice(d);
                black_box(&dst);
            })
        });
        g.bench_with_input(
            BenchmarkId::new("memcpy_fresh_alloc", mib),
            &data,
            |b, d| b.iter(|| black_box(d.to_vec())),
        );

        g.bench_with_input(BenchmarkId::new("ser_inband", mib), &data, |b, d| {
            b.iter(|| black_box(fory.serialize(d).unwrap()))
        });
        let mut reuse = Vec::with_capacity(n + 16);
        g.bench_with_input(
            BenchmarkId::new("ser_inband_reused_buf", mib),
            &data,
            |b, d| {
                b.iter(|| {
                    reuse.clear();
                    fory.serialize_into(d, &mut reuse).unwrap();
                    black_box(&reuse);
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("ser_oob", mib), &data, |b, d| {
            b.iter(|| {
                let mut bufs = Vec::new();
                let s = fory
                    .serialize_with_callback(d, |o| {
                        bufs.push(o);
                        Placement::OutOfBand
                    })
                    .unwrap();
                black_box((s, bufs.len()));
            })
        });

        let inband = fory.serialize(&data).unwrap();
        g.bench_with_input(BenchmarkId::new("de_inband_owned", mib), &inband, |b, s| {
            b.iter(|| black_box(fory.deserialize::<Vec<u8>>(s).unwrap()))
        });
        g.bench_with_input(
            BenchmarkId::new("de_inband_borrowed", mib),
            &inband,
            |b, s| b.iter(|| black_box(fory.deserialize::<&[u8]>(s).unwrap().len())),
        );
        let mut objs = Vec::new();
        let oob = fory
            .serialize_with_callback(&data, |o| {
                objs.push(o);
                Placement::OutOfBand
            })
            .unwrap();
        let views: Vec<&[u8]> = objs.iter().map(|o| o.as_bytes()).collect();
        g.bench_with_input(BenchmarkId::new("de_oob_view", mib), &oob, |b, s| {
            b.iter(|| {
                black_box(
                    fory.deserialize_with_buffers::<&[u8], _>(s, &views)
                        .unwrap()
                        .len(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
