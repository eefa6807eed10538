//! Round trips of every element type × dimensionality (Ix0…Ix6, IxDyn) ×
//! memory layout (C, F, strided with a negative stride) × placement (no
//! callback, in-band, out-of-band) × read target (Array, ArcArray,
//! ArrayView, CowArray, RawArray), in both struct modes, plus a property test
//! over random shapes and slicings.

mod common;

use common::*;
use fory_core::{Deserialize, Fory};
use fory_ndarray::{Nd, NdExt, Order, RawArray};
use ndarray::{
    ArcArray, Array, ArrayView, CowArray, Dimension, Ix0, Ix1, Ix2, Ix3, Ix4, Ix5, Ix6, IxDyn,
};
use proptest::prelude::*;

fn read<'de, T: Deserialize<'de>>(
    fory: &'de Fory,
    stream: &'de [u8],
    bufs: &'de [Vec<u8>],
    place: Place,
) -> T {
    match place {
        Place::NoCallback => fory.deserialize(stream),
        _ => fory.deserialize_with_buffers(stream, bufs),
    }
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Reads `stream` into every target and checks the contents.
fn check_reads<A: TestElem, D: Dimension>(
    fory: &Fory,
    stream: &[u8],
    bufs: &[Vec<u8>],
    place: Place,
    shape: &[usize],
    dense: bool,
    what: &str,
) {
    let want = expected::<A>(shape).into_dimensionality::<D>().unwrap();
    let owned: Nd<Array<A, D>> = read(fory, stream, bufs, place);
    assert_eq!(owned.0, want, "{what}: Array");
    let arc: Nd<ArcArray<A, D>> = read(fory, stream, bufs, place);
    assert_eq!(arc.0, want, "{what}: ArcArray");
    let cow: Nd<CowArray<A, D>> = read(fory, stream, bufs, place);
    assert_eq!(cow.0, want, "{what}: CowArray");
    let dynamic: NdExt<Array<A, IxDyn>> = read(fory, stream, bufs, place);
    assert_eq!(dynamic.0, want.clone().into_dyn(), "{what}: IxDyn");
    let raw: RawArray = read(fory, stream, bufs, place);
    assert_eq!(raw.dtype(), A::DTYPE);
    assert_eq!(raw.shape(), shape, "{what}: RawArray");
    // a view borrows: the out-of-band buffer, or the stream (aligned by the
    // payload's padding; dense arrays have none, so they may be unaligned)
    let view: Result<Nd<ArrayView<A, D>>, _> = match place {
        Place::NoCallback => fory.deserialize(stream),
        _ => fory.deserialize_with_buffers(stream, bufs),
    };
    match view {
        Ok(view) => {
            assert_eq!(view.0, want, "{what}: ArrayView");
            if !view.is_empty() {
                let p = view.as_ptr().cast::<u8>();
                let inside = |b: &[u8]| b.as_ptr_range().contains(&p);
                assert!(
                    inside(stream) || bufs.iter().any(|b| inside(b)),
                    "{what}: the view does not borrow the input"
                );
            }
        }
        Err(e) => {
            assert!(
                dense && std::mem::align_of::<A>() > 1,
                "{what}: view failed: {e}"
            );
            assert!(e.to_string().contains("not aligned"), "{e}");
        }
    }
    if std::mem::size_of::<A>() > 1 && !dense && !raw.data().is_empty() {
        // in-band extension data is padded to an aligned offset
        assert!(
            raw.data().as_ptr().align_offset(std::mem::align_of::<A>()) == 0,
            "{what}: in-band data not aligned"
        );
    }
}

fn case<A: TestElem, D: Dimension>(fory: &Fory, shape: &[usize], layout: Layout, place: Place) {
    let laid = Laid::<A>::new(shape, layout);
    let v: ArrayView<A, D> = laid.view_as::<D>();
    let what = format!(
        "{} {:?} {} {place:?} compatible={}",
        A::DTYPE,
        shape,
        layout.name(),
        fory.config().compatible
    );

    // Nd: dense for Ix1, the extension otherwise
    let (stream, bufs) = write(fory, &Nd(v.view()), place);
    let dense = Nd::<ArrayView<A, D>>::is_dense();
    assert_eq!(
        stream[2],
        if dense {
            A::DTYPE.dense_array_type()
        } else {
            0x20
        },
        "{what}"
    );
    let expect_bufs = usize::from(place == Place::OutOfBand && !dense);
    assert_eq!(bufs.len(), expect_bufs, "{what}");
    check_reads::<A, D>(fory, &stream, &bufs, place, shape, dense, &what);

    // NdExt: always the extension; `&Array` writes without moving
    let (stream, bufs) = write(fory, &NdExt(&v), place);
    assert_eq!(stream[2], 0x20, "{what}");
    assert_eq!(bufs.len(), usize::from(place == Place::OutOfBand), "{what}");
    check_reads::<A, D>(fory, &stream, &bufs, place, shape, false, &what);

    // an F-order array keeps its order through an owned read
    if layout == Layout::F && shape.len() > 1 && v.len() > 1 {
        let raw: RawArray = read(fory, &stream, &bufs, place);
        assert_eq!(raw.order(), Order::F, "{what}");
        let back: Nd<Array<A, D>> = read(fory, &stream, &bufs, place);
        assert!(back.t().is_standard_layout(), "{what}: F order lost");
    }
}

fn every_dim<A: TestElem>(fory: &Fory) {
    for layout in Layout::ALL {
        for place in Place::ALL {
            macro_rules! dims {
                ($($n:literal => $d:ty),*) => {$(
                    for shape in shapes($n) {
                        case::<A, $d>(fory, &shape, layout, place);
                        case::<A, IxDyn>(fory, &shape, layout, place);
                    }
                )*};
            }
            dims!(0 => Ix0, 1 => Ix1, 2 => Ix2, 3 => Ix3, 4 => Ix4, 5 => Ix5, 6 => Ix6);
        }
    }
}

#[test]
fn every_dtype_dim_layout_and_placement_schema_consistent() {
    let fory = fory(false);
    for_each_elem!(every_dim(&fory));
}

#[test]
fn every_dtype_dim_layout_and_placement_compatible() {
    let fory = fory(true);
    for_each_elem!(every_dim(&fory));
}

#[test]
fn containers_of_arrays() {
    let fory = fory(true);
    let a = Laid::<f32>::new(&[2, 3], Layout::C);
    let b = Laid::<f32>::new(&[3, 2], Layout::F);
    let list = vec![Nd(a.view_as::<Ix2>()), Nd(b.view_as::<Ix2>())];
    for place in Place::ALL {
        let (stream, bufs) = write(&fory, &list, place);
        let back: Vec<Nd<Array<f32, Ix2>>> = read(&fory, &stream, &bufs, place);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].0, a.view_as::<Ix2>());
        assert_eq!(back[1].0, b.view_as::<Ix2>());
        assert_eq!(bufs.len(), if place == Place::OutOfBand { 2 } else { 0 });
    }
    let maybe: Option<Nd<Array<i64, Ix2>>> = None;
    let stream = fory.serialize(&maybe).unwrap();
    assert_eq!(
        fory.deserialize::<Option<Nd<Array<i64, Ix2>>>>(&stream)
            .unwrap(),
        None
    );
    let some = Some(Nd(Array::from_elem((2, 2), 7i64)));
    let stream = fory.serialize(&some).unwrap();
    assert_eq!(
        fory.deserialize::<Option<Nd<Array<i64, Ix2>>>>(&stream)
            .unwrap(),
        some
    );
}

