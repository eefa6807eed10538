//! Helpers shared by the integration tests: deterministic contents (the same
//! formula as `tests/python/fory_ndarray.py`), arrays in C, F and strided
//! layouts, and a dispatcher over every element type.

#![allow(dead_code)]

use fory_core::{Fory, Placement};
use fory_ndarray::{DType, Element};
use half::{bf16, f16};
use ndarray::{Array, ArrayD, ArrayView, Dimension, IxDyn, ShapeBuilder};

/// An element type with the deterministic test contents.
pub trait TestElem: Element + PartialEq {
    /// Element `i` of the C-order flattened array.
    fn value(i: usize) -> Self;
}

impl TestElem for bool {
    fn value(i: usize) -> Self {
        i % 3 == 0
    }
}

macro_rules! int_elem {
    ($($t:ty => $u:ty),*) => {$(
        impl TestElem for $t {
            fn value(i: usize) -> Self {
                (i as u64).wrapping_mul(37).wrapping_add(11) as $u as $t
            }
        }
    )*};
}
int_elem!(i8 => u8, i16 => u16, i32 => u32, i64 => u64, u8 => u8, u16 => u16, u32 => u32, u64 => u64);

fn float_value(i: usize) -> f64 {
    ((i % 61) as f64 - 30.0) * 0.5
}

impl TestElem for f16 {
    fn value(i: usize) -> Self {
        f16::from_f64(float_value(i))
    }
}
impl TestElem for bf16 {
    fn value(i: usize) -> Self {
        bf16::from_f64(float_value(i))
    }
}
impl TestElem for f32 {
    fn value(i: usize) -> Self {
        float_value(i) as f32
    }
}
impl TestElem for f64 {
    fn value(i: usize) -> Self {
        float_value(i)
    }
}

/// The expected array of `shape` (C order).
pub fn expected<A: TestElem>(shape: &[usize]) -> ArrayD<A> {
    let n: usize = shape.iter().product();
    Array::from_shape_vec(IxDyn(shape), (0..n).map(A::value).collect()).unwrap()
}

/// Memory layouts a written array can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Row-major, contiguous.
    C,
    /// Column-major, contiguous.
    F,
    /// Every second element of a larger array, the last axis reversed
    /// (non-contiguous, negative stride).
    Strided,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::C, Layout::F, Layout::Strided];

    pub fn name(self) -> &'static str {
        match self {
            Layout::C => "C",
            Layout::F => "F",
            Layout::Strided => "strided",
        }
    }
}

/// Owner of an array in some layout; `view()` is the array itself.
pub struct Laid<A> {
    storage: ArrayD<A>,
    strided: bool,
}

/// Step 2 on every axis, -2 on the last.
fn strided_slice(ax: ndarray::AxisDescription, ndim: usize) -> ndarray::Slice {
    let step = if ax.axis.index() + 1 == ndim { -2 } else { 2 };
    ndarray::Slice::new(0, None, step)
}

impl<A: TestElem> Laid<A> {
    pub fn new(shape: &[usize], layout: Layout) -> Self {
        let c = expected::<A>(shape);
        match layout {
            Layout::C => Laid {
                storage: c,
                strided: false,
            },
            Layout::F => {
                let mut f = Array::from_elem(IxDyn(shape).f(), *A::zero_ref());
                f.assign(&c);
                Laid {
                    storage: f,
                    strided: false,
                }
            }
            Layout::Strided => {
                let big: Vec<usize> = shape.iter().map(|s| 2 * s).collect();
                let mut storage = Array::from_elem(IxDyn(&big), *A::zero_ref());
                let n = shape.len();
                storage
                    .slice_each_axis_mut(|ax| strided_slice(ax, n))
                    .assign(&c);
                Laid {
                    storage,
                    strided: true,
                }
            }
        }
    }

    pub fn view(&self) -> ArrayView<'_, A, IxDyn> {
        if self.strided {
            let n = self.storage.ndim();
            self.storage.slice_each_axis(|ax| strided_slice(ax, n))
        } else {
            self.storage.view()
        }
    }

    /// The array with a fixed dimensionality.
    pub fn view_as<D: Dimension>(&self) -> ArrayView<'_, A, D> {
        self.view().into_dimensionality::<D>().unwrap()
    }
}

