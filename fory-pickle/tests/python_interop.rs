//! Both directions against CPython 3.11 + numpy 2.4 from the project venv
//! (`tests/python/setup_venv.sh`), with `tests/python/pickle_peer.py`:
//! Python pickles, Rust loads (values, buffers, zero-copy); Rust dumps in
//! every numpy spelling, in-band and out-of-band, and Python loads through
//! an allow-list Unpickler, compares and checks `np.shares_memory`.
//! `FORY_SKIP_PYTHON=1` skips them.

use std::path::Path;
use std::process::Command;

use bytes::Bytes;
use fory_core::Placement;
use fory_pickle::{
    loads, loads_shared, ByteOrder, Dtype, DumpOptions, NdArray, NumpyTarget, Order, PickleBuffer,
    PickleValue,
};
use serde_json::{json, Value as Json};

#[path = "../../tests/python/venv.rs"]
mod venv;
use venv::{python, repo_root};

fn peer(py: &str, cmd: &str, dir: &Path) -> String {
    let res = Command::new(py)
        .arg(repo_root().join("tests/python/pickle_peer.py"))
        .arg(cmd)
        .arg(dir)
        .output()
        .expect("run pickle_peer.py");
    let stdout = String::from_utf8_lossy(&res.stdout).to_string();
    assert!(
        res.status.success(),
        "pickle_peer.py {cmd} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    stdout
}

/// Python's `float.hex()`.
fn py_float_hex(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let bits = f.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64;
    let m = bits & ((1 << 52) - 1);
    if e == 0 && m == 0 {
        return format!("{sign}0x0.0p+0");
    }
    if e == 0 {
        return format!("{sign}0x0.{m:013x}p-1022");
    }
    format!("{sign}0x1.{m:013x}p{:+}", e - 1023)
}

/// Checks a loaded value against pickle_peer.py's tagged JSON.
fn check(v: &PickleValue<'_>, e: &Json, inband: bool, path: &str) -> Result<(), String> {
    let t = e["t"].as_str().unwrap();
    let fail = || Err(format!("{path}: {v:?} is not {e}"));
    let items = |x: &[PickleValue<'_>]| -> Result<(), String> {
        let want = e["items"].as_array().unwrap();
        if x.len() != want.len() {
            return Err(format!(
                "{path}: {} items, expected {}",
                x.len(),
                want.len()
            ));
        }
        for (k, (a, b)) in x.iter().zip(want).enumerate() {
            check(a, b, inband, &format!("{path}[{k}]"))?;
        }
        Ok(())
    };
    match (t, v) {
        ("none", PickleValue::None) => Ok(()),
        ("bool", PickleValue::Bool(b)) if Json::Bool(*b) == e["v"] => Ok(()),
        ("int", PickleValue::Int(i)) if e["v"].as_str() == Some(&i.to_string()) => Ok(()),
        ("int", PickleValue::BigInt(i)) if e["v"].as_str() == Some(&i.to_string()) => Ok(()),
        ("float", PickleValue::Float(f)) if py_float_hex(*f) == e["hex"] => Ok(()),
        ("str", PickleValue::Str(s)) if e["v"] == **s => Ok(()),
        ("bytes", PickleValue::Bytes(b)) if hex::encode(b) == e["hex"] => Ok(()),
        ("bytearray", PickleValue::ByteArray(b)) if hex::encode(b) == e["hex"] => Ok(()),
        ("buffer", PickleValue::Buffer(pb))
            if hex::encode(pb.raw().unwrap()) == e["hex"]
                && Json::Bool(pb.readonly()) == e["readonly"] =>
        {
            Ok(())
        }
        // in-band, Python's pickler writes a PickleBuffer as bytes / bytearray
        ("buffer", PickleValue::Bytes(b))
            if inband && hex::encode(b) == e["hex"] && e["readonly"] == true =>
        {
            Ok(())
        }
        ("buffer", PickleValue::ByteArray(b))
            if inband && hex::encode(b) == e["hex"] && e["readonly"] == false =>
        {
            Ok(())
        }
        ("list", PickleValue::List(x))
        | ("tuple", PickleValue::Tuple(x))
        | ("set", PickleValue::Set(x))
        | ("frozenset", PickleValue::FrozenSet(x)) => items(x),
        ("dict", PickleValue::Dict(entries)) => {
            let want = e["items"].as_array().unwrap();
            if entries.len() != want.len() {
                return fail();
            }
            for (k, ((a, b), w)) in entries.iter().zip(want).enumerate() {
                check(a, &w[0], inband, &format!("{path}.key{k}"))?;
                check(b, &w[1], inband, &format!("{path}.value{k}"))?;
            }
            Ok(())
        }
        ("ndarray", PickleValue::Array(a)) => {
            let ok = a.dtype().descr() == e["dtype"]
                && json!(a.shape()) == e["shape"]
                && hex::encode(a.to_c_bytes().unwrap()) == e["c_hex"]
                && Json::Bool(a.readonly()) == e["readonly"];
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "{path}: array {} {:?} {} readonly={} is not {e}",
                    a.dtype(),
                    a.shape(),
                    hex::encode(a.to_c_bytes().unwrap()),
                    a.readonly()
                ))
            }
        }
        _ => fail(),
    }
}

