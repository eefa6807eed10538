//! `Cow<'de, [T]>` for numeric `T`: dense arrays read in place when their
//! bytes are aligned for `T`, copied once when they are not; the same bytes
//! as `Vec<T>` on the way out. Checked at the root and in derived structs,
//! against pyfory's vectors, at every alignment of the stream.

use std::borrow::Cow;

use fory_core::{Error, Fory};
use fory_tests::{vectors_dir, ArrayFields};
use half::{bf16, f16};

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(vectors_dir().join(format!("{name}.bin"))).unwrap()
}

/// `bytes` copied to `shift` bytes past an 8-byte boundary (in a buffer the
/// caller keeps), so a test can put the array elements at every alignment.
fn placed(bytes: &[u8], shift: usize, store: &mut Vec<u64>) -> std::ops::Range<usize> {
    store.clear();
    store.resize((bytes.len() + shift) / 8 + 1, 0);
    let all: &mut [u8] = bytemuck::cast_slice_mut(store.as_mut_slice());
    all[shift..shift + bytes.len()].copy_from_slice(bytes);
    shift..shift + bytes.len()
}

/// Whether `items` lies inside `stream`.
fn in_stream<T>(stream: &[u8], items: &[T]) -> bool {
    let r = stream.as_ptr_range();
    let p = items.as_ptr_range();
    r.start as usize <= p.start as usize && p.end as usize <= r.end as usize
}

/// Checks one `Cow` read: the same elements as the owned read; if borrowed,
/// pointing into the stream and aligned. Returns whether it borrowed.
#[allow(clippy::ptr_arg)] // the Cow's variant is what is checked
fn check_cow<T: bytemuck::Pod + std::fmt::Debug>(
    what: &str,
    stream: &[u8],
    cow: &Cow<'_, [T]>,
    owned: &[T],
) -> bool {
    // bit for bit (NaN payloads included)
    assert_eq!(
        bytemuck::cast_slice::<T, u8>(cow),
        bytemuck::cast_slice::<T, u8>(owned),
        "{what}: {cow:?} vs {owned:?}"
    );
    match cow {
        Cow::Borrowed(items) => {
            assert!(
                in_stream(stream, items),
                "{what}: borrowed outside the stream"
            );
            assert_eq!(
                items.as_ptr() as usize % std::mem::align_of::<T>(),
                0,
                "{what}"
            );
            true
        }
        Cow::Owned(_) => false,
    }
}

/// Every pyfory root array vector (`np.array` / `array.array`), at each of
/// eight alignments: `Cow<[T]>` equals `Vec<T>`, borrows at the alignments
/// where the elements land aligned and copies at the others.
#[test]
fn pyfory_root_arrays_borrow_when_aligned() {
    let fory = Fory::builder().build();
    let mut store = Vec::new();
    macro_rules! each {
        ($($name:literal => $t:ty),* $(,)?) => {$({
            let bytes = vector($name);
            let mut borrowed = [false; 8];
            for shift in 0..8 {
                let range = placed(&bytes, shift, &mut store);
                let stream = &bytemuck::cast_slice::<u64, u8>(&store)[range];
                let owned: Vec<$t> = fory.deserialize(stream).unwrap();
                let cow: Cow<'_, [$t]> = fory.deserialize(stream).unwrap();
                borrowed[shift] = check_cow(&format!("{} at +{shift}", $name), stream, &cow, &owned);
                // and it writes pyfory's bytes back
                assert_eq!(hex::encode(fory.serialize(&cow).unwrap()), hex::encode(&bytes), $name);
            }
            let align = std::mem::align_of::<$t>();
            let n = borrowed.iter().filter(|&&b| b).count();
            // the elements end the stream, so they start at one offset mod 8:
            // aligned at 8 / align of the shifts
            assert_eq!(n, 8 / align, "{}: borrowed at {borrowed:?}", $name);
        })*};
    }
    each!(
        "array_int8" => i8,
        "array_int16" => i16,
        "array_int32" => i32,
        "array_int64" => i64,
        "array_uint16" => u16,
        "array_uint32" => u32,
        "array_uint64" => u64,
        "array_float16" => f16,
        "array_bfloat16" => bf16,
        "array_float32" => f32,
        "array_float64" => f64,
        "array_float64_large_10000" => f64,
    );
    // empty arrays read as empty, borrowed or not
    let (e64, e32) = (vector("array_float64_empty"), vector("array_int32_empty"));
    let f64s: Cow<'_, [f64]> = fory.deserialize(&e64).unwrap();
    let i32s: Cow<'_, [i32]> = fory.deserialize(&e32).unwrap();
    assert!(f64s.is_empty() && i32s.is_empty());
}

