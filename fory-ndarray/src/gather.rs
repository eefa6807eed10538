//! Where an array's bytes come from when it is written: its own memory when
//! it is contiguous in C or F order, otherwise a gathering pass (streamed in
//! small chunks by `write_to`, never a second full copy).

use std::borrow::Cow;
use std::io;

use ndarray::{ArrayView, Axis, Dimension};

use crate::element::Element;
use crate::header::Order;

/// Bytes staged per `write` call when gathering a strided array.
const CHUNK_BYTES: usize = 64 * 1024;

/// The wire order of `v` and, when its memory already is in that order,
/// the memory itself (the zero-copy case).
pub(crate) fn plan<'a, A: Element, D: Dimension>(
    v: &ArrayView<'a, A, D>,
) -> (Order, Option<&'a [A]>) {
    if v.ndim() <= 1 || v.is_standard_layout() {
        return (Order::C, v.to_slice());
    }
    let t = v.clone().reversed_axes();
    if t.is_standard_layout() {
        return (Order::F, t.to_slice());
    }
    // Gathered: follow the memory layout for locality (a sliced F-order
    // array has its smallest stride first).
    let s = v.strides();
    let f_like = s[0].unsigned_abs() < s[s.len() - 1].unsigned_abs();
    (if f_like { Order::F } else { Order::C }, None)
}

/// Streams the elements of `v` to `w` in `order`: contiguous memory in one
/// `write_all`, anything else through a 64 KiB staging buffer.
pub(crate) fn write_to<A: Element, D: Dimension>(
    v: ArrayView<'_, A, D>,
    w: &mut dyn io::Write,
) -> io::Result<()> {
    match plan(&v) {
        (_, Some(data)) => w.write_all(bytemuck::cast_slice(data)),
        (Order::C, None) => gather(v, w),
        (Order::F, None) => gather(v.reversed_axes(), w),
    }
}

/// The bytes of `v` in its wire order: borrowed when contiguous, gathered
/// once otherwise.
pub(crate) fn contiguous<'a, A: Element, D: Dimension>(v: ArrayView<'a, A, D>) -> Cow<'a, [u8]> {
    if let (_, Some(data)) = plan(&v) {
        return Cow::Borrowed(bytemuck::cast_slice(data));
    }
    let mut out = Vec::with_capacity(v.len() * std::mem::size_of::<A>());
    // writing into a Vec cannot fail
    let _ = write_to(v, &mut out);
    Cow::Owned(out)
}

/// Gathers `v` in logical (C) order: lanes along the last axis, unit-stride
/// lanes copied as slices, strided ones element by element into the stage.
fn gather<A: Element, D: Dimension>(
    v: ArrayView<'_, A, D>,
    w: &mut dyn io::Write,
) -> io::Result<()> {
    if v.is_empty() {
        return Ok(());
    }
    if v.ndim() == 0 {
        return w.write_all(bytemuck::bytes_of(
            &v.iter().copied().next().unwrap_or(*A::zero_ref()),
        ));
    }
    let cap = (CHUNK_BYTES / std::mem::size_of::<A>()).max(1);
    let mut stage: Vec<A> = Vec::with_capacity(cap.min(v.len()));
    let last = Axis(v.ndim() - 1);
    for lane in v.lanes(last) {
        if let Some(s) = lane.to_slice() {
            if s.len() >= cap {
                flush(&mut stage, w)?;
                w.write_all(bytemuck::cast_slice(s))?;
                continue;
            }
            if stage.len() + s.len() > cap {
                flush(&mut stage, w)?;
            }
            stage.extend_from_slice(s);
        } else {
            for &x in lane.iter() {
                stage.push(x);
                if stage.len() == cap {
                    flush(&mut stage, w)?;
                }
            }
        }
    }
    flush(&mut stage, w)
}

fn flush<A: Element>(stage: &mut Vec<A>, w: &mut dyn io::Write) -> io::Result<()> {
    if !stage.is_empty() {
        w.write_all(bytemuck::cast_slice(stage))?;
        stage.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array, Array3, ShapeBuilder};

    fn bytes_c<A: Element, D: Dimension>(v: &ArrayView<'_, A, D>) -> Vec<u8> {
        v.iter()
            .flat_map(|x| bytemuck::bytes_of(x).to_vec())
            .collect()
    }

    #[test]
    fn contiguous_c_and_f_borrow() {
        let a = Array::from_shape_vec((2, 3), (0..6).map(|x| x as f64).collect()).unwrap();
        let v = a.view();
        let (o, s) = plan(&v);
        assert_eq!(o, Order::C);
        assert_eq!(s.unwrap().as_ptr(), a.as_ptr());
        let f = Array::from_shape_vec((2, 3).f(), (0..6).map(|x| x as f64).collect()).unwrap();
        let (o, s) = plan(&f.view());
        assert_eq!(o, Order::F);
        assert_eq!(s.unwrap().as_ptr(), f.as_ptr());
        assert!(matches!(contiguous(f.view()), Cow::Borrowed(_)));
    }

    #[test]
    fn gathered_in_c_or_f_order() {
        let a = Array3::from_shape_fn((4, 5, 6), |(i, j, k)| (i * 100 + j * 10 + k) as i32);
        // sliced and reversed: not contiguous, C-like strides
        let v = a.slice(s![..;2, ..;-1, 1..5]);
        let (o, s) = plan(&v);
        assert_eq!((o, s.is_none()), (Order::C, true));
        assert_eq!(contiguous(v).into_owned(), bytes_c(&v));
        // the same from an F-order array: gathered in F order
        let f = Array3::from_shape_fn((4, 5, 6).f(), |(i, j, k)| (i * 100 + j * 10 + k) as i32);
        assert!(f.t().is_standard_layout());
        let v = f.slice(s![1..;2, .., ..;-2]);
        let (o, s) = plan(&v);
        assert_eq!((o, s.is_none()), (Order::F, true));
        let t = v.reversed_axes();
        assert_eq!(contiguous(v).into_owned(), bytes_c(&t));
    }

    #[test]
    fn big_strided_lanes_stream_in_chunks() {
        let a = Array::from_shape_fn((3, 70_000), |(i, j)| (i * 70_000 + j) as u8);
        let v = a.slice(s![.., ..;-3]);
        let mut out = Vec::new();
        write_to(v, &mut out).unwrap();
        assert_eq!(out, bytes_c(&v));
        let w = a.slice(s![..;2, ..]);
        let mut out = Vec::new();
        write_to(w, &mut out).unwrap();
        assert_eq!(out, bytes_c(&w));
    }
}