#[test]
fn reference_tracking_streams_read_back() {
    let fory = fory_ndarray::register(Fory::builder().ref_tracking(true))
        .unwrap()
        .build();
    let a = Nd(Array::from_shape_fn((3, 3), |(i, j)| (i * 3 + j) as u16));
    for place in Place::ALL {
        let (stream, bufs) = write(&fory, &a, place);
        let back: Nd<Array<u16, Ix2>> = read(&fory, &stream, &bufs, place);
        assert_eq!(back, a);
    }
}

fn slice_for(shape: &[usize], steps: &[isize]) -> Vec<ndarray::Slice> {
    shape
        .iter()
        .zip(steps)
        .map(|(_, &s)| ndarray::Slice::new(0, None, s))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random shapes, random per-axis steps (±1, ±2, ±3), optionally
    /// transposed, random placement: every read target gets the same values.
    #[test]
    fn random_slicings_round_trip(
        shape in prop::collection::vec(0usize..5, 0..5),
        steps in prop::collection::vec(prop_oneof![Just(1isize), Just(-1), Just(2), Just(-2), Just(3), Just(-3)], 5),
        transpose in any::<bool>(),
        place in prop_oneof![Just(Place::NoCallback), Just(Place::InBand), Just(Place::OutOfBand)],
        compatible in any::<bool>(),
    ) {
        let fory = fory(compatible);
        let big: Vec<usize> = shape.iter().map(|s| s * 3).collect();
        let n: usize = big.iter().product();
        let storage = Array::from_shape_vec(IxDyn(&big), (0..n).map(|i| i as f32 * 0.5).collect::<Vec<_>>()).unwrap();
        let slices = slice_for(&big, &steps);
        let mut v = storage.slice_each_axis(|ax| slices[ax.axis.index()]);
        if transpose {
            v = v.reversed_axes();
        }
        let (stream, bufs) = write(&fory, &NdExt(v.view()), place);
        let owned: NdExt<Array<f32, IxDyn>> = read(&fory, &stream, &bufs, place);
        prop_assert_eq!(&owned.0, &v);
        let cow: NdExt<CowArray<f32, IxDyn>> = read(&fory, &stream, &bufs, place);
        prop_assert_eq!(&cow.0, &v);
        let view: NdExt<ArrayView<f32, IxDyn>> = read(&fory, &stream, &bufs, place);
        prop_assert_eq!(&view.0, &v);
        // contiguous arrays are written without a copy: the bytes on the wire are their memory
        if place == Place::OutOfBand && !v.is_empty() && (v.is_standard_layout() || v.t().is_standard_layout()) {
            prop_assert_eq!(&bufs[0][..], bytemuck::cast_slice::<f32, u8>(v.as_slice_memory_order().unwrap()));
        }
    }
}

