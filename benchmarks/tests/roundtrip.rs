//! Every codec round-trips every model to an equal value (the benches check
//! this again before timing anything). Also reports, without failing, whether
//! this project and `fory` 1.7.7 write the same bytes and read each other's.

use fory_rs_benchmarks::codecs::{verify_all, Forys};
use fory_rs_benchmarks::{data, ours, peer};

#[test]
fn every_codec_round_trips_every_model() {
    let f = Forys::default();
    for r in verify_all(&f) {
        println!("{} sizes: {:?}", r.name, r.sizes);
        for (i, mode) in ["consistent", "compat"].into_iter().enumerate() {
            println!(
                "  {mode}: same bytes as fory177: {}; ours reads fory177: {:?}; fory177 reads ours: {:?}",
                r.same_bytes[i], r.cross_read[i].0, r.cross_read[i].1
            );
        }
    }
}

#[test]
fn f64_vec_round_trips_at_root_and_in_a_field() {
    let f = Forys::default();
    let v: Vec<f64> = data::f64_values().into_iter().take(1000).collect();
    for fy in [&f.ours_consistent, &f.ours_compat] {
        assert_eq!(
            fy.deserialize::<Vec<f64>>(&fy.serialize(&v).unwrap())
                .unwrap(),
            v
        );
        let s = ours::F64Field { values: v.clone() };
        assert_eq!(
            fy.deserialize::<ours::F64Field>(&fy.serialize(&s).unwrap())
                .unwrap(),
            s
        );
    }
    for fy in [&f.peer_consistent, &f.peer_compat] {
        assert_eq!(
            fy.deserialize::<Vec<f64>>(&fy.serialize(&v).unwrap())
                .unwrap(),
            v
        );
        let s = peer::F64Field { values: v.clone() };
        assert_eq!(
            fy.deserialize::<peer::F64Field>(&fy.serialize(&s).unwrap())
                .unwrap(),
            s
        );
        let a = peer::F64FieldArray { values: v.clone() };
        assert_eq!(
            fy.deserialize::<peer::F64FieldArray>(&fy.serialize(&a).unwrap())
                .unwrap(),
            a
        );
    }
}
