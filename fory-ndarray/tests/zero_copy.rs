//! Zero copy, proved by pointer identity and by counting allocated bytes:
//! contiguous arrays hand their own memory to the callback, gathered arrays
//! stream through a small stage, views borrow the buffers they are given,
//! unaligned data is an error for views and one copy for `CowArray`, and
//! owned reads copy exactly once.

mod common;

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::cell::Cell;
use std::io;

use bytes::Bytes;
use common::*;
use fory_core::{Error, Placement};
use fory_ndarray::{Nd, NdExt};
use ndarray::{s, Array, Array2, Array3, ArrayView2, ArrayView3, CowArray, Ix2, ShapeBuilder};

/// Counts the bytes allocated by the current thread.
struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only adds a thread-local counter.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size()));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + new_size));
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes allocated while running `f`.
fn allocated<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATED.with(Cell::get);
    let r = f();
    (r, ALLOCATED.with(Cell::get) - before)
}

const MIB: usize = 1 << 20;

#[test]
fn contiguous_arrays_hand_their_memory_to_the_callback() {
    let fory = fory(true);
    let c = Array2::from_shape_fn((256, 512), |(i, j)| (i * 512 + j) as f64);
    let f = Array3::from_shape_fn((16, 32, 64).f(), |(i, j, k)| (i + j + k) as u16);
    // C order
    let value = Nd(c.view());
    let mut seen = Vec::new();
    let (stream, bytes) = allocated(|| {
        fory.serialize_with_callback(&value, |b| {
            seen.push((b.as_bytes().as_ptr(), b.total_bytes()));
            Placement::OutOfBand
        })
        .unwrap()
    });
    assert_eq!(seen, [(c.as_ptr().cast::<u8>(), c.len() * 8)]);
    assert!(
        bytes < 4096,
        "out-of-band serialize allocated {bytes} bytes"
    );
    assert!(stream.len() < 64);
    // F order: no copy either
    let value = Nd(f.view());
    let mut seen = Vec::new();
    fory.serialize_with_callback(&value, |b| {
        seen.push(b.as_bytes().as_ptr());
        Placement::OutOfBand
    })
    .unwrap();
    assert_eq!(seen, [f.as_ptr().cast::<u8>()]);
}

/// A writer remembering the largest single write.
#[derive(Default)]
struct Sink {
    total: usize,
    largest: usize,
    data: Vec<u8>,
}

impl io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.total += buf.len();
        self.largest = self.largest.max(buf.len());
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn gathered_arrays_stream_without_a_second_full_copy() {
    let fory = fory(false);
    let big = Array2::from_shape_fn((1024, 1024), |(i, j)| (i * 1024 + j) as f64);
    // every second column, reversed: non-contiguous with a negative stride
    let strided = big.slice(s![.., ..;-2]);
    assert!(strided.as_slice_memory_order().is_none());
    let want: Vec<u8> = strided.iter().flat_map(|x| x.to_le_bytes()).collect();
    let value = Nd(strided);
    let mut objects = Vec::new();
    fory.serialize_with_callback(&value, |b| {
        objects.push(b);
        Placement::OutOfBand
    })
    .unwrap();
    let b = &objects[0];
    assert_eq!(b.total_bytes(), 4 * MIB);
    // write_to streams through a 64 KiB stage: never a 4 MiB buffer
    let mut sink = Sink {
        data: Vec::with_capacity(4 * MIB),
        ..Sink::default()
    };
    let (_, bytes) = allocated(|| b.write_to(&mut sink).unwrap());
    assert_eq!(sink.total, 4 * MIB);
    assert!(sink.largest <= 64 * 1024, "largest write {}", sink.largest);
    assert!(
        bytes <= 64 * 1024 + 4096,
        "write_to allocated {bytes} bytes"
    );
    assert_eq!(sink.data, want);
    // as_bytes gathers once into one exactly-sized buffer (fory-core caches
    // it; a later call returns the same bytes, though fory-core 0.1 gathers
    // again before finding its cache: see the report)
    let (first, bytes) = allocated(|| b.as_bytes().as_ptr());
    assert!((4 * MIB..4 * MIB + 128 * 1024).contains(&bytes), "{bytes}");
    assert_eq!(b.as_bytes().as_ptr(), first);
    assert_eq!(b.as_bytes(), &want[..]);

    // in-band: gathered straight into the stream (one stream-sized buffer + the stage)
    let (stream, bytes) = allocated(|| fory.serialize(&value).unwrap());
    assert!(
        bytes < 4 * MIB + 4 * MIB / 2,
        "in-band serialize allocated {bytes} bytes"
    );
    let back: Nd<Array2<f64>> = fory.deserialize(&stream).unwrap();
    assert_eq!(back.0, strided);
}

