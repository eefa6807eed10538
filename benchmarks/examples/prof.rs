//! Profiling loop: `cargo run --release --example prof -- <model> <ser|serv|de> <consistent|compat> [iters] [ours|peer|view]`
//! (`view`: `de` into the borrowing twin of the model, `views`)
//! (`ser` appends to a reused buffer, `serv` returns a fresh `Vec`).
use std::hint::black_box;

use fory_rs_benchmarks::codecs::{
    Case, Forys, MediaContentCase, MediaContentListCase, NumericStructCase, NumericStructListCase,
    SampleCase, SampleListCase,
};

fn run<C: Case>(f: &Forys, dir: &str, compat: bool, iters: usize, who: &str) {
    let (fo, fp) = if compat {
        (&f.ours_compat, &f.peer_compat)
    } else {
        (&f.ours_consistent, &f.peer_consistent)
    };
    let (o, p) = (C::ours(), C::peer());
    let mut buf = Vec::with_capacity(1 << 16);
    let t = std::time::Instant::now();
    match (dir, who) {
        ("ser", "ours") => {
            for _ in 0..iters {
                buf.clear();
                fo.serialize_into(black_box(&o), &mut buf).unwrap();
            }
        }
        ("serv", "ours") => {
            for _ in 0..iters {
                black_box(fo.serialize(black_box(&o)).unwrap());
            }
        }
        ("serv", _) => {
            for _ in 0..iters {
                black_box(fp.serialize(black_box(&p)).unwrap());
            }
        }
        ("de", "ours") => {
            let b = fo.serialize(&o).unwrap();
            for _ in 0..iters {
                black_box(fo.deserialize::<C::Ours>(black_box(&b)).unwrap());
            }
        }
        ("de", "view") => {
            let b = fo.serialize(&o).unwrap();
            let fv = f.view(compat);
            for _ in 0..iters {
                black_box(fv.deserialize::<C::View<'_>>(black_box(&b)).unwrap());
            }
        }
        ("ser", _) => {
            for _ in 0..iters {
                buf.clear();
                fp.serialize_to(&mut buf, black_box(&p)).unwrap();
            }
        }
        _ => {
            let b = fp.serialize(&p).unwrap();
            for _ in 0..iters {
                black_box(fp.deserialize::<C::Peer>(black_box(&b)).unwrap());
            }
        }
    }
    let ns = t.elapsed().as_nanos() as f64 / iters as f64;
    println!(
        "{} {dir} {} {who}: {ns:.1} ns",
        C::NAME,
        if compat { "compat" } else { "consistent" }
    );
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let f = Forys::default();
    let iters = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let who = a.get(5).map(String::as_str).unwrap_or("ours");
    let compat = a[3] == "compat";
    match a[1].as_str() {
        "NumericStruct" => run::<NumericStructCase>(&f, &a[2], compat, iters, who),
        "Sample" => run::<SampleCase>(&f, &a[2], compat, iters, who),
        "MediaContent" => run::<MediaContentCase>(&f, &a[2], compat, iters, who),
        "NumericStructList" => run::<NumericStructListCase>(&f, &a[2], compat, iters, who),
        "SampleList" => run::<SampleListCase>(&f, &a[2], compat, iters, who),
        _ => run::<MediaContentListCase>(&f, &a[2], compat, iters, who),
    }
}
