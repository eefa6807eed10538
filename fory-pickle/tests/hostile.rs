//! Hostile and malformed streams: every one is a typed error naming the
//! opcode and offset, never a panic, a hang or a huge allocation.

use fory_core::Placement;
use fory_pickle::{
    dis, dumps, loads, Error, Limit, LoadOptions, NdArray, Order, PickleBuffer, PickleValue,
};
use proptest::prelude::*;

fn load(data: &[u8]) -> Result<PickleValue<'_>, Error> {
    loads(data, &[] as &[&[u8]])
}

fn s(x: &str) -> Vec<u8> {
    let mut v = vec![0x8c, x.len() as u8];
    v.extend(x.as_bytes());
    v
}

fn stream(parts: &[&[u8]]) -> Vec<u8> {
    let mut v = vec![0x80, 5];
    for p in parts {
        v.extend_from_slice(p);
    }
    v
}

#[test]
fn unknown_globals_name_module_name_and_offset() {
    let data = stream(&[&s("os"), &s("system"), b"\x93", &s("echo hi"), b"\x85R."]);
    assert_eq!(
        load(&data).unwrap_err(),
        Error::GlobalNotAllowed {
            module: "os".into(),
            name: "system".into(),
            offset: 14,
        }
    );
    let e = load(b"\x80\x02cbuiltins\neval\n(S'1'\ntR.").unwrap_err();
    assert!(
        matches!(&e, Error::GlobalNotAllowed { module, name, offset: 2 } if module == "builtins" && name == "eval"),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "global builtins.eval at offset 2 is not allowed"
    );
}

#[test]
fn reduce_and_build_only_on_allowed_tags() {
    // REDUCE with a str as the callable
    let data = stream(&[&s("print"), b")R."]);
    assert!(matches!(
        load(&data),
        Err(Error::NotCallable { offset: 10, .. })
    ));
    // REDUCE of numpy.dtype on a structured type string
    let data = stream(&[
        &s("numpy"),
        &s("dtype"),
        b"\x93",
        &s("V12"),
        b"\x89\x88\x87R.",
    ]);
    assert!(matches!(
        load(&data),
        Err(Error::UnsupportedDtype { ref descr, .. }) if descr == "V12"
    ));
    // BUILD on a list
    assert!(matches!(
        load(b"\x80\x05]}b."),
        Err(Error::BuildNotAllowed { offset: 4, .. })
    ));
    // _reconstruct of something that is not numpy.ndarray
    let data = stream(&[
        &s("numpy.core.multiarray"),
        &s("_reconstruct"),
        b"\x93",
        &s("numpy"),
        &s("dtype"),
        b"\x93K\x00\x85C\x01b\x87R.",
    ]);
    assert!(matches!(load(&data), Err(Error::BadArguments { .. })));
}

