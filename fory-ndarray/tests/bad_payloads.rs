//! Hostile and mistaken payloads give typed `fory_core::Error`s, never
//! panics: unknown versions, element type codes and order bytes, too many
//! dimensions, shape products that overflow, data lengths that do not match
//! shape × element size, invalid bools and padding, the wrong element type or
//! dimensionality, truncations and random mutations.

mod common;

use common::*;
use fory_core::{Error, Fory};
use fory_ndarray::{Nd, NdExt, RawArray};
use ndarray::{Array, Array1, Array2, Array3, ArrayD, ArrayView2, CowArray, Ix2};

/// A hand-built `fory.ndarray` payload (see docs/ndarray-format.md).
struct Payload {
    version: u8,
    code: u8,
    order: u8,
    shape: Vec<u64>,
    pad: Vec<u8>,
    /// `None`: out-of-band (flag 0); `Some`: in-band bytes.
    data: Option<Vec<u8>>,
}

fn var(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Payload {
    fn f64_2x3() -> Payload {
        Payload {
            version: 1,
            code: 20,
            order: 0,
            shape: vec![2, 3],
            pad: vec![],
            data: Some((0..6).flat_map(|i| (i as f64).to_le_bytes()).collect()),
        }
    }

    fn bytes(&self, oob_header: bool) -> Vec<u8> {
        let mut out = vec![self.version, self.code, self.order];
        var(&mut out, self.shape.len() as u64);
        for &s in &self.shape {
            var(&mut out, s);
        }
        out.push(self.pad.len() as u8);
        out.extend_from_slice(&self.pad);
        match &self.data {
            None => out.push(0),
            Some(d) => {
                if oob_header {
                    out.push(1);
                }
                var(&mut out, d.len() as u64);
                out.extend_from_slice(d);
            }
        }
        out
    }
}

/// Header byte, ref flag and the extension's type meta, taken from a real
/// stream (an empty 0x0 f64 array, whose payload starts `01 14 00 02 00 00`).
fn prefix(fory: &Fory, oob: bool) -> Vec<u8> {
    let a = Array2::<f64>::zeros((0, 0));
    let place = if oob {
        Place::OutOfBand
    } else {
        Place::NoCallback
    };
    let (stream, _) = write(fory, &Nd(a.view()), place);
    let at = stream
        .windows(6)
        .rposition(|w| w == [1, 20, 0, 2, 0, 0])
        .unwrap();
    stream[..at].to_vec()
}

fn stream_of(fory: &Fory, p: &Payload, oob: bool) -> Vec<u8> {
    let mut s = prefix(fory, oob);
    s.extend(p.bytes(oob));
    s
}

fn read_f64(fory: &Fory, stream: &[u8], bufs: &[Vec<u8>]) -> Result<Nd<Array2<f64>>, Error> {
    if stream[0] & 2 != 0 {
        fory.deserialize_with_buffers(stream, bufs)
    } else {
        fory.deserialize(stream)
    }
}

#[test]
fn hand_built_payload_matches_the_writer() {
    let fory = fory(false);
    let a = Array2::from_shape_vec((2, 3), (0..6).map(f64::from).collect()).unwrap();
    let ours = fory.serialize(&Nd(a.view())).unwrap();
    let mut p = Payload::f64_2x3();
    // the writer pads in-band data to an 8-byte stream offset
    let base = prefix(&fory, false).len() + p.bytes(false).len() - 48;
    let pad = (8 - (base % 8)) % 8;
    p.pad = vec![0; pad];
    assert_eq!(stream_of(&fory, &p, false), ours, "{}", hex::encode(&ours));
    assert_eq!(read_f64(&fory, &ours, &[]).unwrap().0, a);
}

#[test]
fn unknown_version() {
    let fory = fory(false);
    let mut p = Payload::f64_2x3();
    p.version = 2;
    let err = read_f64(&fory, &stream_of(&fory, &p, false), &[]).unwrap_err();
    assert!(
        matches!(err, Error::InvalidFlag { found: 2, what, .. } if what.contains("version")),
        "{err}"
    );
    // every reader rejects it, RawArray included
    let err = fory
        .deserialize::<RawArray>(&stream_of(&fory, &p, false))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidFlag { found: 2, .. }), "{err}");
}