/// Calls `$f::<T>($args)` for every element type, with its DType.
#[macro_export]
macro_rules! for_each_elem {
    ($f:ident ( $($arg:expr),* )) => {{
        $f::<bool>($($arg),*);
        $f::<i8>($($arg),*);
        $f::<i16>($($arg),*);
        $f::<i32>($($arg),*);
        $f::<i64>($($arg),*);
        $f::<u8>($($arg),*);
        $f::<u16>($($arg),*);
        $f::<u32>($($arg),*);
        $f::<u64>($($arg),*);
        $f::<half::f16>($($arg),*);
        $f::<half::bf16>($($arg),*);
        $f::<f32>($($arg),*);
        $f::<f64>($($arg),*);
    }};
}

/// Calls `$f::<T>($args)` for the element type named `$dtype`.
#[macro_export]
macro_rules! with_elem {
    ($dtype:expr, $f:ident ( $($arg:expr),* )) => {
        match $dtype {
            fory_ndarray::DType::Bool => $f::<bool>($($arg),*),
            fory_ndarray::DType::Int8 => $f::<i8>($($arg),*),
            fory_ndarray::DType::Int16 => $f::<i16>($($arg),*),
            fory_ndarray::DType::Int32 => $f::<i32>($($arg),*),
            fory_ndarray::DType::Int64 => $f::<i64>($($arg),*),
            fory_ndarray::DType::UInt8 => $f::<u8>($($arg),*),
            fory_ndarray::DType::UInt16 => $f::<u16>($($arg),*),
            fory_ndarray::DType::UInt32 => $f::<u32>($($arg),*),
            fory_ndarray::DType::UInt64 => $f::<u64>($($arg),*),
            fory_ndarray::DType::Float16 => $f::<half::f16>($($arg),*),
            fory_ndarray::DType::BFloat16 => $f::<half::bf16>($($arg),*),
            fory_ndarray::DType::Float32 => $f::<f32>($($arg),*),
            fory_ndarray::DType::Float64 => $f::<f64>($($arg),*),
            other => panic!("no test element for {other}"),
        }
    };
}

/// The dtype named as numpy names it.
pub fn dtype_by_name(name: &str) -> DType {
    DType::ALL
        .into_iter()
        .find(|d| d.name() == name)
        .unwrap_or_else(|| panic!("unknown dtype {name}"))
}

/// Shapes per dimensionality (0-6), the same as the Python peer's.
pub fn shapes(ndim: usize) -> Vec<Vec<usize>> {
    match ndim {
        0 => vec![vec![]],
        1 => vec![vec![0], vec![7]],
        2 => vec![vec![0, 3], vec![3, 4]],
        3 => vec![vec![2, 3, 4]],
        4 => vec![vec![2, 1, 3, 2]],
        5 => vec![vec![1, 2, 1, 3, 2]],
        6 => vec![vec![2, 1, 2, 1, 2, 3]],
        _ => unreachable!(),
    }
}

/// Where buffer objects go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// No callback: plain in-band stream.
    NoCallback,
    /// A callback that keeps every buffer in-band.
    InBand,
    /// A callback that sends every buffer out-of-band.
    OutOfBand,
}

impl Place {
    pub const ALL: [Place; 3] = [Place::NoCallback, Place::InBand, Place::OutOfBand];
}

/// Serializes `v` under `place`, returning the stream and the buffers.
pub fn write<T: fory_core::Serialize>(fory: &Fory, v: &T, place: Place) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut bufs = Vec::new();
    let stream = match place {
        Place::NoCallback => fory.serialize(v).unwrap(),
        Place::InBand => fory
            .serialize_with_callback(v, |_| Placement::InBand)
            .unwrap(),
        Place::OutOfBand => fory
            .serialize_with_callback(v, |b| {
                bufs.push(b.as_bytes().to_vec());
                Placement::OutOfBand
            })
            .unwrap(),
    };
    (stream, bufs)
}

/// A Fory instance with the extension registered.
pub fn fory(compatible: bool) -> Fory {
    fory_ndarray::register(Fory::builder().compatible(compatible))
        .unwrap()
        .build()
}

#[path = "../../../tests/python/venv.rs"]
mod venv;
#[allow(unused_imports)] // not every test binary talks to Python
pub use venv::{python, repo_root};