/// pyfory's `example.ArrayFields`, every numeric array borrowed where it can.
#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(id = 102)]
struct ArrayFieldsView<'a> {
    bools: Cow<'a, [bool]>,
    i8: Cow<'a, [i8]>,
    i16: Cow<'a, [i16]>,
    i32: Cow<'a, [i32]>,
    i64: Cow<'a, [i64]>,
    #[fory(array)]
    u8: Vec<u8>,
    u16: Cow<'a, [u16]>,
    u32: Cow<'a, [u32]>,
    u64: Cow<'a, [u64]>,
    f16: Cow<'a, [f16]>,
    bf16: Cow<'a, [bf16]>,
    f32: Cow<'a, [f32]>,
    f64: Cow<'a, [f64]>,
}

#[test]
fn derived_struct_borrows_pyfory_arrays() {
    let mut store = Vec::new();
    let mut seen_borrowed = [0usize; 12];
    let mut seen_owned = [0usize; 12];
    for name in [
        "struct_array_fields",
        "struct_array_fields__compat",
        "struct_array_fields__ref",
        "struct_array_fields__compat__ref",
        "struct_array_fields_empty",
        "struct_array_fields_empty__compat",
    ] {
        let bytes = vector(name);
        let compatible = name.contains("__compat");
        let refs = name.contains("__ref");
        let owned_fory = Fory::builder()
            .compatible(compatible)
            .ref_tracking(refs)
            .register_struct::<ArrayFields>()
            .unwrap()
            .build();
        let view_fory = Fory::builder()
            .compatible(compatible)
            .ref_tracking(refs)
            .register_struct::<ArrayFieldsView<'_>>()
            .unwrap()
            .build();
        for shift in 0..8 {
            let range = placed(&bytes, shift, &mut store);
            let stream = &bytemuck::cast_slice::<u64, u8>(&store)[range];
            let o: ArrayFields = owned_fory.deserialize(stream).unwrap();
            let v: ArrayFieldsView<'_> = view_fory.deserialize(stream).unwrap();
            let at = |f: &str| format!("{name} +{shift} {f}");
            assert_eq!((&v.bools[..], &v.u8), (&o.bools[..], &o.u8), "{name}");
            // bools are bytes 0 and 1 on the wire: always borrowed
            assert!(
                matches!(&v.bools, Cow::Borrowed(b) if in_stream(stream, b)),
                "{name}"
            );
            let results = [
                check_cow(&at("i8"), stream, &v.i8, &o.i8),
                check_cow(&at("i16"), stream, &v.i16, &o.i16),
                check_cow(&at("i32"), stream, &v.i32, &o.i32),
                check_cow(&at("i64"), stream, &v.i64, &o.i64),
                check_cow(&at("u16"), stream, &v.u16, &o.u16),
                check_cow(&at("u32"), stream, &v.u32, &o.u32),
                check_cow(&at("u64"), stream, &v.u64, &o.u64),
                check_cow(&at("f16"), stream, &v.f16, &o.f16),
                check_cow(&at("bf16"), stream, &v.bf16, &o.bf16),
                check_cow(&at("f32"), stream, &v.f32, &o.f32),
                check_cow(&at("f64"), stream, &v.f64, &o.f64),
                o.f64.is_empty(),
            ];
            for (i, b) in results.into_iter().enumerate() {
                if b {
                    seen_borrowed[i] += 1;
                } else {
                    seen_owned[i] += 1;
                }
            }
            // the view writes pyfory's bytes back
            assert_eq!(
                hex::encode(view_fory.serialize(&v).unwrap()),
                hex::encode(&bytes),
                "{name} +{shift}"
            );
        }
    }
    // every field borrowed at some alignment; every field wider than a byte
    // was copied at some other
    for (i, n) in seen_borrowed[..11].iter().enumerate() {
        assert!(*n > 0, "field {i} never borrowed");
    }
    for (i, n) in seen_owned[1..11].iter().enumerate() {
        assert!(*n > 0, "field {} never copied", i + 1);
    }
    assert_eq!(seen_owned[0], 0, "i8 always borrows");
}