#[test]
fn unknown_element_type_code() {
    let fory = fory(false);
    for code in [0u8, 5, 7, 8, 12, 14, 15, 16, 21, 56, 255] {
        let mut p = Payload::f64_2x3();
        p.code = code;
        let err = fory
            .deserialize::<RawArray>(&stream_of(&fory, &p, false))
            .unwrap_err();
        assert!(
            matches!(err, Error::UnexpectedTypeId { found, .. } if found == code as u32),
            "{code}: {err}"
        );
    }
}

#[test]
fn invalid_order_ndim_and_padding() {
    let fory = fory(false);
    let mut p = Payload::f64_2x3();
    p.order = 2;
    let err = read_f64(&fory, &stream_of(&fory, &p, false), &[]).unwrap_err();
    assert!(
        matches!(err, Error::InvalidFlag { found: 2, what, .. } if what.contains("order")),
        "{err}"
    );

    let mut p = Payload::f64_2x3();
    p.shape = vec![1; 65];
    let err = fory
        .deserialize::<RawArray>(&stream_of(&fory, &p, false))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::LengthLimit {
                len: 65,
                limit: 64,
                ..
            }
        ),
        "{err}"
    );

    let mut p = Payload::f64_2x3();
    p.pad = vec![0; 8];
    let err = read_f64(&fory, &stream_of(&fory, &p, false), &[]).unwrap_err();
    assert!(matches!(err, Error::InvalidFlag { found: 8, .. }), "{err}");

    let mut p = Payload::f64_2x3();
    p.pad = vec![0, 7, 0];
    let err = read_f64(&fory, &stream_of(&fory, &p, false), &[]).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidData { message, .. } if message.contains("padding")),
        "{err}"
    );
}

#[test]
fn shape_products_that_overflow() {
    let fory = fory(false);
    for shape in [
        vec![1u64 << 40, 1 << 40],
        vec![u64::MAX],
        vec![1 << 62],     // × 8 bytes overflows
        vec![0, u64::MAX], // ndarray: non-zero axes must fit isize
        vec![3, 1 << 21, 1 << 21, 1 << 21],
    ] {
        let mut p = Payload::f64_2x3();
        p.shape = shape.clone();
        for oob in [false, true] {
            let stream = stream_of(&fory, &p, oob);
            let err = if oob {
                fory.deserialize_with_buffers::<RawArray, Vec<u8>>(&stream, &[])
            } else {
                fory.deserialize::<RawArray>(&stream)
            }
            .unwrap_err();
            assert!(
                matches!(&err, Error::LengthLimit { what, .. } if what.contains("ndarray")),
                "{shape:?}: {err}"
            );
        }
    }
}

#[test]
fn data_length_not_matching_shape() {
    let fory = fory(false);
    // in-band: 40 bytes for 2x3 f64
    let mut p = Payload::f64_2x3();
    p.data.as_mut().unwrap().truncate(40);
    let err = read_f64(&fory, &stream_of(&fory, &p, false), &[]).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidData { message, .. } if message.contains("in-band data holds 40 bytes") && message.contains("needs 48")),
        "{err}"
    );
    // out-of-band: a buffer of the wrong size
    let mut p = Payload::f64_2x3();
    p.data = None;
    let stream = stream_of(&fory, &p, true);
    for len in [0usize, 47, 49, 480] {
        let err = read_f64(&fory, &stream, &[vec![0u8; len]]).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidData { message, .. } if message.contains("out-of-band buffer #0")),
            "{len}: {err}"
        );
    }
    // no buffer at all
    let err = read_f64(&fory, &stream, &[]).unwrap_err();
    assert!(matches!(err, Error::OutOfBand { .. }), "{err}");
    // the dense form: a byte length that is not a multiple of the element size
    let dense = [0x01, 0xff, 0x38, 0x07, 1, 2, 3, 4, 5, 6, 7];
    let err = fory.deserialize::<Nd<Array1<f64>>>(&dense).unwrap_err();
    assert!(matches!(err, Error::InvalidData { .. }), "{err}");
}

#[test]
fn invalid_bool_bytes() {
    let fory = fory(false);
    let p = Payload {
        version: 1,
        code: 1,
        order: 0,
        shape: vec![2, 2],
        pad: vec![],
        data: Some(vec![0, 1, 2, 1]),
    };
    let stream = stream_of(&fory, &p, false);
    for err in [
        fory.deserialize::<Nd<Array2<bool>>>(&stream).unwrap_err(),
        fory.deserialize::<Nd<ArrayView2<bool>>>(&stream)
            .unwrap_err(),
        fory.deserialize::<Nd<CowArray<bool, Ix2>>>(&stream)
            .unwrap_err(),
    ] {
        assert!(
            matches!(&err, Error::InvalidData { message, .. } if message.contains("bool")),
            "{err}"
        );
    }
    // dense BOOL_ARRAY too
    let err = fory
        .deserialize::<Nd<Array1<bool>>>(&[0x01, 0xff, 0x2b, 0x02, 0x01, 0x05])
        .unwrap_err();
    assert!(matches!(err, Error::InvalidData { .. }), "{err}");
}

