//! Prints where this project's bytes differ from `fory` 1.7.7's for the
//! same model and mode (the sizes are identical; see the roundtrip test).
//! `cargo run --release --example diff_bytes`

use fory_rs_benchmarks::codecs::{Case, Forys, MediaContentCase, NumericStructCase, SampleCase};

fn show<C: Case>(f: &Forys) {
    for (mode, o, p) in [
        (
            "consistent",
            f.ours_consistent.serialize(&C::ours()).unwrap(),
            f.peer_consistent.serialize(&C::peer()).unwrap(),
        ),
        (
            "compat",
            f.ours_compat.serialize(&C::ours()).unwrap(),
            f.peer_compat.serialize(&C::peer()).unwrap(),
        ),
    ] {
        let diffs: Vec<usize> = (0..o.len().min(p.len()))
            .filter(|&i| o[i] != p[i])
            .collect();
        println!(
            "{} {mode}: {} vs {} bytes, {} differ",
            C::NAME,
            o.len(),
            p.len(),
            diffs.len()
        );
        let mut last = None;
        for &i in &diffs {
            if last.is_some_and(|l| i < l + 8) {
                continue;
            }
            last = Some(i);
            let lo = i.saturating_sub(4);
            let hi = (i + 12).min(o.len());
            println!(
                "  @{i}: ours {:02x?}\n  @{i}: peer {:02x?}",
                &o[lo..hi],
                &p[lo..hi]
            );
        }
    }
}

fn main() {
    let f = Forys::default();
    show::<NumericStructCase>(&f);
    show::<SampleCase>(&f);
    show::<MediaContentCase>(&f);
}