/// `#[fory(list)]` makes a `Cow<[i32]>` field a LIST, as for `Vec<i32>`:
/// same bytes as the `Vec` twin, and read back (owned, a list has no
/// contiguous elements to borrow). `Option<Cow<..>>` fields are nullable.
#[test]
fn list_and_nullable_cow_fields() {
    #[derive(fory_core::Fory, Debug, Default, PartialEq)]
    #[fory(id = 900)]
    struct Owned {
        #[fory(list)]
        ids: Vec<i32>,
        samples: Option<Vec<f32>>,
        missing: Option<Vec<u64>>,
    }
    #[derive(fory_core::Fory, Debug, Default, PartialEq)]
    #[fory(id = 900)]
    struct View<'a> {
        #[fory(list)]
        ids: Cow<'a, [i32]>,
        samples: Option<Cow<'a, [f32]>>,
        missing: Option<Cow<'a, [u64]>>,
    }
    let owned = Owned {
        ids: vec![1, -2, 300_000],
        samples: Some(vec![0.5, -1.25, 3.0]),
        missing: None,
    };
    let view = View {
        ids: Cow::Borrowed(&[1, -2, 300_000]),
        samples: Some(Cow::Owned(vec![0.5, -1.25, 3.0])),
        missing: None,
    };
    for compatible in [false, true] {
        let f_owned = Fory::builder()
            .compatible(compatible)
            .register_struct::<Owned>()
            .unwrap()
            .build();
        let f_view = Fory::builder()
            .compatible(compatible)
            .register_struct::<View<'_>>()
            .unwrap()
            .build();
        let bytes = f_owned.serialize(&owned).unwrap();
        assert_eq!(
            f_view.serialize(&view).unwrap(),
            bytes,
            "compatible={compatible}"
        );
        let back: View<'_> = f_view.deserialize(&bytes).unwrap();
        assert!(matches!(back.ids, Cow::Owned(_)), "a LIST is copied");
        assert_eq!(back, view);
    }
}

/// Bool arrays borrow whatever their offset, as long as every byte is 0 or
/// 1; another byte makes an owned copy that reads it as `true`, as `Vec<bool>`.
#[test]
fn bool_arrays_borrow_valid_bytes() {
    let fory = Fory::builder().build();
    let bytes = vector("array_bool");
    let owned: Vec<bool> = fory.deserialize(&bytes).unwrap();
    assert!(owned.contains(&true) && owned.contains(&false), "{owned:?}");
    let cow: Cow<'_, [bool]> = fory.deserialize(&bytes).unwrap();
    assert!(matches!(&cow, Cow::Borrowed(b) if in_stream(&bytes, b) && **b == owned[..]));
    assert_eq!(fory.serialize(&cow).unwrap(), bytes);
    let mut odd = bytes.clone();
    let last = odd.len() - 1;
    odd[last] = 2;
    let cow: Cow<'_, [bool]> = fory.deserialize(&odd).unwrap();
    let lenient: Vec<bool> = fory.deserialize(&odd).unwrap();
    assert!(matches!(&cow, Cow::Owned(v) if *v == lenient && v[v.len() - 1]));
}

/// Hostile array framing is the same error through `Cow` as through `Vec`.
#[test]
fn malformed_arrays_are_errors() {
    let fory = Fory::builder().build();
    let good = fory.serialize(&vec![1.5f64, 2.5]).unwrap();
    // truncated anywhere
    for cut in 0..good.len() {
        assert!(
            fory.deserialize::<Cow<'_, [f64]>>(&good[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    // a byte length that is not a multiple of the element size
    let mut odd = good.clone();
    let len_at = odd.len() - 17;
    assert_eq!(odd[len_at], 16);
    odd[len_at] = 15;
    odd.pop();
    let e = fory.deserialize::<Cow<'_, [f64]>>(&odd).unwrap_err();
    assert!(matches!(e, Error::InvalidData { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        fory.deserialize::<Vec<f64>>(&odd).unwrap_err().to_string()
    );
    // a byte length past the end of the stream
    let mut long = good.clone();
    long[len_at] = 0x7f;
    let e = fory.deserialize::<Cow<'_, [f64]>>(&long).unwrap_err();
    assert_eq!(
        e.to_string(),
        fory.deserialize::<Vec<f64>>(&long).unwrap_err().to_string()
    );
    // another element type is a type mismatch
    let e = fory.deserialize::<Cow<'_, [f32]>>(&good).unwrap_err();
    assert!(matches!(e, Error::TypeMismatch { .. }), "{e}");
}

/// A generic type with a lifetime: the inferred bounds cover `T` and the
/// borrowed fields alike, and `T` may itself borrow.
#[test]
fn generic_struct_with_a_lifetime() {
    #[derive(fory_core::Fory, Debug, Default, PartialEq)]
    #[fory(name = "example.Tagged")]
    struct Tagged<'a, T> {
        label: &'a str,
        samples: Cow<'a, [f32]>,
        items: Vec<T>,
    }
    let fory = Fory::builder()
        .register_struct::<Tagged<'_, Cow<'_, str>>>()
        .unwrap()
        .build();
    let value = Tagged {
        label: "run",
        samples: Cow::Owned(vec![0.5, 1.5]),
        items: vec![Cow::Borrowed("ü"), Cow::Borrowed("x")],
    };
    let bytes = fory.serialize(&value).unwrap();
    let back: Tagged<'_, Cow<'_, str>> = fory.deserialize(&bytes).unwrap();
    assert_eq!(back, value);
    assert!(in_stream(&bytes, back.label.as_bytes()));
    // Latin-1 past ASCII is transcoded, ASCII borrows
    assert!(matches!(back.items[0], Cow::Owned(_)));
    assert!(matches!(&back.items[1], Cow::Borrowed(s) if in_stream(&bytes, s.as_bytes())));
}