#[test]
fn wrong_element_type_or_dimensionality() {
    let fory = fory(true);
    let a = Array2::<f32>::zeros((2, 2));
    let stream = fory.serialize(&Nd(a.view())).unwrap();
    let err = fory.deserialize::<Nd<Array2<f64>>>(&stream).unwrap_err();
    assert!(
        matches!(&err, Error::TypeMismatch { expected, found, .. } if expected.contains("float64") && found.contains("float32")),
        "{err}"
    );
    let err = fory.deserialize::<Nd<Array3<f32>>>(&stream).unwrap_err();
    assert!(
        matches!(&err, Error::TypeMismatch { expected, found, .. } if expected.contains("3-dimensional") && found.contains("2-dimensional")),
        "{err}"
    );
    // a dense (one-dimensional) array is not a 2-D array, but is an IxDyn one
    let v = fory.serialize(&Nd(Array1::<f32>::zeros(4))).unwrap();
    let err = fory.deserialize::<Nd<Array2<f32>>>(&v).unwrap_err();
    assert!(matches!(err, Error::TypeMismatch { .. }), "{err}");
    let d: Nd<ArrayD<f32>> = fory.deserialize(&v).unwrap();
    assert_eq!(d.shape(), [4]);
    // other values are not arrays
    let s = fory.serialize(&"text".to_string()).unwrap();
    assert!(matches!(
        fory.deserialize::<Nd<Array2<f32>>>(&s).unwrap_err(),
        Error::TypeMismatch { .. }
    ));
    // another extension type's name (schema-consistent mode: inline meta
    // strings; the last byte before the payload belongs to the type name)
    let fory = fory_ndarray::register(Fory::builder().compatible(false))
        .unwrap()
        .build();
    let mut p = Payload::f64_2x3();
    p.pad = vec![];
    let mut renamed = stream_of(&fory, &p, false);
    let at = prefix(&fory, false).len() - 1;
    renamed[at] ^= 0xf0;
    let err = read_f64(&fory, &renamed, &[]).unwrap_err();
    assert!(matches!(err, Error::TypeMismatch { .. }), "{err}");
}

#[test]
fn truncations_never_panic() {
    for compatible in [false, true] {
        let fory = fory(compatible);
        let a = Array::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as u16);
        for place in Place::ALL {
            let (stream, bufs) = write(&fory, &NdExt(a.view()), place);
            for cut in 0..stream.len() {
                let s = &stream[..cut];
                let r = if place == Place::NoCallback {
                    fory.deserialize::<NdExt<Array2<u16>>>(s).map(|_| ())
                } else {
                    fory.deserialize_with_buffers::<NdExt<Array2<u16>>, _>(s, &bufs)
                        .map(|_| ())
                };
                assert!(r.is_err(), "cut at {cut} of {} read fine", stream.len());
            }
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    for compatible in [false, true] {
        let fory = fory(compatible);
        let a = Array::from_shape_fn((2, 3, 2), |(i, j, k)| (i * 6 + j * 2 + k) as i32);
        for place in Place::ALL {
            let (stream, bufs) = write(&fory, &Nd(a.view()), place);
            for _ in 0..3000 {
                let mut s = stream.clone();
                for _ in 0..1 + next() % 3 {
                    let i = (next() as usize) % s.len();
                    s[i] = next() as u8;
                }
                let mut b = bufs.clone();
                if !b.is_empty() && next() % 4 == 0 {
                    let keep = (next() as usize) % (b[0].len() + 1);
                    b[0].truncate(keep);
                }
                let _ = fory.deserialize_with_buffers::<Nd<Array3<i32>>, _>(&s, &b);
                let _ = fory.deserialize::<Nd<ndarray::ArrayView3<i32>>>(&s);
                let _ = fory.deserialize_with_buffers::<RawArray, _>(&s, &b);
                let _ = fory.deserialize::<Nd<CowArray<i32, ndarray::IxDyn>>>(&s);
            }
        }
    }
}