#[test]
fn object_building_opcodes_are_refused() {
    for (data, name, at) in [
        (&b"\x80\x05)\x81."[..], "NEWOBJ", 3),
        (b"\x80\x05(io\nobject\n.", "INST", 3),
        (b"\x80\x05(N)o.", "OBJ", 5),
        (b"\x80\x05P1\n.", "PERSID", 2),
        (b"\x80\x05\x82\x01.", "EXT1", 2),
        (b"\x80\x05I1\n.", "INT", 2),
    ] {
        match load(data) {
            Err(Error::UnsupportedOpcode { opcode, offset, .. }) => {
                assert!(opcode.to_string().starts_with(name), "{opcode}");
                assert_eq!(offset, at, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(matches!(
        load(b"\x80\x06N."),
        Err(Error::UnsupportedProtocol { version: 6, .. })
    ));
    assert!(matches!(
        load(b"\x80\x05\xff."),
        Err(Error::UnknownOpcode {
            byte: 0xff,
            offset: 2
        })
    ));
}

#[test]
fn huge_lengths_and_truncated_frames() {
    for op in [0x8e, 0x8d, 0x96] {
        let mut data = vec![0x80, 5, op];
        data.extend(u64::MAX.to_le_bytes());
        match load(&data) {
            Err(Error::LengthLimit {
                len: u64::MAX,
                offset: 2,
                ..
            }) => {}
            other => panic!("{op:#x}: {other:?}"),
        }
    }
    // LONG4 with a negative length, BINBYTES claiming 4 GiB
    assert!(matches!(
        load(b"\x80\x05\x8b\xff\xff\xff\xff."),
        Err(Error::LengthLimit { .. })
    ));
    assert!(matches!(
        load(b"\x80\x05B\xff\xff\xff\xffab"),
        Err(Error::LengthLimit {
            len: 0xffff_ffff,
            ..
        })
    ));
    // a frame longer than the stream
    let mut data = vec![0x80, 5, 0x95];
    data.extend(1000u64.to_le_bytes());
    data.extend(b"N.");
    assert!(matches!(
        load(&data),
        Err(Error::LengthLimit { len: 1000, .. })
    ));
    // an opcode crossing the end of its frame
    let mut data = vec![0x80, 5, 0x95];
    data.extend(3u64.to_le_bytes());
    data.extend(b"C\x03abc.");
    assert!(matches!(load(&data), Err(Error::Frame { offset: 11, .. })));
    // every truncation of a real array stream
    let v: Vec<f64> = (0..6).map(f64::from).collect();
    let a = PickleValue::Array(NdArray::from_slice(&v, &[2, 3], Order::F).unwrap());
    let full = dumps(&a, |_| Placement::InBand).unwrap();
    for n in 0..full.len() {
        let e = load(&full[..n]).unwrap_err();
        assert!(
            matches!(
                e,
                Error::UnexpectedEnd { .. }
                    | Error::LengthLimit { .. }
                    | Error::StackUnderflow { .. }
            ),
            "{n}: {e}"
        );
    }
    assert!(load(&full).is_ok());
}

#[test]
fn buffers_missing_extra_and_wrong_size() {
    let pb = PickleValue::Buffer(PickleBuffer::from_vec(vec![1, 2, 3]));
    let data = dumps(&pb, |_| Placement::OutOfBand).unwrap();
    assert_eq!(data, b"\x80\x05\x97.");
    assert!(matches!(
        load(&data),
        Err(Error::NotEnoughBuffers {
            index: 0,
            given: 0,
            offset: 2
        })
    ));
    let two: [&[u8]; 2] = [b"abc", b"def"];
    assert!(matches!(
        loads(&data, &two),
        Err(Error::UnusedBuffers { used: 1, given: 2 })
    ));
    let lenient = LoadOptions {
        allow_unused_buffers: true,
        ..LoadOptions::default()
    };
    assert!(lenient.loads(&data, &two).is_ok());
    // an array whose buffer is one byte short
    let v = [1.0f64, 2.0];
    let a = PickleValue::Array(NdArray::from_slice(&v, &[2], Order::C).unwrap());
    let mut bufs = Vec::new();
    let data = dumps(&a, |b| {
        bufs.push(b.as_bytes().to_vec());
        Placement::OutOfBand
    })
    .unwrap();
    bufs[0].pop();
    assert!(matches!(loads(&data, &bufs), Err(Error::BadArray { .. })));
}

/// `[[[1, 2, 3]] * m] * m` written with memo references: a few hundred
/// bytes that build 1 + m + m² + 3m² values.
fn fan_out(m: usize) -> Vec<u8> {
    let mut p = vec![0x80, 5, b']', 0x94, b'(', b'K', 1, b'K', 2, b'K', 3, b'e'];
    for level in 0..2u8 {
        p.extend([b']', 0x94, b'(']);
        for _ in 0..m {
            p.extend([b'h', level]);
        }
        p.push(b'e');
    }
    p.push(b'.');
    p
}

#[test]
fn allocation_budget_stops_memo_fan_out() {
    // at the boundary: exactly the values the result holds
    let m = 10;
    let stream = fan_out(m);
    let nodes = 1 + m + m * m + 3 * m * m;
    let need = nodes * std::mem::size_of::<PickleValue<'_>>();
    let at = LoadOptions {
        alloc_per_input_byte: 0,
        alloc_floor: need,
        ..LoadOptions::default()
    };
    let v = at.loads(&stream, &[] as &[&[u8]]).unwrap();
    let inner = PickleValue::List(vec![
        PickleValue::Int(1),
        PickleValue::Int(2),
        PickleValue::Int(3),
    ]);
    let mid = PickleValue::List(vec![inner; m]);
    assert_eq!(v, PickleValue::List(vec![mid; m]));
    let below = LoadOptions {
        alloc_floor: need - 1,
        ..at
    };
    assert!(matches!(
        below.loads(&stream, &[] as &[&[u8]]),
        Err(Error::LimitExceeded {
            limit: Limit::Allocation,
            ..
        })
    ));
    // with the defaults, 400 bytes that would build 40,000 values stop early
    let stream = fan_out(100);
    assert!(stream.len() < 500);
    assert!(matches!(
        load(&stream),
        Err(Error::LimitExceeded {
            limit: Limit::Allocation,
            ..
        })
    ));
}

#[test]
fn limits() {
    // depth
    let mut deep = vec![0x80, 5];
    deep.extend(std::iter::repeat_n(b']', 100_000));
    deep.extend(std::iter::repeat_n(b'a', 99_999));
    deep.push(b'.');
    assert!(matches!(
        load(&deep),
        Err(Error::LimitExceeded {
            limit: Limit::Depth,
            max: 100,
            ..
        })
    ));
    // deep tuples as a dict key
    let mut key = vec![0x80, 5, b'}', b'N'];
    key.extend(std::iter::repeat_n(0x85, 10_000));
    key.extend(b"Ns.");
    assert!(matches!(load(&key), Err(Error::LimitExceeded { .. })));
    // memo
    // memo, at the boundary: 10 MEMOIZEs load, 11 do not
    let opts = LoadOptions {
        max_memo: 10,
        ..LoadOptions::default()
    };
    let memoize = |n: usize| {
        let mut memo = vec![0x80, 5, b'N'];
        memo.extend(std::iter::repeat_n(0x94, n));
        memo.push(b'.');
        memo
    };
    assert_eq!(
        opts.loads(&memoize(10), &[] as &[&[u8]]).unwrap(),
        PickleValue::None
    );
    assert!(matches!(
        opts.loads(&memoize(11), &[] as &[&[u8]]),
        Err(Error::LimitExceeded {
            limit: Limit::Memo,
            max: 10,
            offset: 13,
        })
    ));
    // objects
    let opts = LoadOptions {
        max_objects: 1000,
        ..LoadOptions::default()
    };
    let mut many = vec![0x80, 5, b']', b'('];
    many.extend(std::iter::repeat_n([b'K', 1], 2000).flatten());
    many.extend(b"e.");
    assert!(matches!(
        opts.loads(&many, &[] as &[&[u8]]),
        Err(Error::LimitExceeded { .. })
    ));
    // a memo miss, a mark missing, stack underflow
    assert!(matches!(
        load(b"\x80\x05h\x07."),
        Err(Error::MemoMiss { index: 7, .. })
    ));
    assert!(matches!(
        load(b"\x80\x05Nt."),
        Err(Error::MarkNotFound { .. })
    ));
    assert!(matches!(
        load(b"\x80\x05(\x85."),
        Err(Error::StackUnderflow { .. })
    ));
    assert!(matches!(
        load(b"\x80\x05N.x"),
        Err(Error::TrailingBytes {
            offset: 4,
            count: 1
        })
    ));
}

#[test]
fn python_rejects_come_back_typed() {
    // streams pickle_peer.py wrote with real CPython/numpy (see python_interop.rs)
    let Some(dir) = python_dir() else { return };
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let rejects = m["rejects"].as_array().unwrap();
    assert!(rejects.len() >= 9);
    for r in rejects {
        let data = std::fs::read(dir.join(r["stream"].as_str().unwrap())).unwrap();
        let bufs: Vec<Vec<u8>> = r["buffers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| std::fs::read(dir.join(b["file"].as_str().unwrap())).unwrap())
            .collect();
        let e = loads(&data, &bufs).unwrap_err();
        let variant = format!("{e:?}");
        assert!(
            variant.starts_with(r["error"].as_str().unwrap()),
            "{}: {e}",
            r["name"]
        );
        assert!(e.offset().is_some(), "{e}");
        // the disassembler lists the same streams without trouble
        let d = dis(&data, Some(&bufs.iter().map(Vec::len).collect::<Vec<_>>()));
        assert!(d.error.is_none(), "{}", d.text);
    }
}

fn python_dir() -> Option<std::path::PathBuf> {
    if std::env::var("FORY_SKIP_PYTHON").is_ok_and(|v| v == "1") {
        return None;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()?
        .to_path_buf();
    let out = std::process::Command::new("bash")
        .arg(root.join("tests/python/setup_venv.sh"))
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()?
        .trim()
        .to_string();
    let dir = std::env::temp_dir().join(format!("fory-pickle-rej-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let res = std::process::Command::new(py)
        .arg(root.join("tests/python/pickle_peer.py"))
        .arg("gen")
        .arg(&dir)
        .output()
        .ok()?;
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    Some(dir)
}

/// Seeds for mutation: streams of every shape the writer and CPython produce.
fn corpus() -> Vec<Vec<u8>> {
    let data: Vec<f64> = (0..12).map(f64::from).collect();
    let bytes: Vec<u8> = (0..24).collect();
    let values = vec![
        PickleValue::Dict(vec![
            (
                PickleValue::str("a"),
                PickleValue::Array(NdArray::from_slice(&data, &[3, 4], Order::C).unwrap()),
            ),
            (
                PickleValue::str("f"),
                PickleValue::Array(NdArray::from_slice(&data, &[3, 4], Order::F).unwrap()),
            ),
            (
                PickleValue::Int(7),
                PickleValue::Tuple(vec![PickleValue::None, PickleValue::Float(1.5)]),
            ),
        ]),
        PickleValue::Array(
            NdArray::permuted(
                fory_pickle::Dtype::parse("u1").unwrap(),
                &[2, 3, 4],
                &[1, 0, 2],
                PickleBuffer::from_slice(&bytes),
            )
            .unwrap(),
        ),
        PickleValue::List(vec![
            PickleValue::Set(vec![PickleValue::Int(1), PickleValue::str("x")]),
            PickleValue::FrozenSet(vec![PickleValue::Bytes(b"k"[..].into())]),
            PickleValue::ByteArray(b"ab"[..].into()),
            PickleValue::BigInt(num_bigint::BigInt::from(1u8) << 100),
            PickleValue::Buffer(PickleBuffer::from_vec(vec![1, 2, 3])),
        ]),
    ];
    let mut out = Vec::new();
    for v in &values {
        for target in [
            fory_pickle::NumpyTarget::Numpy2,
            fory_pickle::NumpyTarget::Numpy1,
            fory_pickle::NumpyTarget::Portable,
        ] {
            out.push(
                fory_pickle::DumpOptions::default()
                    .numpy(target)
                    .dumps(v, |_| Placement::InBand)
                    .unwrap(),
            );
        }
    }
    // CPython's own framing and memo (from the crate docs)
    out.push(b"\x80\x05\x95k\x00\x00\x00\x00\x00\x00\x00\x8c\x13numpy._core.numeric\x94\x8c\x0b_frombuffer\x94\x93\x94(\x97\x8c\x05numpy\x94\x8c\x05dtype\x94\x93\x94\x8c\x02f8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94bK\x04\x85\x94\x8c\x01C\x94t\x94R\x94.".to_vec());
    out
}

/// Loads must not panic; what loads must dump and load back to the same value.
fn roundtrip(data: &[u8], bufs: &[Vec<u8>]) {
    let _ = dis(data, None);
    let opts = LoadOptions {
        allow_unused_buffers: true,
        max_nodes: 100_000,
        ..LoadOptions::default()
    };
    if let Ok(v) = opts.loads(data, bufs) {
        let mut out = Vec::new();
        let again = dumps(&v, |b| {
            out.push(b.as_bytes().to_vec());
            Placement::OutOfBand
        });
        let Ok(again) = again else { return }; // e.g. a list as a dict key built by REDUCE
        let back = opts.loads(&again, &out).expect("our own output loads");
        assert_eq!(back, v);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut with_proto = vec![0x80, 5];
        with_proto.extend(&data);
        roundtrip(&data, &[]);
        roundtrip(&with_proto, &[vec![0; 96], vec![1; 8]]);
    }

    #[test]
    fn mutated_streams_never_panic(
        seed in 0usize..100,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 1..6),
    ) {
        let corpus = corpus();
        let mut data = corpus[seed % corpus.len()].clone();
        for (pos, byte, kind) in edits {
            if data.is_empty() { break; }
            let p = pos % data.len();
            match kind {
                0 => data[p] = byte,
                1 => { data.remove(p); }
                2 => data.insert(p, byte),
                _ => data.truncate(p),
            }
        }
        roundtrip(&data, &[vec![0; 96]]);
    }
}

#[test]
fn the_depth_limit_fits_a_small_stack() {
    // reading, writing and converting 100 levels (the default limit) in 512 KiB
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| {
            let mut deep = vec![0x80, 5];
            deep.extend(std::iter::repeat_n(b']', 100));
            deep.extend(std::iter::repeat_n(b'a', 99));
            deep.push(b'.');
            let v = load(&deep).unwrap();
            assert_eq!(dumps(&v, |_| Placement::InBand).unwrap(), deep);
            fory_pickle::to_fory(&v).unwrap();
            let mut key = vec![0x80, 5, b'}', b'N'];
            key.extend(std::iter::repeat_n(0x85, 99));
            key.extend(b"Ns.");
            load(&key).unwrap();
        })
        .unwrap()
        .join()
        .unwrap();
}

/// numpy dtypes are hashable: `dumps` writes them as dict keys and set
/// items, and CPython reads them back (found by the `pickle_dumps` fuzz
/// target; the reader used to refuse them as unhashable).
#[test]
fn dtype_as_dict_key_and_set_item() {
    // pickle.dumps({np.dtype('bool'), 0}, protocol=5) as this crate writes it
    let set = b"\x80\x05\x8f(\x8c\x05numpy\x8c\x05dtype\x93\x94\x8c\x02b1\x89\x88\x87R(K\x03\x8c\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tbK\x00\x90.";
    let v = load(set).unwrap();
    let b1 = fory_pickle::Dtype::parse("|b1").unwrap();
    assert_eq!(
        v,
        PickleValue::Set(vec![PickleValue::Dtype(b1), PickleValue::Int(0)])
    );
    // equal dtypes are one key, as in Python; different ones two
    let f8 = fory_pickle::Dtype::parse("<f8").unwrap();
    let d = PickleValue::Dict(vec![
        (PickleValue::Dtype(f8), PickleValue::Int(1)),
        (PickleValue::Dtype(b1), PickleValue::Int(2)),
    ]);
    let bytes = dumps(&d, |_| Placement::InBand).unwrap();
    assert_eq!(load(&bytes).unwrap(), d);
}
