//! The `ndarray` feature against numpy (CPython 3.11 + numpy 2.4 from the
//! project venv, `tests/python/setup_venv.sh`, driving
//! `tests/python/pickle_peer.py`):
//!
//! * numpy pickles out-of-band arrays of every numeric dtype in C, F and K
//!   order, 0-d, empty and big-endian (`pickle_peer.py ndgen`); Rust loads
//!   them as `ArrayView`s whose data pointer lies in the supplied buffer,
//!   with numpy's strides; misaligned buffers and foreign byte orders are
//!   typed errors for views and work for the owned `to_array`.
//! * Rust builds `PickleValue`s from `ndarray` arrays and views, dumps them
//!   out-of-band (the buffer callback gets the arrays' own memory), and
//!   Python loads them (`pickle_peer.py check`): equal, same strides and
//!   `np.shares_memory` with the buffers.
//!
//! `FORY_SKIP_PYTHON=1` skips the Python halves.
#![cfg(feature = "ndarray")]

use std::fmt::Debug;
use std::mem::{align_of, size_of};
use std::path::Path;
use std::process::Command;

use fory_core::Placement;
use fory_pickle::{
    loads, DumpOptions, Error, NdArray, NdElement, NumpyTarget, PickleValue, ViewError,
};
use ndarray::{
    arr0, Array, Array2, Array3, ArrayD, ArrayView, ArrayViewD, Dimension, Ix0, Ix1, Ix2, Ix3,
    ShapeBuilder,
};
use num_complex::Complex;
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

/// An element type with sample values and numpy's `dtype.str`.
trait Sample: NdElement + PartialEq + Debug {
    const DESCR: &'static str;
    fn sample(i: usize) -> Self;
}

impl Sample for bool {
    const DESCR: &'static str = "|b1";
    fn sample(i: usize) -> Self {
        i % 3 == 0
    }
}

macro_rules! int_sample {
    ($($t:ty => $d:expr;)*) => {$(
        impl Sample for $t {
            const DESCR: &'static str = $d;
            fn sample(i: usize) -> Self {
                (i * 37 % 250) as $t
            }
        }
    )*};
}

int_sample! {
    i8 => "|i1"; i16 => "<i2"; i32 => "<i4"; i64 => "<i8";
    u8 => "|u1"; u16 => "<u2"; u32 => "<u4"; u64 => "<u8";
}

impl Sample for half::f16 {
    const DESCR: &'static str = "<f2";
    fn sample(i: usize) -> Self {
        half::f16::from_f32(i as f32 * 0.75 - 2.0)
    }
}

impl Sample for f32 {
    const DESCR: &'static str = "<f4";
    fn sample(i: usize) -> Self {
        i as f32 * 0.75 - 2.0
    }
}

impl Sample for f64 {
    const DESCR: &'static str = "<f8";
    fn sample(i: usize) -> Self {
        i as f64 * 0.75 - 2.0
    }
}

impl Sample for Complex<f32> {
    const DESCR: &'static str = "<c8";
    fn sample(i: usize) -> Self {
        Complex::new(i as f32 * 1.5, -(i as f32) * 0.5)
    }
}

impl Sample for Complex<f64> {
    const DESCR: &'static str = "<c16";
    fn sample(i: usize) -> Self {
        Complex::new(i as f64 * 1.5, -(i as f64) * 0.5)
    }
}

/// Runs `$f::<T>(args)` for the element type `T` of numpy kind+size `$ks`.
macro_rules! for_dtype {
    ($ks:expr, $f:ident ( $($arg:expr),* )) => {
        match $ks {
            "b1" => $f::<bool>($($arg),*),
            "i1" => $f::<i8>($($arg),*),
            "i2" => $f::<i16>($($arg),*),
            "i4" => $f::<i32>($($arg),*),
            "i8" => $f::<i64>($($arg),*),
            "u1" => $f::<u8>($($arg),*),
            "u2" => $f::<u16>($($arg),*),
            "u4" => $f::<u32>($($arg),*),
            "u8" => $f::<u64>($($arg),*),
            "f2" => $f::<half::f16>($($arg),*),
            "f4" => $f::<f32>($($arg),*),
            "f8" => $f::<f64>($($arg),*),
            "c8" => $f::<Complex<f32>>($($arg),*),
            "c16" => $f::<Complex<f64>>($($arg),*),
            other => panic!("no element type for {other}"),
        }
    };
}

/// The elements' bytes in logical order (native order: little-endian here).
fn c_hex<T: NdElement, D: Dimension>(v: &ArrayView<'_, T, D>) -> String {
    hex::encode(
        v.iter()
            .flat_map(|x| bytemuck::bytes_of(x).to_vec())
            .collect::<Vec<u8>>(),
    )
}

