//! numpy ↔ Rust through pyfory 1.7.7 and the companion module
//! `tests/python/fory_ndarray.py`, both directions, every element type ×
//! dimensionality × order × placement, both struct modes; out-of-band arrays
//! share memory with their buffers on both sides (pointer identity in Rust,
//! `np.shares_memory` in Python). Python comes from `tests/python/setup_venv.sh`;
//! `FORY_SKIP_PYTHON=1` skips these tests.

mod common;
#[allow(dead_code)]
#[path = "../examples/dataframe.rs"]
mod dataframe;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use fory_core::Fory;
use fory_ndarray::{Nd, NdExt, Order, RawArray};
use ndarray::{
    Array, ArrayView, CowArray, Dimension, Ix0, Ix1, Ix2, Ix3, Ix4, Ix5, Ix6, IxDyn, ShapeBuilder,
};
use serde_json::{json, Value};

fn peer() -> PathBuf {
    repo_root().join("tests/python/fory_ndarray.py")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fory-ndarray-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(py: &str, args: &[&str]) -> String {
    let out = Command::new(py)
        .arg(peer())
        .args(args)
        .output()
        .expect("run fory_ndarray.py");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "fory_ndarray.py {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Reads one Python-written case with the element type `A`.
fn check_case<A: TestElem>(fory: &Fory, dir: &Path, case: &Value) {
    let name = case["name"].as_str().unwrap();
    let shape: Vec<usize> = case["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let stream = std::fs::read(dir.join(format!("{name}.bin"))).unwrap();
    let bufs: Vec<Vec<u8>> = (0..case["buffers"].as_u64().unwrap())
        .map(|k| std::fs::read(dir.join(format!("{name}.oob.{k}.bin"))).unwrap())
        .collect();
    let oob = stream[0] & 2 != 0;
    macro_rules! dims {
        ($($n:literal => $d:ty),*) => {
            match shape.len() {
                $($n => check_dim::<A, $d>(fory, &stream, &bufs, oob, &shape, case),)*
                n => panic!("{name}: {n} dimensions"),
            }
        };
    }
    dims!(0 => Ix0, 1 => Ix1, 2 => Ix2, 3 => Ix3, 4 => Ix4, 5 => Ix5, 6 => Ix6);
}

fn check_dim<A: TestElem, D: Dimension>(
    fory: &Fory,
    stream: &[u8],
    bufs: &[Vec<u8>],
    oob: bool,
    shape: &[usize],
    case: &Value,
) {
    let name = case["name"].as_str().unwrap();
    let want = expected::<A>(shape).into_dimensionality::<D>().unwrap();
    let owned: Nd<Array<A, D>> = if oob {
        fory.deserialize_with_buffers(stream, bufs)
    } else {
        fory.deserialize(stream)
    }
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(owned.0, want, "{name}");
    let raw: RawArray = if oob {
        fory.deserialize_with_buffers(stream, bufs)
    } else {
        fory.deserialize(stream)
    }
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let f_order = case["wire_order"] == "F" && shape.len() > 1;
    assert_eq!(
        raw.order(),
        if f_order { Order::F } else { Order::C },
        "{name}"
    );
    assert_eq!(
        raw.buffer_index().is_some(),
        !bufs.is_empty(),
        "{name}: where the data is"
    );
    let cow: NdExt<CowArray<A, IxDyn>> = if oob {
        fory.deserialize_with_buffers(stream, bufs)
    } else {
        fory.deserialize(stream)
    }
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(cow.0, want.clone().into_dyn(), "{name}");
    if !bufs.is_empty() && !want.is_empty() {
        // out-of-band: the view is the buffer Python handed over
        let view: Nd<ArrayView<A, D>> = fory
            .deserialize_with_buffers(stream, bufs)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(view.as_ptr().cast::<u8>(), bufs[0].as_ptr(), "{name}");
        assert_eq!(view.0, want, "{name}");
    }
}

fn python_to_rust(one_d: &str, compatible: bool) {
    let Some(py) = python() else {
        eprintln!("FORY_SKIP_PYTHON=1: skipped");
        return;
    };
    let dir = tmp(&format!("py2rs-{one_d}-{compatible}"));
    let out = run(
        &py,
        &[
            "write",
            dir.to_str().unwrap(),
            "--one-d",
            one_d,
            "--compatible",
            if compatible { "1" } else { "0" },
        ],
    );
    assert!(out.contains("written"), "{out}");
    let manifest: Vec<Value> =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    assert!(manifest.len() > 500, "{}", manifest.len());
    let fory = fory(compatible);
    let mut dense = 0;
    for case in &manifest {
        dense += usize::from(case["form"] == "dense");
        let dtype = dtype_by_name(case["dtype"].as_str().unwrap());
        with_elem!(dtype, check_case(&fory, &dir, case));
    }
    assert_eq!(dense > 0, one_d == "dense");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn numpy_to_rust_extension_compatible() {
    python_to_rust("ext", true);
}

#[test]
fn numpy_to_rust_dense_1d_schema_consistent() {
    python_to_rust("dense", false);
}

/// Writes every case from Rust into `dir` with a manifest for the peer.
fn write_case<A: TestElem>(fory: &Fory, dir: &Path, manifest: &mut Vec<Value>) {
    for ndim in 0..=6 {
        for shape in shapes(ndim) {
            for layout in Layout::ALL {
                if layout == Layout::F && ndim < 2 {
                    continue;
                }
                for place in [Place::NoCallback, Place::InBand, Place::OutOfBand] {
                    let laid = Laid::<A>::new(&shape, layout);
                    let v = laid.view();
                    // 1-D also as pyfory's dense arrays (bfloat16 has no numpy dtype there)
                    let dense_too = ndim == 1 && A::DTYPE != fory_ndarray::DType::BFloat16;
                    for form in ["ext", "dense"] {
                        if form == "dense" && !dense_too {
                            continue;
                        }
                        let (stream, bufs) = if form == "dense" {
                            write(
                                fory,
                                &Nd(v.view().into_dimensionality::<Ix1>().unwrap()),
                                place,
                            )
                        } else {
                            write(fory, &NdExt(v.view()), place)
                        };
                        let name = format!(
                            "{}_{ndim}d_{}_{}_{place:?}_{form}",
                            A::DTYPE,
                            shape
                                .iter()
                                .map(|s| s.to_string())
                                .collect::<Vec<_>>()
                                .join("x"),
                            layout.name()
                        );
                        std::fs::write(dir.join(format!("{name}.bin")), &stream).unwrap();
                        for (k, b) in bufs.iter().enumerate() {
                            std::fs::write(dir.join(format!("{name}.oob.{k}.bin")), b).unwrap();
                        }
                        // the wire order: F for F-contiguous data, C otherwise
                        // (strided arrays here are C-like)
                        let wire_order = if layout == Layout::F { "F" } else { "C" };
                        manifest.push(json!({
                            "name": name,
                            "dtype": A::DTYPE.name(),
                            "shape": shape,
                            "order": layout.name(),
                            "placement": format!("{place:?}"),
                            "buffers": bufs.len(),
                            "form": form,
                            "wire_order": wire_order,
                        }));
                    }
                }
            }
        }
    }
}

fn rust_to_python(compatible: bool) {
    let Some(py) = python() else {
        eprintln!("FORY_SKIP_PYTHON=1: skipped");
        return;
    };
    let dir = tmp(&format!("rs2py-{compatible}"));
    let fory = fory(compatible);
    let mut manifest = Vec::new();
    for_each_elem!(write_case(&fory, &dir, &mut manifest));
    let n = manifest.len();
    std::fs::write(
        dir.join("cases.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    let out = run(
        &py,
        &[
            "check",
            dir.to_str().unwrap(),
            "--compatible",
            if compatible { "1" } else { "0" },
        ],
    );
    assert_eq!(
        out.lines().last(),
        Some(format!("{n} passed, 0 failed").as_str()),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rust_to_numpy_compatible() {
    rust_to_python(true);
}

#[test]
fn rust_to_numpy_schema_consistent() {
    rust_to_python(false);
}

#[test]
fn python_companion_selftest() {
    let Some(py) = python() else {
        return;
    };
    let out = run(&py, &["selftest"]);
    assert!(!out.contains("FAIL"), "{out}");
}

/// Runs a Python snippet with the companion importable; returns stdout.
fn python_snippet(py: &str, code: &str, args: &[&Path]) -> String {
    let prelude = format!(
        "import sys; sys.path.insert(0, {:?})\nimport numpy as np, pyfory, fory_ndarray\n",
        repo_root().join("tests/python").to_str().unwrap()
    );
    let out = Command::new(py)
        .arg("-c")
        .arg(prelude + code)
        .args(args)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "python failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn lists_of_arrays_and_reference_tracking_both_ways() {
    let Some(py) = python() else {
        return;
    };
    let dir = tmp("lists");
    // Python → Rust: a list of arrays of several dtypes and orders (written
    // with one_d="ext": pyfory 1.7.7 cannot write lists of its "dynamic" numpy
    // type) and a ref-tracking stream
    python_snippet(
        &py,
        r#"
d = sys.argv[1]
f = fory_ndarray.register(pyfory.Fory(xlang=True, ref=False), one_d="ext")
items = [np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(4, dtype=np.int16).reshape(2, 2)),
         np.array([1, 2, 3], dtype=np.int64), np.array([[True], [False]])]
bufs = []
open(d + "/list.bin", "wb").write(f.serialize(items, buffer_callback=lambda o: bufs.append(o) or False))
for k, b in enumerate(bufs):
    open(d + f"/list.oob.{k}.bin", "wb").write(b.getbuffer())
g = fory_ndarray.register(pyfory.Fory(xlang=True, ref=True))
open(d + "/ref.bin", "wb").write(g.serialize(np.ones((2, 3), dtype=np.float32)))
"#,
        &[&dir],
    );
    let fory = fory(true);
    let stream = std::fs::read(dir.join("list.bin")).unwrap();
    let bufs: Vec<Vec<u8>> = (0..4)
        .map(|k| std::fs::read(dir.join(format!("list.oob.{k}.bin"))).unwrap())
        .collect();
    let items: Vec<RawArray> = fory.deserialize_with_buffers(&stream, &bufs).unwrap();
    assert_eq!(items.len(), 4);
    let a = items[0].view::<f64, Ix2>().unwrap();
    assert_eq!(a, ndarray::array![[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]);
    assert_eq!(a.as_ptr().cast::<u8>(), bufs[0].as_ptr());
    assert_eq!(items[1].order(), Order::F);
    assert_eq!(
        items[1].to_array::<i16, Ix2>().unwrap(),
        ndarray::array![[0i16, 1], [2, 3]]
    );
    assert_eq!(
        items[2].buffer_index(),
        Some(2),
        "1-D as the extension, out-of-band"
    );
    assert_eq!(
        items[2].to_array::<i64, Ix1>().unwrap(),
        ndarray::array![1i64, 2, 3]
    );
    assert_eq!(
        items[3].to_array::<bool, Ix2>().unwrap(),
        ndarray::array![[true], [false]]
    );
    let tracking = fory_ndarray::register(Fory::builder().ref_tracking(true))
        .unwrap()
        .build();
    let r: Nd<Array<f32, Ix2>> = tracking
        .deserialize(&std::fs::read(dir.join("ref.bin")).unwrap())
        .unwrap();
    assert_eq!(r.0, Array::from_elem((2, 3), 1.0f32));

    // Rust → Python: a list of arrays out-of-band, and a ref-tracking stream
    let x = Array::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f32);
    let y = Array::from_shape_fn((2, 2, 2).f(), |(i, j, k)| (i + j + k) as f32);
    let list = vec![NdExt(x.view().into_dyn()), NdExt(y.view().into_dyn())];
    let (stream, bufs) = write(&fory, &list, Place::OutOfBand);
    std::fs::write(dir.join("rs_list.bin"), &stream).unwrap();
    for (k, b) in bufs.iter().enumerate() {
        std::fs::write(dir.join(format!("rs_list.oob.{k}.bin")), b).unwrap();
    }
    let (stream, _) = write(&tracking, &Nd(x.view()), Place::NoCallback);
    std::fs::write(dir.join("rs_ref.bin"), &stream).unwrap();
    let out = python_snippet(
        &py,
        r#"
d = sys.argv[1]
f = fory_ndarray.register(pyfory.Fory(xlang=True, ref=False))
bufs = [memoryview(bytearray(open(d + f"/rs_list.oob.{k}.bin", "rb").read())) for k in range(2)]
x, y = f.deserialize(open(d + "/rs_list.bin", "rb").read(), buffers=bufs)
assert np.array_equal(x, np.arange(6, dtype=np.float32).reshape(3, 2)), x
i, j, k = np.indices((2, 2, 2))
assert np.array_equal(y, (i + j + k).astype(np.float32)) and y.flags.f_contiguous, y
assert np.shares_memory(x, bufs[0]) and np.shares_memory(y, bufs[1])
g = fory_ndarray.register(pyfory.Fory(xlang=True, ref=True))
r = g.deserialize(open(d + "/rs_ref.bin", "rb").read())
assert np.array_equal(r, x), r
print("ok")
"#,
        &[&dir],
    );
    assert_eq!(out.trim(), "ok");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dataframe_struct_crosses_both_ways_byte_identical() {
    let Some(py) = python() else {
        return;
    };
    let dir = tmp("dataframe");
    let fory = fory_ndarray::register(Fory::builder())
        .unwrap()
        .register_struct::<dataframe::DataFrame>()
        .unwrap()
        .build();
    let df = dataframe::frame(1000);
    let (stream, bufs) = write(&fory, &df, Place::OutOfBand);
    assert_eq!(bufs.len(), 2);
    std::fs::write(dir.join("df.bin"), &stream).unwrap();
    for (k, b) in bufs.iter().enumerate() {
        std::fs::write(dir.join(format!("df.oob.{k}.bin")), b).unwrap();
    }
    // pyfory reads it into a dataclass (numeric columns are numpy arrays over
    // the buffers) and writes it back the same way
    let out = python_snippet(
        &py,
        r#"
import dataclasses, typing
@dataclasses.dataclass
class DataFrame:
    price: typing.Any = None
    volume: typing.Any = None
    symbol: typing.List[str] = None
d = sys.argv[1]
f = fory_ndarray.register(pyfory.Fory(xlang=True, ref=False), one_d="ext")
f.register(DataFrame, name="example.DataFrame")
bufs = [memoryview(bytearray(open(d + f"/df.oob.{k}.bin", "rb").read())) for k in range(2)]
df = f.deserialize(open(d + "/df.bin", "rb").read(), buffers=bufs)
assert np.array_equal(df.price, 100.0 + np.arange(1000) * 0.25)
assert np.array_equal(df.volume, (np.arange(1000) * 37) % 1000) and df.volume.dtype == np.int64
assert df.symbol[999] == "SYM0999"
assert np.shares_memory(df.price, bufs[0]) and np.shares_memory(df.volume, bufs[1])
out = []
data = f.serialize(df, buffer_callback=lambda o: out.append(o) or False)
assert all(np.shares_memory(np.frombuffer(o.getbuffer(), np.uint8), a) for o, a in zip(out, (df.price, df.volume)))
open(d + "/py.bin", "wb").write(data)
for k, b in enumerate(out):
    open(d + f"/py.oob.{k}.bin", "wb").write(b.getbuffer())
print("ok")
"#,
        &[&dir],
    );
    assert_eq!(out.trim(), "ok");
    let py_stream = std::fs::read(dir.join("py.bin")).unwrap();
    let py_bufs: Vec<Vec<u8>> = (0..2)
        .map(|k| std::fs::read(dir.join(format!("py.oob.{k}.bin"))).unwrap())
        .collect();
    assert_eq!(py_stream, stream, "pyfory's re-encoding is byte-identical");
    assert_eq!(py_bufs, bufs);
    let view: dataframe::DataFrameView =
        fory.deserialize_with_buffers(&py_stream, &py_bufs).unwrap();
    assert_eq!(view.price.as_ptr().cast::<u8>(), py_bufs[0].as_ptr());
    assert_eq!(view.price.0, df.price.0);
    assert_eq!(view.symbol, df.symbol);
    let _ = std::fs::remove_dir_all(&dir);
}
