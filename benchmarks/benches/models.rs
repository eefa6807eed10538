//! fory-rs vs `fory` 1.7.7 (both modes) vs bincode / postcard / rmp-serde on
//! Apache Fory's benchmark models. One criterion group per model and
//! direction, so the seven codecs run side by side:
//!
//! * `<Model>/ser`: value → fresh `Vec<u8>` (each library's plain API),
//! * `<Model>/ser_into`: value → appended to a reused, cleared buffer,
//! * `<Model>/de`: bytes → owned value (and `ours_view_*`: bytes → this
//!   project's borrowing view of the model, `&str` / `Cow<[T]>` fields).
//!
//! `cargo bench --bench models` (from `benchmarks/`); filter with a regex,
//! e.g. `cargo bench --bench models -- 'Sample/'`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use fory_rs_benchmarks::codecs::{
    bincode2, postcard1, rmp, verify_all, Case, Forys, MediaContentCase, MediaContentListCase,
    NumericStructCase, NumericStructListCase, SampleCase, SampleListCase,
};

fn bench_case<C: Case>(c: &mut Criterion, f: &Forys) {
    let (o, p, s) = (C::ours(), C::peer(), C::plain());

    let mut g = c.benchmark_group(format!("{}/ser", C::NAME));
    g.bench_function("ours_consistent", |b| {
        b.iter(|| f.ours_consistent.serialize(black_box(&o)).unwrap())
    });
    g.bench_function("ours_compat", |b| {
        b.iter(|| f.ours_compat.serialize(black_box(&o)).unwrap())
    });
    g.bench_function("fory177_consistent", |b| {
        b.iter(|| f.peer_consistent.serialize(black_box(&p)).unwrap())
    });
    g.bench_function("fory177_compat", |b| {
        b.iter(|| f.peer_compat.serialize(black_box(&p)).unwrap())
    });
    g.bench_function("bincode", |b| b.iter(|| bincode2::ser(black_box(&s))));
    g.bench_function("postcard", |b| b.iter(|| postcard1::ser(black_box(&s))));
    g.bench_function("rmp_serde", |b| b.iter(|| rmp::ser(black_box(&s))));
    g.finish();

    let mut g = c.benchmark_group(format!("{}/ser_into", C::NAME));
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    g.bench_function("ours_consistent", |b| {
        b.iter(|| {
            buf.clear();
            f.ours_consistent
                .serialize_into(black_box(&o), &mut buf)
                .unwrap();
        })
    });
    g.bench_function("ours_compat", |b| {
        b.iter(|| {
            buf.clear();
            f.ours_compat
                .serialize_into(black_box(&o), &mut buf)
                .unwrap();
        })
    });
    g.bench_function("fory177_consistent", |b| {
        b.iter(|| {
            buf.clear();
            f.peer_consistent
                .serialize_to(&mut buf, black_box(&p))
                .unwrap();
        })
    });
    g.bench_function("fory177_compat", |b| {
        b.iter(|| {
            buf.clear();
            f.peer_compat.serialize_to(&mut buf, black_box(&p)).unwrap();
        })
    });
    g.bench_function("bincode", |b| {
        b.iter(|| {
            buf.clear();
            bincode2::ser_into(black_box(&s), &mut buf);
        })
    });
    g.bench_function("postcard", |b| {
        b.iter(|| {
            buf.clear();
            postcard1::ser_into(black_box(&s), &mut buf);
        })
    });
    g.bench_function("rmp_serde", |b| {
        b.iter(|| {
            buf.clear();
            rmp::ser_into(black_box(&s), &mut buf);
        })
    });
    g.finish();

    let oc = f.ours_consistent.serialize(&o).unwrap();
    let om = f.ours_compat.serialize(&o).unwrap();
    let pc = f.peer_consistent.serialize(&p).unwrap();
    let pm = f.peer_compat.serialize(&p).unwrap();
    let (bc, pb, rm) = (bincode2::ser(&s), postcard1::ser(&s), rmp::ser(&s));
    let mut g = c.benchmark_group(format!("{}/de", C::NAME));
    g.bench_function("ours_consistent", |b| {
        b.iter(|| {
            f.ours_consistent
                .deserialize::<C::Ours>(black_box(&oc))
                .unwrap()
        })
    });
    g.bench_function("ours_compat", |b| {
        b.iter(|| {
            f.ours_compat
                .deserialize::<C::Ours>(black_box(&om))
                .unwrap()
        })
    });
    g.bench_function("ours_view_consistent", |b| {
        b.iter(|| {
            f.view(false)
                .deserialize::<C::View<'_>>(black_box(&oc))
                .unwrap()
        })
    });
    g.bench_function("ours_view_compat", |b| {
        b.iter(|| {
            f.view(true)
                .deserialize::<C::View<'_>>(black_box(&om))
                .unwrap()
        })
    });
    g.bench_function("fory177_consistent", |b| {
        b.iter(|| {
            f.peer_consistent
                .deserialize::<C::Peer>(black_box(&pc))
                .unwrap()
        })
    });
    g.bench_function("fory177_compat", |b| {
        b.iter(|| {
            f.peer_compat
                .deserialize::<C::Peer>(black_box(&pm))
                .unwrap()
        })
    });
    g.bench_function("bincode", |b| {
        b.iter(|| bincode2::de::<C::Plain>(black_box(&bc)))
    });
    g.bench_function("postcard", |b| {
        b.iter(|| postcard1::de::<C::Plain>(black_box(&pb)))
    });
    g.bench_function("rmp_serde", |b| {
        b.iter(|| rmp::de::<C::Plain>(black_box(&rm)))
    });
    g.finish();
}

fn models(c: &mut Criterion) {
    let f = Forys::default();
    // every codec must round-trip every model before anything is timed
    for r in verify_all(&f) {
        eprintln!(
            "{:<18} sizes {:?}; same bytes as fory177 (consistent, compat) {:?}",
            r.name, r.sizes, r.same_bytes
        );
    }
    bench_case::<NumericStructCase>(c, &f);
    bench_case::<SampleCase>(c, &f);
    bench_case::<MediaContentCase>(c, &f);
    bench_case::<NumericStructListCase>(c, &f);
    bench_case::<SampleListCase>(c, &f);
    bench_case::<MediaContentListCase>(c, &f);
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
    targets = models
}
criterion_main!(benches);