fn is_view_error(r: Result<impl Debug, Error>, want: fn(&ViewError) -> bool) -> bool {
    matches!(r, Err(Error::ArrayView(ref e)) if want(e))
}

/// Checks the typed-dimension conversions of a view of `ndim` dimensions.
fn typed_dims<T: NdElement>(v: ArrayViewD<'_, T>) -> Result<(), String> {
    let ok = match v.ndim() {
        0 => v.clone().into_dimensionality::<Ix0>().is_ok(),
        1 => v.clone().into_dimensionality::<Ix1>().is_ok(),
        2 => v.clone().into_dimensionality::<Ix2>().is_ok(),
        3 => v.clone().into_dimensionality::<Ix3>().is_ok(),
        n => return Err(format!("{n} dimensions")),
    };
    let wrong = if v.ndim() == 2 {
        v.into_dimensionality::<Ix3>().map(drop)
    } else {
        v.into_dimensionality::<Ix2>().map(drop)
    };
    if !ok
        || !is_view_error(wrong.map_err(Error::from), |e| {
            matches!(e, ViewError::Shape(_))
        })
    {
        return Err("into_dimensionality".into());
    }
    Ok(())
}

struct NdCase {
    name: String,
    stream: Vec<u8>,
    buffer: Vec<u8>,
    expected: Json,
}

fn nd_cases(py: &str, dir: &Path) -> Vec<NdCase> {
    let _ = std::fs::remove_dir_all(dir);
    peer(py, "ndgen", dir);
    let manifest: Json =
        serde_json::from_slice(&std::fs::read(dir.join("nd_manifest.json")).unwrap()).unwrap();
    manifest["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| NdCase {
            name: c["name"].as_str().unwrap().to_string(),
            stream: std::fs::read(dir.join(c["stream"].as_str().unwrap())).unwrap(),
            buffer: std::fs::read(dir.join(c["buffers"][0].as_str().unwrap())).unwrap(),
            expected: c["expected"].clone(),
        })
        .collect()
}

/// A native-order numpy array loaded from `c`: a view into the buffer with
/// numpy's shape, strides, order and values; `to_array` and the
/// misaligned-buffer behaviour.
fn check_native<T: NdElement + PartialEq + Debug>(c: &NdCase) -> Result<(), String> {
    let e = &c.expected;
    let buffers = [&c.buffer[..]];
    let v = loads(&c.stream, &buffers).map_err(|e| e.to_string())?;
    let a = v.as_array().ok_or("not an array")?;
    let view = a.as_array_view::<T>().map_err(|e| e.to_string())?;
    if serde_json::to_value(view.shape()).unwrap() != e["shape"] {
        return Err(format!("shape {:?}", view.shape()));
    }
    if c_hex(&view) != e["c_hex"] {
        return Err("values differ".into());
    }
    let size = size_of::<T>();
    if !view.is_empty() {
        // zero-copy: the data pointer (and the last element) are in the buffer
        let range = c.buffer.as_ptr_range();
        if !range.contains(&view.as_ptr().cast::<u8>()) {
            return Err("the view's data is not in the supplied buffer".into());
        }
        let last = view.iter().last().unwrap();
        if !range.contains(&std::ptr::from_ref(last).cast::<u8>()) {
            return Err("the last element is not in the supplied buffer".into());
        }
        // numpy's byte strides (axes longer than 1)
        for (ax, (&d, &s)) in view.shape().iter().zip(view.strides()).enumerate() {
            if d > 1 && json!(s * size as isize) != e["strides"][ax] {
                return Err(format!("stride of axis {ax}: {s} elements"));
            }
        }
    }
    let layout_ok = match e["order"].as_str().unwrap() {
        "C" => view.is_standard_layout(),
        "F" => view.t().is_standard_layout() && !view.is_standard_layout(),
        "K" => {
            !view.is_standard_layout()
                && !view.t().is_standard_layout()
                && view.as_slice_memory_order().is_some()
        }
        _ => true,
    };
    if !layout_ok {
        return Err(format!(
            "{} layout: strides {:?}",
            e["order"],
            view.strides()
        ));
    }
    // a view that outlives the value, with the same memory
    let (ptr, view) = (view.as_ptr(), view.to_owned());
    let borrowed = a.borrowed_array_view::<T>().map_err(|e| e.to_string())?;
    drop(v);
    if borrowed.as_ptr() != ptr || borrowed != view {
        return Err("borrowed_array_view differs".into());
    }
    typed_dims(borrowed)?;
    // the owned copy
    let v = loads(&c.stream, &buffers).map_err(|e| e.to_string())?;
    let a = v.as_array().unwrap();
    let owned = a.to_array::<T>().map_err(|e| e.to_string())?;
    if owned != view || !owned.is_standard_layout() {
        return Err("to_array differs".into());
    }
    // the wrong element type
    let wrong = if size_of::<T>() == 1 && a.dtype().kind_size() == "u1" {
        is_view_error(a.as_array_view::<i8>(), |e| {
            matches!(e, ViewError::WrongType { .. })
        })
    } else {
        is_view_error(a.as_array_view::<u8>(), |e| {
            matches!(e, ViewError::WrongType { .. })
        })
    };
    if !wrong {
        return Err("a wrong element type was not refused".into());
    }
    // a misaligned buffer: no view, but to_array
    if align_of::<T>() > 1 {
        let mut shifted = vec![0u8; c.buffer.len() + 1];
        shifted[1..].copy_from_slice(&c.buffer);
        let buffers = [&shifted[1..]];
        let v = loads(&c.stream, &buffers).map_err(|e| e.to_string())?;
        let a = v.as_array().unwrap();
        let refused = is_view_error(
            a.as_array_view::<T>(),
            |e| matches!(e, ViewError::Misaligned { align, .. } if *align == align_of::<T>()),
        );
        if !view.is_empty() && !refused {
            return Err("a misaligned view was not refused".into());
        }
        if a.to_array::<T>().map_err(|e| e.to_string())? != view {
            return Err("to_array of misaligned bytes differs".into());
        }
    }
    Ok(())
}

