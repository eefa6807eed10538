//! Typed serialization of plain Rust types: exact bytes, round trips,
//! reading pyfory's vectors, references and zero-copy buffers.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use fory_core::{Date, Decimal, Duration, Error, Fory, Placement, Timestamp};

use fory_tests::vectors_dir;

fn hex_of<T: fory_core::Serialize>(fory: &Fory, v: &T) -> String {
    hex::encode(fory.serialize(v).unwrap())
}

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(vectors_dir().join(format!("{name}.bin"))).unwrap()
}

#[test]
fn golden_bytes() {
    let f = Fory::builder().build();
    assert_eq!(hex_of(&f, &1i32), "01ff0502");
    assert_eq!(hex_of(&f, &300i64), "01ff07d804");
    assert_eq!(hex_of(&f, &1i16), "01ff030100");
    assert_eq!(hex_of(&f, &1u32), "01ff0c01");
    assert_eq!(hex_of(&f, &1.5f32), "01ff130000c03f");
    assert_eq!(hex_of(&f, &1.5f64), "01ff14000000000000f83f");
    assert_eq!(hex_of(&f, &true), "01ff0101");
    assert_eq!(hex_of(&f, &"abc".to_string()), "01ff150c616263");
    assert_eq!(
        hex_of(&f, &vec![1i32, 2, 3]),
        "01ff2e0c010000000200000003000000"
    );
    assert_eq!(hex_of(&f, &vec![0x61u8, 0x62]), "01ff29026162");
    assert_eq!(hex_of(&f, &Some(5i32)), "01ff050a");
    assert_eq!(hex_of(&f, &None::<i32>), "01fd");
    assert_eq!(
        hex_of(&f, &vec!["a".to_string(), "b".to_string()]),
        "01ff1602081504610462"
    );
    assert_eq!(hex_of(&f, &vec![Some(1i64), None]), "01ff16020a07ff02fd");
    assert_eq!(hex_of(&f, &Date { days: 19724 }), "01ff2798b402");
    assert_eq!(
        hex_of(
            &f,
            &Timestamp {
                seconds: 1,
                nanos: 500_000_000
            }
        ),
        "01ff2601000000000000000065cd1d"
    );
    assert_eq!(
        hex_of(
            &f,
            &Duration {
                seconds: -1,
                nanos: 500_000_000
            }
        ),
        "01ff25010065cd1d"
    );
    assert_eq!(
        hex_of(
            &f,
            &Decimal {
                unscaled: 123.into(),
                scale: 2
            }
        ),
        "01ff2804ec03"
    );
    let mut m = BTreeMap::new();
    m.insert("a".to_string(), 1i64);
    assert_eq!(hex_of(&f, &m), "01ff180100011507046102");
}

#[test]
fn reads_pyfory_vectors_as_rust_types() {
    let f = Fory::builder().compatible(false).build();
    assert_eq!(
        f.deserialize::<Vec<i64>>(&vector("list_ints")).unwrap(),
        [1, 2, 3]
    );
    assert_eq!(
        f.deserialize::<Vec<String>>(&vector("list_strings"))
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        f.deserialize::<Vec<Option<i64>>>(&vector("list_with_nulls"))
            .unwrap(),
        [Some(1), None, Some(3)]
    );
    let m: HashMap<String, i64> = f.deserialize(&vector("map_str_int")).unwrap();
    assert_eq!(m["a"], 1);
    let s: HashSet<i64> = f.deserialize(&vector("set_ints")).unwrap();
    assert!(s.contains(&1));
    let b: BTreeSet<String> = f.deserialize(&vector("set_strings")).unwrap();
    assert!(b.contains("apple"));
    assert_eq!(
        f.deserialize::<Vec<u8>>(&vector("binary_all_bytes"))
            .unwrap(),
        (0..=255u8).collect::<Vec<_>>()
    );
    assert_eq!(
        f.deserialize::<Vec<i32>>(&vector("array_int32_empty"))
            .unwrap(),
        Vec::<i32>::new()
    );
    assert_eq!(
        f.deserialize::<Date>(&vector("date_2024_01_02")).unwrap(),
        Date { days: 19724 }
    );
    assert_eq!(
        f.deserialize::<String>(&vector("string_empty")).unwrap(),
        ""
    );
    let m: HashMap<String, Option<i64>> = f.deserialize(&vector("map_null_values")).unwrap();
    assert_eq!(m.len(), 3);
    assert!(m.values().any(Option::is_none));
    // a top-level Python int is VARINT64: an i8 reads it when it fits, else a typed error
    assert!(matches!(
        f.deserialize::<i8>(&vector("int_varint64_m9223372036854775808")),
        Err(Error::InvalidData { .. })
    ));
    assert!(matches!(
        f.deserialize::<String>(&vector("list_ints")),
        Err(Error::TypeMismatch { .. })
    ));
}