fn arrays<'v, 'a>(v: &'v PickleValue<'a>, out: &mut Vec<&'v NdArray<'a>>) {
    match v {
        PickleValue::Array(a) => out.push(a),
        PickleValue::Dict(e) => e.iter().for_each(|(_, x)| arrays(x, out)),
        other => {
            if let Some(items) = other.as_seq() {
                items.iter().for_each(|x| arrays(x, out));
            }
        }
    }
}

fn inside(p: *const u8, bufs: &[Vec<u8>]) -> bool {
    bufs.iter().any(|b| b.as_ptr_range().contains(&p))
}

struct Case {
    name: String,
    stream: Vec<u8>,
    buffers: Vec<Vec<u8>>,
    inband: bool,
    expected: Json,
}

fn python_cases(py: &str, dir: &Path) -> Vec<Case> {
    let _ = std::fs::remove_dir_all(dir);
    peer(py, "gen", dir);
    let manifest: Json =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            stream: std::fs::read(dir.join(c["stream"].as_str().unwrap())).unwrap(),
            buffers: c["buffers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| std::fs::read(dir.join(b["file"].as_str().unwrap())).unwrap())
                .collect(),
            inband: c["mode"] == "inband",
            expected: c["expected"].clone(),
        })
        .collect()
}

#[test]
fn python_pickles_rust_loads() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("fory-pickle-py-{}", std::process::id()));
    let cases = python_cases(&py, &dir);
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut failures = Vec::new();
    let mut zero_copy_arrays = 0;
    for c in &cases {
        let v = match loads(&c.stream, &c.buffers) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{}: {e}", c.name));
                continue;
            }
        };
        if let Err(e) = check(&v, &c.expected, c.inband, &c.name) {
            failures.push(e);
        }
        // out-of-band arrays are views of the supplied buffers
        let mut found = Vec::new();
        arrays(&v, &mut found);
        for a in found {
            if !c.buffers.is_empty() && !a.is_empty() {
                let p = a.data().raw().unwrap().as_ptr();
                if inside(p, &c.buffers) {
                    zero_copy_arrays += 1;
                } else {
                    failures.push(format!("{}: array data was copied", c.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(zero_copy_arrays >= 30, "{zero_copy_arrays}");

    // shared buffers: the array's data is the same `Bytes`
    let c = cases.iter().find(|c| c.name == "np_f8_c").unwrap();
    let shared: Vec<Bytes> = c.buffers.iter().map(|b| Bytes::from(b.clone())).collect();
    let v = loads_shared(&c.stream, &shared).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a.data().raw().unwrap().as_ptr(), shared[0].as_ptr());
    assert_eq!(a.data().to_bytes().unwrap().as_ptr(), shared[0].as_ptr());
    assert_eq!(a.as_slice::<f64>().unwrap()[..3], [-2.0, -1.25, -0.5]);

    // the trap: a dtype memoized before BUILD must come back big-endian twice
    let c = cases
        .iter()
        .find(|c| c.name == "np_shared_dtype_pair")
        .unwrap();
    let v = loads(&c.stream, &c.buffers).unwrap();
    let mut found = Vec::new();
    arrays(&v, &mut found);
    assert!(found
        .iter()
        .all(|a| a.dtype().byte_order() == ByteOrder::Big));
    let _ = std::fs::remove_dir_all(&dir);
}

/// An array built in Rust and what Python must see.
fn native_cases() -> Vec<(&'static str, PickleValue<'static>, Json)> {
    let dt = |s: &str| Dtype::parse(s).unwrap();
    let le = |v: &[f64]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let mut out = Vec::new();

    // F-ordered int32 (3, 4) over 0..12: element [i][j] = i + 3j
    let f = NdArray::from_vec((0..12i32).collect(), &[3, 4], Order::F).unwrap();
    let c: Vec<u8> = (0..3)
        .flat_map(|i: i32| (0..4).flat_map(move |j| (i + 3 * j).to_le_bytes()))
        .collect();
    out.push((
        "native_i4_f",
        PickleValue::Array(f),
        json!({"t": "ndarray", "dtype": "<i4", "shape": [3, 4], "c_hex": hex::encode(c),
               "f_contiguous": true, "c_contiguous": false, "readonly": false}),
    ));

    // arange(24, u1).reshape(2,3,4).transpose(1,0,2)
    let base: Vec<u8> = (0..24).collect();
    let k = NdArray::permuted(
        dt("u1"),
        &[2, 3, 4],
        &[1, 0, 2],
        PickleBuffer::from_vec(base),
    )
    .unwrap();
    let c: Vec<u8> = (0..3)
        .flat_map(|i| (0..2).flat_map(move |j| (0..4).map(move |l| (j * 12 + i * 4 + l) as u8)))
        .collect();
    out.push((
        "native_u1_k",
        PickleValue::Array(k),
        json!({"t": "ndarray", "dtype": "|u1", "shape": [3, 2, 4], "c_hex": hex::encode(c),
               "c_contiguous": false, "readonly": false}),
    ));

    // arange(24, i2).reshape(4, 6)[:, ::2]: strided, whole base buffer shipped
    let base: Vec<u8> = (0..24i16).flat_map(|x| x.to_le_bytes()).collect();
    let s = NdArray::from_parts(
        dt("<i2"),
        &[4, 3],
        &[12, 4],
        0,
        PickleBuffer::from_vec(base),
    )
    .unwrap();
    let c: Vec<u8> = (0..4)
        .flat_map(|r| (0..3).flat_map(move |col| ((r * 6 + 2 * col) as i16).to_le_bytes()))
        .collect();
    out.push((
        "native_i2_strided",
        PickleValue::Array(s),
        json!({"t": "ndarray", "dtype": "<i2", "shape": [4, 3], "c_hex": hex::encode(c), "readonly": false}),
    ));

    // arange(9.).reshape(3,3)[1:, 1:]: an offset and gaps, read-only
    let base = le(&(0..9).map(f64::from).collect::<Vec<_>>());
    let o = NdArray::from_parts(
        dt("<f8"),
        &[2, 2],
        &[24, 8],
        32,
        PickleBuffer::from_bytes(Bytes::from(base)),
    )
    .unwrap();
    out.push((
        "native_f8_offset_readonly",
        PickleValue::Array(o),
        json!({"t": "ndarray", "dtype": "<f8", "shape": [2, 2],
               "c_hex": hex::encode(le(&[4.0, 5.0, 7.0, 8.0])), "readonly": true}),
    ));

    // big-endian float64, bool 0-d, float16, complex128 from raw bytes
    let be: Vec<u8> = [1.5f64, -2.0]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    out.push((
        "native_be_f8",
        PickleValue::Array(
            NdArray::new(dt(">f8"), &[2], Order::C, PickleBuffer::from_vec(be.clone())).unwrap(),
        ),
        json!({"t": "ndarray", "dtype": ">f8", "shape": [2], "c_hex": hex::encode(&be), "readonly": false}),
    ));
    out.push((
        "native_b1_0d",
        PickleValue::Array(
            NdArray::new(dt("b1"), &[], Order::C, PickleBuffer::from_vec(vec![1])).unwrap(),
        ),
        json!({"t": "ndarray", "dtype": "|b1", "shape": [], "c_hex": "01", "readonly": false}),
    ));
    let h: Vec<half::f16> = [0.5f32, -1.0, 65504.0].map(half::f16::from_f32).to_vec();
    let hb: Vec<u8> = h.iter().flat_map(|x| x.to_le_bytes()).collect();
    out.push((
        "native_f2",
        PickleValue::Array(NdArray::from_vec(h, &[3], Order::C).unwrap()),
        json!({"t": "ndarray", "dtype": "<f2", "shape": [3], "c_hex": hex::encode(hb), "readonly": false}),
    ));
    let cb = le(&[1.0, -1.0, 0.5, 2.0]);
    out.push((
        "native_c16_with_meta",
        PickleValue::Dict(vec![
            (
                PickleValue::str("z"),
                PickleValue::Array(
                    NdArray::new(dt("<c16"), &[2], Order::C, PickleBuffer::from_vec(cb.clone()))
                        .unwrap(),
                ),
            ),
            (
                PickleValue::str("empty"),
                PickleValue::Array(
                    NdArray::new(dt("<f4"), &[0, 5], Order::C, PickleBuffer::from_vec(vec![]))
                        .unwrap(),
                ),
            ),
        ]),
        json!({"t": "dict", "items": [
            [{"t": "str", "v": "z"}, {"t": "ndarray", "dtype": "<c16", "shape": [2], "c_hex": hex::encode(&cb)}],
            [{"t": "str", "v": "empty"}, {"t": "ndarray", "dtype": "<f4", "shape": [0, 5], "c_hex": ""}]]}),
    ));
    out
}

/// What an in-band stream gives back: Python (and this crate) read an
/// in-band `PickleBuffer` as `bytes` (read-only) or `bytearray`.
fn inband_form(v: &PickleValue<'_>) -> PickleValue<'static> {
    let seq = |x: &[PickleValue<'_>]| x.iter().map(inband_form).collect();
    match v {
        PickleValue::Buffer(pb) if pb.readonly() => {
            PickleValue::Bytes(pb.raw().unwrap().to_vec().into())
        }
        PickleValue::Buffer(pb) => PickleValue::ByteArray(pb.raw().unwrap().to_vec().into()),
        PickleValue::List(x) => PickleValue::List(seq(x)),
        PickleValue::Tuple(x) => PickleValue::Tuple(seq(x)),
        PickleValue::Set(x) => PickleValue::Set(seq(x)),
        PickleValue::FrozenSet(x) => PickleValue::FrozenSet(seq(x)),
        PickleValue::Dict(e) => PickleValue::Dict(
            e.iter()
                .map(|(k, x)| (inband_form(k), inband_form(x)))
                .collect(),
        ),
        other => other.clone().into_owned(),
    }
}

const VARIANTS: [(&str, NumpyTarget, bool); 4] = [
    ("np2_oob", NumpyTarget::Numpy2, true),
    ("np2_inband", NumpyTarget::Numpy2, false),
    ("np1_oob", NumpyTarget::Numpy1, true),
    ("portable_oob", NumpyTarget::Portable, true),
];

fn write_variants(
    dir: &Path,
    name: &str,
    v: &PickleValue<'_>,
    extra: Json,
    entries: &mut Vec<Json>,
) {
    for (tag, target, oob) in VARIANTS {
        let mut bufs = Vec::new();
        let stream = DumpOptions::default()
            .numpy(target)
            .dumps(v, |b| {
                if oob {
                    bufs.push(b);
                    Placement::OutOfBand
                } else {
                    Placement::InBand
                }
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let stem = format!("{name}.{tag}");
        std::fs::write(dir.join(format!("{stem}.pkl")), &stream).unwrap();
        let mut files = Vec::new();
        for (k, b) in bufs.iter().enumerate() {
            let f = format!("{stem}.buf{k}.bin");
            b.write_to(&mut std::fs::File::create(dir.join(&f)).unwrap())
                .unwrap();
            files.push(f);
        }
        // and Rust reads its own output back to the same value
        let views: Vec<&[u8]> = bufs.iter().map(|b| b.as_bytes()).collect();
        let back = loads(&stream, &views).unwrap_or_else(|e| panic!("{stem}: {e}"));
        if oob {
            assert_eq!(&back, v, "{stem}");
        } else {
            assert_eq!(back, inband_form(v), "{stem}");
        }
        let mut e = json!({"stream": format!("{stem}.pkl"), "buffers": files, "zero_copy": oob});
        for (k, x) in extra.as_object().unwrap() {
            e[k] = x.clone();
        }
        entries.push(e);
    }
}

#[test]
fn rust_dumps_python_loads() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("fory-pickle-rs-{}", std::process::id()));
    let cases = python_cases(&py, &dir);
    let mut entries = Vec::new();
    for c in &cases {
        let v = loads(&c.stream, &c.buffers).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        write_variants(&dir, &c.name, &v, json!({"case": c.name}), &mut entries);
    }
    for (name, v, expect) in native_cases() {
        write_variants(&dir, name, &v, json!({"expect": expect}), &mut entries);
    }
    let n = entries.len();
    std::fs::write(
        dir.join("rust.json"),
        serde_json::to_vec_pretty(&json!({"cases": entries})).unwrap(),
    )
    .unwrap();
    let out = peer(&py, "check", &dir);
    assert_eq!(
        out.lines().last(),
        Some(format!("{n} passed, 0 failed").as_str()),
        "{out}"
    );
    // FORY_PICKLE_KEEP=1 keeps the streams (e.g. to load them with another numpy)
    if std::env::var("FORY_PICKLE_KEEP").is_ok_and(|v| v == "1") {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
