//! Arrays as fields of `#[derive(fory_core::Fory)]` structs: extension
//! arrays are fields of type `any` (type meta before the body), 1-D `Nd`
//! fields are dense arrays; a borrowing struct reads the same stream without
//! copying; golden bytes pin the wire form.

mod common;

use common::*;
use fory_core::Fory;
use fory_ndarray::{Nd, NdExt};
use half::f16;
use ndarray::{array, Array1, Array2, Array3, ArrayD, ArrayView1, ArrayView2, ArrayView3, IxDyn};

#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Sample")]
struct Sample {
    id: i32,
    image: Nd<Array3<u8>>,
    weights: Nd<Array2<f32>>,
    series: Nd<Array1<f64>>,
    mask: Option<Nd<Array2<bool>>>,
    tensors: Vec<NdExt<ArrayD<f16>>>,
    label: String,
}

#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(name = "example.Sample")]
struct SampleView<'a> {
    id: i32,
    image: Nd<ArrayView3<'a, u8>>,
    weights: Nd<ArrayView2<'a, f32>>,
    series: Nd<Array1<f64>>,
    mask: Option<Nd<Array2<bool>>>,
    tensors: Vec<NdExt<ArrayD<f16>>>,
    label: String,
}

fn sample() -> Sample {
    Sample {
        id: 7,
        image: Nd(Array3::from_shape_fn((4, 5, 3), |(i, j, k)| {
            (i * 15 + j * 3 + k) as u8
        })),
        weights: Nd(
            Array2::from_shape_fn((3, 2), |(i, j)| i as f32 - j as f32 * 0.5).reversed_axes(),
        ),
        series: Nd(Array1::linspace(0.0, 1.0, 5)),
        mask: Some(Nd(array![[true, false], [false, true]])),
        tensors: vec![
            NdExt(ArrayD::from_elem(IxDyn(&[2, 2, 2]), f16::from_f32(1.5))),
            NdExt(ArrayD::from_elem(IxDyn(&[3]), f16::from_f32(-2.0))),
        ],
        label: "cat".into(),
    }
}

fn fory_with_sample(compatible: bool) -> Fory {
    fory_ndarray::register(Fory::builder().compatible(compatible))
        .unwrap()
        .register_struct::<Sample>()
        .unwrap()
        .build()
}

#[test]
fn derived_structs_round_trip_in_every_placement() {
    for compatible in [false, true] {
        let fory = fory_with_sample(compatible);
        let s = sample();
        for place in Place::ALL {
            let (stream, bufs) = write(&fory, &s, place);
            // image, weights, mask and both tensors are buffer objects; series is dense
            assert_eq!(bufs.len(), if place == Place::OutOfBand { 5 } else { 0 });
            let back: Sample = if place == Place::NoCallback {
                fory.deserialize(&stream)
            } else {
                fory.deserialize_with_buffers(&stream, &bufs)
            }
            .unwrap();
            assert_eq!(back, s, "compatible={compatible} {place:?}");
            if place == Place::OutOfBand {
                let view: SampleView = fory.deserialize_with_buffers(&stream, &bufs).unwrap();
                let in_bufs = |p: *const u8| bufs.iter().any(|b| b.as_ptr_range().contains(&p));
                assert!(in_bufs(view.image.as_ptr()));
                assert!(in_bufs(view.weights.as_ptr().cast()));
                assert_eq!(view.image.0, s.image.0);
                assert_eq!(view.weights.0, s.weights.0);
                assert_eq!(view.label, "cat");
            }
        }
    }
}

#[test]
fn missing_fields_default_to_empty_arrays() {
    #[derive(fory_core::Fory, Debug, Default, PartialEq)]
    #[fory(name = "example.Old")]
    struct Old {
        id: i32,
    }
    #[derive(fory_core::Fory, Debug, Default, PartialEq)]
    #[fory(name = "example.Old")]
    struct New<'a> {
        id: i32,
        grid: Nd<ArrayView2<'a, f64>>,
        line: Nd<ArrayView1<'a, u16>>,
        scalar: Nd<ndarray::Array0<i8>>,
    }
    let w = Fory::builder().register_struct::<Old>().unwrap().build();
    let r = fory_ndarray::register(Fory::builder())
        .unwrap()
        .register_struct::<New>()
        .unwrap()
        .build();
    let bytes = w.serialize(&Old { id: 3 }).unwrap();
    let new: New = r.deserialize(&bytes).unwrap();
    assert_eq!(new.id, 3);
    assert_eq!(new.grid.shape(), [0, 0]);
    assert_eq!(new.line.shape(), [0]);
    assert_eq!(new.scalar.0.into_scalar(), 0);
}

#[test]
fn golden_bytes() {
    let fory = fory(false);
    // a 2x2 int16 array, C order, schema-consistent mode:
    // 01 ff                    header (xlang), ref flag (not null)
    // 20 0601 15d1c0 0a01 34608c4180   NAMED_EXT + inline meta strings "fory", "ndarray"
    //                          (byte-identical to pyfory's type meta for this name)
    // 01 03 00 02 02 02        version 1, INT16, C order, ndim 2, shape 2 2
    // 01 00                    one padding byte: the data starts at offset 24
    // 08 0100020003000400      buffer object: length 8, then the elements
    let a = array![[1i16, 2], [3, 4]];
    let meta = "01ff20060115d1c00a0134608c4180";
    let bytes = fory.serialize(&Nd(a.view())).unwrap();
    assert_eq!(
        hex::encode(&bytes),
        format!("{meta}0103000202020100080100020003000400")
    );
    // F order (the transpose's memory): the order byte flips, the bytes stay
    let bytes = fory.serialize(&Nd(a.t())).unwrap();
    assert_eq!(
        hex::encode(&bytes),
        format!("{meta}0103010202020100080100020003000400")
    );
    // out-of-band: header bit 2, no padding needed (the data would start at
    // 24), and the in-band flag 0 replaces length and data
    let (stream, bufs) = write(&fory, &Nd(a.view()), Place::OutOfBand);
    assert_eq!(
        hex::encode(&stream),
        format!("03{}0103000202020000", &meta[2..])
    );
    assert_eq!(bufs, [vec![1, 0, 2, 0, 3, 0, 4, 0]]);
    // a one-dimensional Nd is the dense array pyfory writes for np.array([1.0, 2.0])
    let v = array![1.0f64, 2.0];
    assert_eq!(
        hex::encode(fory.serialize(&Nd(v.view())).unwrap()),
        "01ff3810000000000000f03f0000000000000040"
    );
    // compatible mode: NAMED_EXT + a kind-3 TypeDef, as pyfory writes it
    let compat = fory_ndarray::register(Fory::builder()).unwrap().build();
    let bytes = compat.serialize(&Nd(a.view())).unwrap();
    assert!(
        hex::encode(&bytes).starts_with("01ff20000b40f1dc95a81c20030d15d1c01534608c4180"),
        "{}",
        hex::encode(&bytes)
    );
}