#[test]
fn views_borrow_the_supplied_buffers_and_the_stream() {
    let fory = fory(true);
    let a = Array3::from_shape_fn((8, 16, 32), |(i, j, k)| (i * 512 + j * 32 + k) as i32);
    let (stream, bufs) = write(&fory, &Nd(a.view()), Place::OutOfBand);
    let (view, bytes) = allocated(|| {
        fory.deserialize_with_buffers::<Nd<ArrayView3<i32>>, _>(&stream, &bufs)
            .unwrap()
    });
    assert_eq!(view.as_ptr().cast::<u8>(), bufs[0].as_ptr());
    assert_eq!(view.0, a);
    assert!(bytes < 4096, "view read allocated {bytes} bytes");
    // shared Bytes buffers (e.g. from a socket or an mmap): the same
    let shared: Vec<Bytes> = bufs.iter().cloned().map(Bytes::from).collect();
    let view: Nd<ArrayView3<i32>> = fory
        .deserialize_with_shared_buffers(&stream, &shared)
        .unwrap();
    assert_eq!(view.as_ptr().cast::<u8>(), shared[0].as_ptr());
    // in-band: the view points into the stream (the payload pads to alignment)
    let stream = fory.serialize(&Nd(a.view())).unwrap();
    let view: Nd<ArrayView3<i32>> = fory.deserialize(&stream).unwrap();
    assert!(stream.as_ptr_range().contains(&view.as_ptr().cast::<u8>()));
    assert_eq!(view.0, a);
    // CowArray borrows too
    let cow: Nd<CowArray<i32, ndarray::Ix3>> = fory.deserialize(&stream).unwrap();
    assert!(cow.is_view());
}

#[test]
fn unaligned_buffers_error_for_views_and_copy_once_for_cow() {
    let fory = fory(true);
    let a = Array2::from_shape_fn((64, 64), |(i, j)| (i * 64 + j) as f64);
    let (stream, bufs) = write(&fory, &Nd(a.view()), Place::OutOfBand);
    // the same bytes at an odd address
    let mut storage = vec![0u8; bufs[0].len() + 1];
    storage[1..].copy_from_slice(&bufs[0]);
    let odd: [&[u8]; 1] = [&storage[1..]];
    let err = fory
        .deserialize_with_buffers::<Nd<ArrayView2<f64>>, _>(&stream, &odd)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidData { message, .. } if message.contains("not aligned to 8 bytes")),
        "{err}"
    );
    let (cow, bytes) = allocated(|| {
        fory.deserialize_with_buffers::<Nd<CowArray<f64, Ix2>>, _>(&stream, &odd)
            .unwrap()
    });
    assert!(!cow.is_view());
    assert_eq!(cow.0, a);
    let data = a.len() * 8;
    assert!((data..data + 4096).contains(&bytes), "{bytes}");
    // owned reads: exactly one data-sized allocation, aligned or not
    for input in [&bufs[0][..], &storage[1..]] {
        let (owned, bytes) = allocated(|| {
            fory.deserialize_with_buffers::<Nd<Array2<f64>>, _>(&stream, &[input])
                .unwrap()
        });
        assert_eq!(owned.0, a);
        assert_ne!(owned.as_ptr().cast::<u8>(), input.as_ptr());
        assert!((data..data + 4096).contains(&bytes), "{bytes}");
    }
}

#[test]
fn one_dimensional_arrays_go_out_of_band_as_extension() {
    let fory = fory(true);
    let v = Array::from_shape_fn(1000, |i| i as i64);
    // dense: pyfory's typed array, always in-band
    let (stream, bufs) = write(&fory, &Nd(v.view()), Place::OutOfBand);
    assert!(bufs.is_empty());
    assert_eq!(stream[2], fory_core::wire::type_id::INT64_ARRAY);
    // NdExt: the extension, its data out-of-band
    let value = NdExt(v.view());
    let mut ptrs = Vec::new();
    let stream = fory
        .serialize_with_callback(&value, |b| {
            ptrs.push(b.as_bytes().as_ptr());
            Placement::OutOfBand
        })
        .unwrap();
    assert_eq!(ptrs, [v.as_ptr().cast::<u8>()]);
    let bufs = [bytemuck::cast_slice::<i64, u8>(v.as_slice().unwrap())];
    let back: NdExt<ndarray::ArrayView1<i64>> =
        fory.deserialize_with_buffers(&stream, &bufs).unwrap();
    assert_eq!(back.as_ptr(), v.as_ptr());
}
