//! Malformed, truncated and hostile streams: always an `Err`, never a panic,
//! a hang or an allocation the input cannot justify.

use fory_cli::conform::{decode_stream, fory_for, Manifest};
use fory_core::{Error, Fory};
use fory_tests::{conformance_cases, vectors_dir, Rng};

fn fory_and_schema() -> (Manifest, fory_core::Schema) {
    let m = Manifest::load(&vectors_dir()).expect("manifest");
    let s = m.schema(None).expect("schema");
    (m, s)
}

#[test]
fn every_strict_prefix_is_an_error() {
    let (_, schema) = fory_and_schema();
    let mut checked = 0usize;
    for (name, stream, bufs, case) in conformance_cases() {
        let fory = fory_for(&case, schema.clone());
        // Out-of-band streams are also checked with fewer buffers than needed.
        for n in 0..stream.len() {
            let r = decode_stream(&fory, &stream[..n], &bufs);
            assert!(
                r.is_err(),
                "{name}: prefix of {n}/{} bytes decoded to a value",
                stream.len()
            );
            checked += 1;
        }
    }
    assert!(checked > 10_000, "{checked}");
}

#[test]
fn trailing_bytes_are_an_error() {
    let (_, schema) = fory_and_schema();
    for (name, stream, bufs, case) in conformance_cases() {
        let fory = fory_for(&case, schema.clone());
        let mut s = stream.clone();
        s.push(0);
        let oob = s[0] & 2 != 0;
        let r = if oob {
            fory.deserialize_value_with_buffers(&s, &bufs)
        } else {
            fory.deserialize_value(&s)
        };
        assert!(
            matches!(r, Err(Error::TrailingBytes { count: 1, .. })),
            "{name}: {r:?}"
        );
    }
}

#[test]
fn random_byte_flips_never_panic() {
    let (_, schema) = fory_and_schema();
    let mut rng = Rng(0x5eed);
    let mut errors = 0usize;
    let mut values = 0usize;
    for (_, stream, bufs, case) in conformance_cases() {
        if stream.len() > 4096 {
            continue;
        }
        let fory = fory_for(&case, schema.clone());
        for _ in 0..40 {
            let mut s = stream.clone();
            for _ in 0..1 + rng.below(3) {
                let i = 1 + rng.below(s.len().max(2) - 1);
                if i < s.len() {
                    s[i] = rng.next_u64() as u8;
                }
            }
            let start = std::time::Instant::now();
            match decode_stream(&fory, &s, &bufs) {
                Ok(_) => values += 1,
                Err(_) => errors += 1,
            }
            assert!(
                start.elapsed().as_secs() < 2,
                "a mutated stream took too long"
            );
        }
    }
    assert!(
        errors > 1000 && values > 100,
        "errors {errors}, values {values}"
    );
}

#[test]
fn huge_length_claims_do_not_allocate() {
    let fory = Fory::builder().compatible(false).build();
    // string, binary, list, map, array each claiming ~4 GiB in a tiny stream
    for hex_in in [
        "01ff15fcffffff3f",             // string of 2^34 bytes
        "01ff29ffffffff0f",             // binary of 4 GiB
        "01ff16ffffffff0f08070000",     // list of 4G elements
        "01ff18ffffffff0f000107070000", // map of 4G entries
        "01ff38ffffffff0f00000000",     // float64 array of 4 GiB
        "01ff17ffffffff0f08",           // set of 4G
    ] {
        let b = hex::decode(hex_in).unwrap();
        let r = fory.deserialize_value(&b);
        // the policy limit (string length) or the bytes that remain
        assert!(
            matches!(
                r,
                Err(Error::LengthLimit { .. } | Error::LimitExceeded { .. })
            ),
            "{hex_in}: {r:?}"
        );
    }
}

#[test]
fn deep_nesting_is_bounded() {
    // 100,000 nested lists: [[[[...]]]]
    let mut b = vec![0x01, 0xff, 0x16];
    for _ in 0..100_000 {
        b.extend_from_slice(&[0x01, 0x08, 0x16]);
    }
    b.push(0x00);
    let fory = Fory::builder().build();
    let r = fory.deserialize_value(&b);
    assert!(matches!(r, Err(Error::DepthLimit { .. })), "{r:?}");
    // and a depth limit of our choosing
    let shallow = Fory::builder().max_depth(3).build();
    let b = hex::decode("01ff160108160108160108160100").unwrap();
    assert!(matches!(
        shallow.deserialize_value(&b),
        Err(Error::DepthLimit { limit: 3, .. })
    ));
}

#[test]
fn header_and_buffer_errors() {
    let fory = Fory::builder().build();
    assert!(matches!(
        fory.deserialize_value(&[]),
        Err(Error::UnexpectedEnd { .. })
    ));
    assert!(matches!(
        fory.deserialize_value(&[0x05, 0xfd]),
        Err(Error::InvalidHeader { .. })
    ));
    assert!(matches!(
        fory.deserialize_value(&[0x00, 0xfd]),
        Err(Error::InvalidHeader { .. })
    ));
    // out-of-band stream without buffers, and buffers for an in-band stream
    assert!(matches!(
        fory.deserialize_value(&[0x03, 0xff, 0x29, 0x00]),
        Err(Error::OutOfBand { .. })
    ));
    let none: [&[u8]; 0] = [];
    assert!(matches!(
        fory.deserialize_value_with_buffers(&[0x01, 0xfd], &none),
        Err(Error::OutOfBand { .. })
    ));
    // too few buffers, and unused buffers
    let e = fory
        .deserialize_value_with_buffers(&[0x03, 0xff, 0x29, 0x00], &none)
        .unwrap_err();
    assert!(e.to_string().contains("#0"), "{e}");
    let extra: [&[u8]; 2] = [b"ab", b"cd"];
    assert!(matches!(
        fory.deserialize_value_with_buffers(&[0x03, 0xff, 0x29, 0x00], &extra),
        Err(Error::OutOfBand { .. })
    ));
    // unknown type id, bad ref flag, back-reference at the root
    assert!(matches!(
        fory.deserialize_value(&[0x01, 0xff, 0x3f]),
        Err(Error::UnexpectedTypeId { found: 63, .. })
    ));
    assert!(matches!(
        fory.deserialize_value(&[0x01, 0x7f, 0x07, 0x02]),
        Err(Error::InvalidFlag { .. })
    ));
    assert!(matches!(
        fory.deserialize_value(&[0x01, 0xfe, 0x00]),
        Err(Error::InvalidRef { .. })
    ));
}
