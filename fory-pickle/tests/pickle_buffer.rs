//! `PickleBuffer` through Fory's buffer-object path: out-of-band without a
//! copy, in-band as BINARY, readable by anything that reads BINARY; and its
//! compile-time registration.

use bytes::Bytes;
use fory_core::{Fory, Placement};
use fory_pickle::{Error, PickleBuffer};

#[test]
fn out_of_band_round_trip_is_zero_copy() {
    let fory = Fory::builder().build();
    let pb = PickleBuffer::from_vec((0..=255u8).cycle().take(1 << 20).collect());
    let mut offered = Vec::new();
    let stream = fory
        .serialize_with_callback(&pb, |b| {
            // the callback borrows the buffer's own memory
            assert_eq!(b.as_bytes().as_ptr(), pb.raw().unwrap().as_ptr());
            offered.push(b.to_bytes());
            Placement::OutOfBand
        })
        .unwrap();
    assert_eq!(hex::encode(&stream), "03ff2900"); // header, NOT_NULL, BINARY, out-of-band
                                                  // borrowed: raw() points into the supplied buffer
    let plain: Vec<Vec<u8>> = offered.iter().map(|b| b.to_vec()).collect();
    let back: PickleBuffer<'_> = fory.deserialize_with_buffers(&stream, &plain).unwrap();
    assert_eq!(back.raw().unwrap().as_ptr(), plain[0].as_ptr());
    assert_eq!(back.raw().unwrap(), pb.raw().unwrap());
    assert!(back.readonly());
    // shared: the very same Bytes
    let back: PickleBuffer<'_> = fory
        .deserialize_with_shared_buffers(&stream, &offered)
        .unwrap();
    assert_eq!(back.raw().unwrap().as_ptr(), offered[0].as_ptr());
    assert_eq!(back.to_bytes().unwrap().as_ptr(), offered[0].as_ptr());
}

#[test]
fn in_band_is_plain_binary() {
    let fory = Fory::builder().build();
    let pb = PickleBuffer::from_slice(b"abc");
    let stream = fory.serialize(&pb).unwrap();
    assert_eq!(hex::encode(&stream), "01ff2903616263");
    // the same bytes as a Vec<u8> (so pyfory reads `bytes`)
    assert_eq!(stream, fory.serialize(&b"abc".to_vec()).unwrap());
    let back: PickleBuffer<'_> = fory.deserialize(&stream).unwrap();
    assert!(stream
        .as_ptr_range()
        .contains(&back.raw().unwrap().as_ptr()));
    let as_vec: Vec<u8> = fory.deserialize(&stream).unwrap();
    assert_eq!(as_vec, b"abc");
    // kept in-band by the callback
    let stream = fory
        .serialize_with_callback(&pb, |_| Placement::InBand)
        .unwrap();
    assert_eq!(hex::encode(&stream), "03ff290103616263");
    let none: [&[u8]; 0] = [];
    let back: PickleBuffer<'_> = fory.deserialize_with_buffers(&stream, &none).unwrap();
    assert_eq!(back.raw().unwrap(), b"abc");
}

#[test]
fn inside_containers_and_released() {
    let fory = Fory::builder().build();
    let list = vec![
        PickleBuffer::from_bytes(Bytes::from_static(b"one")),
        PickleBuffer::from_vec(vec![2; 10]),
    ];
    let mut bufs = Vec::new();
    let stream = fory
        .serialize_with_callback(&list, |b| {
            bufs.push(b.to_bytes());
            Placement::OutOfBand
        })
        .unwrap();
    let back: Vec<PickleBuffer<'_>> = fory
        .deserialize_with_shared_buffers(&stream, &bufs)
        .unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].raw().unwrap(), b"one");
    assert_eq!(back[1].raw().unwrap().as_ptr(), bufs[1].as_ptr());

    let mut pb = PickleBuffer::from_vec(vec![1, 2, 3]);
    pb.raw_mut().unwrap()[0] = 9;
    assert_eq!(pb.raw().unwrap(), [9, 2, 3]);
    pb.release();
    pb.release();
    assert!(pb.is_released());
    assert_eq!(pb.raw(), Err(Error::Released));
    assert!(fory.serialize(&pb).is_err());
    assert!(
        fory_pickle::dumps(&fory_pickle::PickleValue::Buffer(pb), |_| Placement::InBand).is_err()
    );
    assert!(PickleBuffer::from_slice(b"x").raw_mut().is_err());
}

#[test]
fn registered_at_compile_time() {
    let names: Vec<&str> = fory_core::registry::compile_time_registrations()
        .iter()
        .map(|r| r.name)
        .collect();
    assert!(
        names.contains(&fory_pickle::buffer::REGISTERED_NAME),
        "{names:?}"
    );
    // register_all picks it up; the explicit fallback does the same
    let all = Fory::builder().register_all().unwrap().build();
    assert!(all.schema().get("pickle.PickleBuffer").is_some());
    let explicit = fory_pickle::register(Fory::builder()).unwrap().build();
    assert!(explicit.schema().get("pickle.PickleBuffer").is_some());
    // twice is a duplicate
    assert!(fory_pickle::register(fory_pickle::register(Fory::builder()).unwrap()).is_err());
    // registered or not, it is BINARY on the wire
    let pb = PickleBuffer::from_slice(b"z");
    assert_eq!(
        all.serialize(&pb).unwrap(),
        Fory::builder().build().serialize(&pb).unwrap()
    );
}