#[test]
fn shared_references_keep_identity() {
    let f = Fory::builder().ref_tracking(true).compatible(false).build();
    let v: Vec<Rc<Vec<i64>>> = f.deserialize(&vector("ref_shared_list")).unwrap();
    assert_eq!(*v[0], vec![1, 2, 3]);
    assert!(Rc::ptr_eq(&v[0], &v[1]));
    let shared = Arc::new("x".to_string());
    let bytes = f
        .serialize(&vec![
            shared.clone(),
            shared.clone(),
            Arc::new("y".to_string()),
        ])
        .unwrap();
    let back: Vec<Arc<String>> = f.deserialize(&bytes).unwrap();
    assert!(Arc::ptr_eq(&back[0], &back[1]) && !Arc::ptr_eq(&back[0], &back[2]));
    assert_eq!(*back[2], "y");
}

#[test]
fn round_trips() {
    for f in [
        Fory::builder().build(),
        Fory::builder().ref_tracking(true).build(),
    ] {
        let mut m: HashMap<String, Vec<f64>> = HashMap::new();
        m.insert("k".into(), vec![1.0, f64::MIN_POSITIVE, -0.0]);
        let back: HashMap<String, Vec<f64>> = f.deserialize(&f.serialize(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        let big: BTreeMap<i32, String> = (0..600).map(|i| (i, format!("v{i}"))).collect();
        assert_eq!(
            f.deserialize::<BTreeMap<i32, String>>(&f.serialize(&big).unwrap())
                .unwrap(),
            big
        );
        let nested = vec![vec![Some("é".to_string()), None], vec![]];
        assert_eq!(
            f.deserialize::<Vec<Vec<Option<String>>>>(&f.serialize(&nested).unwrap())
                .unwrap(),
            nested
        );
        let d = Decimal {
            unscaled: "-98765432109876543210123456789".parse().unwrap(),
            scale: 10,
        };
        assert_eq!(
            f.deserialize::<Decimal>(&f.serialize(&d).unwrap()).unwrap(),
            d
        );
        let halfs = vec![half::f16::from_f32(1.5), half::f16::NAN];
        let back: Vec<half::f16> = f.deserialize(&f.serialize(&halfs).unwrap()).unwrap();
        assert_eq!(back[0], halfs[0]);
        assert!(back[1].is_nan());
    }
}

#[test]
fn out_of_band_buffers_are_zero_copy() {
    let f = Fory::builder().build();
    let payload: Vec<Vec<u8>> = vec![vec![7u8; 1000], vec![], vec![9u8; 10]];
    let mut objs = Vec::new();
    let mut calls = 0;
    let stream = f
        .serialize_with_callback(&payload, |b| {
            calls += 1;
            // alternate: even calls in-band, odd calls out-of-band
            if calls % 2 == 0 {
                objs.push(b);
                Placement::OutOfBand
            } else {
                Placement::InBand
            }
        })
        .unwrap();
    assert_eq!(stream[0], 0x03);
    let bufs: Vec<&[u8]> = objs.iter().map(|b| b.as_bytes()).collect();
    // the buffer handed out is the value's own memory
    assert_eq!(bufs[0].as_ptr(), payload[1].as_ptr());
    let back: Vec<&[u8]> = f.deserialize_with_buffers(&stream, &bufs).unwrap();
    assert_eq!(back, [&payload[0][..], &payload[1][..], &payload[2][..]]);
    // in-band data borrows the stream, out-of-band data borrows the supplied buffer
    let in_stream = |p: *const u8| stream.as_ptr_range().contains(&p);
    assert!(in_stream(back[0].as_ptr()));
    assert_eq!(back[1].as_ptr(), bufs[0].as_ptr());
    // all out-of-band: every view points into its own buffer
    let data = vec![vec![1u8; 64], vec![2u8; 64]];
    let mut owned = Vec::new();
    let stream = f
        .serialize_with_callback(&data, |b| {
            owned.push(b.to_bytes());
            Placement::OutOfBand
        })
        .unwrap();
    assert_eq!(hex::encode(&stream), "03ff160208290000");
    let back: Vec<&[u8]> = f.deserialize_with_buffers(&stream, &owned).unwrap();
    assert_eq!(back[0].as_ptr(), owned[0].as_ptr());
    assert_eq!(back[1].as_ptr(), owned[1].as_ptr());
    // errors: missing, extra, unexpected buffers
    let none: [&[u8]; 0] = [];
    assert!(matches!(
        f.deserialize_with_buffers::<Vec<&[u8]>, _>(&stream, &none),
        Err(Error::OutOfBand { .. })
    ));
    assert!(matches!(
        f.deserialize::<Vec<&[u8]>>(&stream),
        Err(Error::OutOfBand { .. })
    ));
    let extra = [owned[0].clone(), owned[1].clone(), owned[0].clone()];
    assert!(matches!(
        f.deserialize_with_buffers::<Vec<&[u8]>, _>(&stream, &extra),
        Err(Error::OutOfBand { .. })
    ));
}

#[test]
fn bytes_fields_share_supplied_buffers() {
    let f = Fory::builder().build();
    let data = vec![
        bytes::Bytes::from(vec![5u8; 4096]),
        bytes::Bytes::from_static(b"tiny"),
    ];
    let mut out = Vec::new();
    let stream = f
        .serialize_with_callback(&data, |b| {
            out.push(b.to_bytes());
            Placement::OutOfBand
        })
        .unwrap();
    // to_bytes() of a borrowed buffer copies once; the decoder then shares that copy
    let back: Vec<bytes::Bytes> = f.deserialize_with_shared_buffers(&stream, &out).unwrap();
    assert_eq!(back, data);
    assert_eq!(back[0].as_ptr(), out[0].as_ptr());
    assert_eq!(back[1].as_ptr(), out[1].as_ptr());
    // from plain slices a `Bytes` field copies
    let slices: Vec<&[u8]> = out.iter().map(|b| &b[..]).collect();
    let copied: Vec<bytes::Bytes> = f.deserialize_with_buffers(&stream, &slices).unwrap();
    assert_eq!(copied, data);
    assert_ne!(copied[0].as_ptr(), out[0].as_ptr());
}

#[test]
fn tuples_are_lists() {
    let f = Fory::builder().build();
    // the Rust peer's bytes for (1i32, "a"), with our Latin-1 string
    assert_eq!(hex_of(&f, &(1i32, "a".to_string())), "01ff1602000502150461");
    // pyfory's tuple (1, 'a') reads as (i64, String)
    let t: (i64, String) = f.deserialize(&vector("pyquirk_tuple_as_list")).unwrap();
    assert_eq!(t, (1, "a".to_string()));
    let v = (Some(2u8), None::<String>, vec![1.5f64], 'x' as u32);
    let back: (Option<u8>, Option<String>, Vec<f64>, u32) =
        f.deserialize(&f.serialize(&v).unwrap()).unwrap();
    assert_eq!(back, v);
    assert!(matches!(
        f.deserialize::<(i64,)>(&vector("pyquirk_tuple_as_list")),
        Err(Error::InvalidData { .. })
    ));
}