#[test]
fn raw_arrays_re_encode_and_build_from_parts() {
    let fory = fory(true);
    let a = Laid::<i32>::new(&[3, 4], Layout::F);
    for place in Place::ALL {
        let (stream, bufs) = write(&fory, &Nd(a.view_as::<Ix2>()), place);
        let raw: RawArray = read(&fory, &stream, &bufs, place);
        assert_eq!(raw.order(), Order::F);
        assert_eq!(raw.buffer_index(), (place == Place::OutOfBand).then_some(0));
        // written back: the same array, the same bytes
        let (again, again_bufs) = write(&fory, &raw, place);
        assert_eq!((&again, &again_bufs), (&stream, &bufs));
        let back: Nd<Array<i32, Ix2>> = read(&fory, &again, &again_bufs, place);
        assert_eq!(back.0, a.view_as::<Ix2>());
    }
    let data: Vec<u8> = (1u16..=6).flat_map(u16::to_le_bytes).collect();
    let raw =
        RawArray::from_parts(fory_ndarray::DType::UInt16, Order::C, vec![2, 3], &data).unwrap();
    assert_eq!(
        raw.view::<u16, Ix2>().unwrap(),
        ndarray::array![[1u16, 2, 3], [4, 5, 6]]
    );
    let bytes = fory.serialize(&raw).unwrap();
    let back: Nd<Array<u16, Ix2>> = fory.deserialize(&bytes).unwrap();
    assert_eq!(back.0, ndarray::array![[1u16, 2, 3], [4, 5, 6]]);
    assert!(
        RawArray::from_parts(fory_ndarray::DType::UInt16, Order::C, vec![2, 2], &data).is_err()
    );
}