/// A big-endian numpy array: views are refused, `to_array` equals the
/// native-order twin's.
fn check_big_endian<T: NdElement + PartialEq + Debug>(
    c: &NdCase,
    twin: &NdCase,
) -> Result<(), String> {
    let buffers = [&c.buffer[..]];
    let v = loads(&c.stream, &buffers).map_err(|e| e.to_string())?;
    let a = v.as_array().ok_or("not an array")?;
    let byte_order = |e: &ViewError| matches!(e, ViewError::ByteOrder { .. });
    if !is_view_error(a.as_array_view::<T>(), byte_order)
        || !is_view_error(a.borrowed_array_view::<T>(), byte_order)
    {
        return Err("a big-endian view was not refused".into());
    }
    let twin_buffers = [&twin.buffer[..]];
    let t = loads(&twin.stream, &twin_buffers).map_err(|e| e.to_string())?;
    let want = t
        .as_array()
        .unwrap()
        .as_array_view::<T>()
        .map_err(|e| e.to_string())?;
    let got = a.to_array::<T>().map_err(|e| e.to_string())?;
    if got != want {
        return Err(format!("to_array {got:?} is not {want:?}"));
    }
    Ok(())
}

#[test]
fn numpy_arrays_load_as_views_of_the_buffers() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("fory-pickle-nd-py-{}", std::process::id()));
    let cases = nd_cases(&py, &dir);
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut failures = Vec::new();
    let mut orders = std::collections::BTreeMap::<String, usize>::new();
    for c in &cases {
        let dtype = c.expected["dtype"].as_str().unwrap();
        let ks = dtype[1..].replace('?', "b1");
        let res = match c.expected["twin"].as_str() {
            None => {
                *orders
                    .entry(c.expected["order"].as_str().unwrap().to_string())
                    .or_default() += 1;
                for_dtype!(ks.as_str(), check_native(c))
            }
            Some(twin) => {
                let twin = cases.iter().find(|t| t.name == twin).unwrap();
                for_dtype!(ks.as_str(), check_big_endian(c, twin))
            }
        };
        if let Err(e) = res {
            failures.push(format!("{}: {e}", c.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 14 dtypes in each of C, F and K, plus 0-d and empty ones
    assert!(
        orders["C"] > 14 && orders["F"] >= 14 && orders["K"] >= 14,
        "{orders:?}"
    );
    assert!(orders["0d"] >= 4 && orders["empty"] >= 3, "{orders:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// What Python must see for an array built in Rust.
fn expect<T: Sample, D: Dimension>(v: &ArrayView<'_, T, D>, readonly: bool) -> Json {
    let mut e = json!({"t": "ndarray", "dtype": T::DESCR, "shape": v.shape(),
                       "c_hex": c_hex(v), "readonly": readonly});
    if v.ndim() >= 2 && !v.is_empty() {
        let strides: Vec<isize> = v
            .strides()
            .iter()
            .map(|s| s * size_of::<T>() as isize)
            .collect();
        e["strides"] = json!(strides);
        e["c_contiguous"] = json!(v.is_standard_layout());
        e["f_contiguous"] = json!(v.t().is_standard_layout());
    }
    e
}

/// A value to dump, what Python must see, and the memory its buffer must
/// be (`None`: copied once, still out-of-band).
struct RustCase<'a> {
    name: String,
    value: PickleValue<'a>,
    expect: Json,
    memory: Option<*const u8>,
}

/// Views of arrays owned by `store`, in C, F and K order, and 0-d, empty,
/// reversed and gapped ones (copied), and owned arrays.
fn rust_cases<'a, T: Sample>(
    store: &'a (Array2<T>, Array2<T>, Array3<T>, Array2<T>),
    out: &mut Vec<RustCase<'a>>,
) {
    let ks = &T::DESCR[1..];
    let mut push = |name: &str, value: PickleValue<'a>, expect: Json, memory| {
        out.push(RustCase {
            name: format!("rs_{ks}_{name}"),
            value,
            expect,
            memory,
        })
    };
    let (c, f, base, rev_base) = store;
    let k = base.view().permuted_axes([2, 0, 1]);
    assert!(!k.is_standard_layout() && !k.t().is_standard_layout());
    for (name, v) in [
        ("c", c.view().into_dyn()),
        ("f", f.view().into_dyn()),
        ("k", k.into_dyn()),
    ] {
        let memory = v.as_slice_memory_order().unwrap().as_ptr().cast::<u8>();
        push(
            name,
            PickleValue::try_from(v.clone()).unwrap(),
            expect(&v, true),
            Some(memory),
        );
    }
    // the transpose of a C array: F
    let t = c.t();
    push(
        "t",
        PickleValue::try_from(t).unwrap(),
        expect(&t, true),
        Some(c.as_ptr().cast()),
    );
    // reversed and gapped: one copy into C order
    let rev = rev_base.slice(ndarray::s![.., ..;-1]);
    let e = expect(&rev.as_standard_layout().view(), true); // numpy sees a C-ordered copy
    push("reversed", PickleValue::try_from(rev).unwrap(), e, None);
    let gaps = rev_base.slice(ndarray::s![..;2, ..]);
    let e = expect(&gaps.as_standard_layout().view(), true);
    push("gaps", PickleValue::try_from(gaps).unwrap(), e, None);
    // owned: a writable array keeping the vector
    let owned = Array::from_shape_vec((2, 5).f(), (0..10).map(T::sample).collect()).unwrap();
    let e = expect(&owned.view(), false);
    let memory = owned.as_ptr().cast::<u8>();
    push(
        "owned_f",
        PickleValue::try_from(owned).unwrap(),
        e,
        Some(memory),
    );
    // 0-d and empty
    let zero = arr0(T::sample(7));
    let e = expect(&zero.view(), false);
    push("0d", PickleValue::try_from(zero).unwrap(), e, None);
    let empty = ArrayD::<T>::from_shape_vec(vec![0, 3], vec![]).unwrap();
    let e = expect(&empty.view(), false);
    push("empty", PickleValue::try_from(empty).unwrap(), e, None);
}

fn arrays_for<T: Sample>() -> (Array2<T>, Array2<T>, Array3<T>, Array2<T>) {
    let v = |n: usize| (0..n).map(T::sample).collect::<Vec<T>>();
    (
        Array::from_shape_vec((3, 4), v(12)).unwrap(),
        Array::from_shape_vec((3, 4).f(), v(12)).unwrap(),
        Array::from_shape_vec((2, 3, 4), v(24)).unwrap(),
        Array::from_shape_vec((4, 6), v(24)).unwrap(),
    )
}

/// Dumps every case out-of-band, checks the buffers are the arrays' memory
/// and that Rust reads them back; writes the streams and buffers to `dir`.
fn dump_cases(cases: &[RustCase<'_>], dir: &Path) -> Vec<Json> {
    let mut entries = Vec::new();
    for c in cases {
        for (tag, target) in [
            ("np2", NumpyTarget::Numpy2),
            ("portable", NumpyTarget::Portable),
        ] {
            let mut bufs = Vec::new();
            let stream = DumpOptions::default()
                .numpy(target)
                .dumps(&c.value, |b| {
                    bufs.push(b);
                    Placement::OutOfBand
                })
                .unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(bufs.len(), 1, "{}", c.name);
            if let Some(memory) = c.memory {
                assert_eq!(bufs[0].as_bytes().as_ptr(), memory, "{}: copied", c.name);
            }
            // Rust reads it back as a view of the same memory
            let views: Vec<&[u8]> = bufs.iter().map(|b| b.as_bytes()).collect();
            let back = loads(&stream, &views).unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(back, c.value, "{}", c.name);
            let stem = format!("{}.{tag}", c.name);
            std::fs::write(dir.join(format!("{stem}.pkl")), &stream).unwrap();
            let f = format!("{stem}.buf0.bin");
            bufs[0]
                .write_to(&mut std::fs::File::create(dir.join(&f)).unwrap())
                .unwrap();
            entries.push(json!({"stream": format!("{stem}.pkl"), "buffers": [f],
                                "zero_copy": true, "expect": c.expect}));
        }
    }
    entries
}

macro_rules! all_types {
    ($f:ident) => {
        (
            $f::<bool>(),
            $f::<i8>(),
            $f::<i16>(),
            $f::<i32>(),
            $f::<i64>(),
            $f::<u8>(),
            $f::<u16>(),
            $f::<u32>(),
            $f::<u64>(),
            $f::<half::f16>(),
            $f::<f32>(),
            $f::<f64>(),
            $f::<Complex<f32>>(),
            $f::<Complex<f64>>(),
        )
    };
}

#[test]
fn rust_ndarrays_dump_for_python_without_copies() {
    let stores = all_types!(arrays_for);
    let mut cases = Vec::new();
    rust_cases(&stores.0, &mut cases);
    rust_cases(&stores.1, &mut cases);
    rust_cases(&stores.2, &mut cases);
    rust_cases(&stores.3, &mut cases);
    rust_cases(&stores.4, &mut cases);
    rust_cases(&stores.5, &mut cases);
    rust_cases(&stores.6, &mut cases);
    rust_cases(&stores.7, &mut cases);
    rust_cases(&stores.8, &mut cases);
    rust_cases(&stores.9, &mut cases);
    rust_cases(&stores.10, &mut cases);
    rust_cases(&stores.11, &mut cases);
    rust_cases(&stores.12, &mut cases);
    rust_cases(&stores.13, &mut cases);
    assert_eq!(cases.len(), 14 * 9);
    let dir = std::env::temp_dir().join(format!("fory-pickle-nd-rs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let entries = dump_cases(&cases, &dir);
    let Some(py) = python() else { return };
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
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn round_trip_in_rust_keeps_the_memory() {
    // view -> dumps -> loads -> view: the same address all the way
    let a = Array3::from_shape_fn((3, 4, 5), |(i, j, k)| (i * 100 + j * 10 + k) as f32);
    for v in [
        a.view(),
        a.view().reversed_axes(),
        a.view().permuted_axes([1, 2, 0]),
    ] {
        let value = PickleValue::try_from(v).unwrap();
        let mut bufs = Vec::new();
        let stream = fory_pickle::dumps(&value, |b| {
            bufs.push(b);
            Placement::OutOfBand
        })
        .unwrap();
        let supplied = [bufs[0].as_bytes()];
        let back = loads(&stream, &supplied).unwrap();
        let view = back
            .as_array()
            .unwrap()
            .borrowed_array_view::<f32>()
            .unwrap()
            .into_dimensionality::<Ix3>()
            .unwrap();
        assert_eq!(view, v);
        assert_eq!(view.as_ptr(), v.as_ptr());
        assert_eq!(view.strides(), v.strides());
    }
    // NdArray::try_from an owned array keeps its vector
    let owned = Array2::from_shape_fn((2, 3).f(), |(i, j)| Complex::new(i as f64, j as f64));
    let ptr = owned.as_ptr().cast::<u8>();
    let nd = NdArray::try_from(owned).unwrap();
    assert_eq!(nd.data().raw().unwrap().as_ptr(), ptr);
    assert!(!nd.readonly());
    assert_eq!(nd.dtype().descr(), "<c16");
}

#[test]
fn mismatched_types_are_errors_not_panics() {
    let data = [1u16, 2, 3, 4, 5, 6];
    let a = NdArray::from_slice(&data, &[2, 3], fory_pickle::Order::F).unwrap();
    let v = a.as_array_view::<u16>().unwrap();
    assert_eq!(v, ndarray::array![[1u16, 3, 5], [2, 4, 6]].into_dyn());
    assert_eq!(v.as_ptr(), data.as_ptr());
    let wrong_type = |e: &ViewError| matches!(e, ViewError::WrongType { .. });
    assert!(is_view_error(a.as_array_view::<i16>(), wrong_type));
    assert!(is_view_error(a.as_array_view::<half::f16>(), wrong_type));
    assert!(is_view_error(a.to_array::<u32>(), wrong_type));
    assert!(is_view_error(a.borrowed_array_view::<bool>(), wrong_type));
}
