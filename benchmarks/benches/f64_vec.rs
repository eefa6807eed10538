//! A `Vec<f64>` of `F64_LEN` (1 Mi) elements, 8 MiB: at the root, as a struct
//! field, and a plain memcpy of the same bytes, for both Fory libraries in
//! both modes.
//!
//! * `memcpy`: ser = `to_vec()` of the bytes (fresh) / `extend_from_slice`
//!   into a reused buffer; de = fresh `Vec<f64>` + `copy_nonoverlapping`.
//! * `*_root`: `fory.serialize(&Vec<f64>)`.
//! * `*_field`: a struct with one `Vec<f64>` field (the peer's default schema).
//! * `fory177_*_field_array`: the same field declared `#[fory(array)]`.
//!
//! `cargo bench --bench f64_vec` (from `benchmarks/`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use fory_rs_benchmarks::codecs::Forys;
use fory_rs_benchmarks::{data, ours, peer};

fn as_bytes(v: &[f64]) -> &[u8] {
    // SAFETY: f64 has no padding or invalid bit patterns; the length is in bytes.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

fn memcpy_de(bytes: &[u8]) -> Vec<f64> {
    let n = bytes.len() / 8;
    let mut out: Vec<f64> = Vec::with_capacity(n);
    // SAFETY: `out` has capacity for n elements = bytes.len() bytes; every bit pattern is a valid f64.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr().cast::<u8>(), n * 8);
        out.set_len(n);
    }
    out
}

fn f64_vec(c: &mut Criterion) {
    let f = Forys::default();
    let v = data::f64_values();
    let of = ours::F64Field { values: v.clone() };
    let pf = peer::F64Field { values: v.clone() };
    let pa = peer::F64FieldArray { values: v.clone() };
    let ours_modes = [
        ("consistent", &f.ours_consistent),
        ("compat", &f.ours_compat),
    ];
    let peer_modes = [
        ("consistent", &f.peer_consistent),
        ("compat", &f.peer_compat),
    ];

    // round-trip check and sizes
    assert_eq!(memcpy_de(as_bytes(&v)), v);
    for (m, fy) in ours_modes {
        let b = fy.serialize(&v).unwrap();
        assert_eq!(fy.deserialize::<Vec<f64>>(&b).unwrap(), v, "ours {m} root");
        let bf = fy.serialize(&of).unwrap();
        assert_eq!(
            fy.deserialize::<ours::F64Field>(&bf).unwrap(),
            of,
            "ours {m} field"
        );
        eprintln!("ours_{m}: root {} B, field {} B", b.len(), bf.len());
    }
    for (m, fy) in peer_modes {
        let b = fy.serialize(&v).unwrap();
        assert_eq!(
            fy.deserialize::<Vec<f64>>(&b).unwrap(),
            v,
            "fory177 {m} root"
        );
        let bf = fy.serialize(&pf).unwrap();
        assert_eq!(
            fy.deserialize::<peer::F64Field>(&bf).unwrap(),
            pf,
            "fory177 {m} field"
        );
        let ba = fy.serialize(&pa).unwrap();
        assert_eq!(
            fy.deserialize::<peer::F64FieldArray>(&ba).unwrap(),
            pa,
            "fory177 {m} field_array"
        );
        eprintln!(
            "fory177_{m}: root {} B, field {} B, field_array {} B",
            b.len(),
            bf.len(),
            ba.len()
        );
    }

    let mut g = c.benchmark_group("f64_1M/ser");
    g.bench_function("memcpy", |b| b.iter(|| as_bytes(black_box(&v)).to_vec()));
    for (m, fy) in ours_modes {
        g.bench_function(format!("ours_{m}_root"), |b| {
            b.iter(|| fy.serialize(black_box(&v)).unwrap())
        });
        g.bench_function(format!("ours_{m}_field"), |b| {
            b.iter(|| fy.serialize(black_box(&of)).unwrap())
        });
    }
    for (m, fy) in peer_modes {
        g.bench_function(format!("fory177_{m}_root"), |b| {
            b.iter(|| fy.serialize(black_box(&v)).unwrap())
        });
        g.bench_function(format!("fory177_{m}_field"), |b| {
            b.iter(|| fy.serialize(black_box(&pf)).unwrap())
        });
        g.bench_function(format!("fory177_{m}_field_array"), |b| {
            b.iter(|| fy.serialize(black_box(&pa)).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("f64_1M/ser_into");
    let mut buf: Vec<u8> = Vec::with_capacity(9 << 20);
    g.bench_function("memcpy", |b| {
        b.iter(|| {
            buf.clear();
            buf.extend_from_slice(as_bytes(black_box(&v)));
        })
    });
    for (m, fy) in ours_modes {
        g.bench_function(format!("ours_{m}_root"), |b| {
            b.iter(|| {
                buf.clear();
                fy.serialize_into(black_box(&v), &mut buf).unwrap()
            })
        });
        g.bench_function(format!("ours_{m}_field"), |b| {
            b.iter(|| {
                buf.clear();
                fy.serialize_into(black_box(&of), &mut buf).unwrap()
            })
        });
    }
    for (m, fy) in peer_modes {
        g.bench_function(format!("fory177_{m}_root"), |b| {
            b.iter(|| {
                buf.clear();
                fy.serialize_to(&mut buf, black_box(&v)).unwrap()
            })
        });
        g.bench_function(format!("fory177_{m}_field"), |b| {
            b.iter(|| {
                buf.clear();
                fy.serialize_to(&mut buf, black_box(&pf)).unwrap()
            })
        });
        g.bench_function(format!("fory177_{m}_field_array"), |b| {
            b.iter(|| {
                buf.clear();
                fy.serialize_to(&mut buf, black_box(&pa)).unwrap()
            })
        });
    }
    g.finish();

    let raw = as_bytes(&v).to_vec();
    let mut g = c.benchmark_group("f64_1M/de");
    g.bench_function("memcpy", |b| b.iter(|| memcpy_de(black_box(&raw))));
    for (m, fy) in ours_modes {
        let root = fy.serialize(&v).unwrap();
        let field = fy.serialize(&of).unwrap();
        g.bench_function(format!("ours_{m}_root"), |b| {
            b.iter(|| fy.deserialize::<Vec<f64>>(black_box(&root)).unwrap())
        });
        g.bench_function(format!("ours_{m}_field"), |b| {
            b.iter(|| fy.deserialize::<ours::F64Field>(black_box(&field)).unwrap())
        });
    }
    for (m, fy) in peer_modes {
        let root = fy.serialize(&v).unwrap();
        let field = fy.serialize(&pf).unwrap();
        let array = fy.serialize(&pa).unwrap();
        g.bench_function(format!("fory177_{m}_root"), |b| {
            b.iter(|| fy.deserialize::<Vec<f64>>(black_box(&root)).unwrap())
        });
        g.bench_function(format!("fory177_{m}_field"), |b| {
            b.iter(|| fy.deserialize::<peer::F64Field>(black_box(&field)).unwrap())
        });
        g.bench_function(format!("fory177_{m}_field_array"), |b| {
            b.iter(|| {
                fy.deserialize::<peer::F64FieldArray>(black_box(&array))
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = f64_vec
}
criterion_main!(benches);
