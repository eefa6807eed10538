//! `fory_pickle::dumps` (the encoder) on arbitrary `PickleValue` trees.
//!
//! The input drives a hand-written generator (`arbitrary::Unstructured`,
//! bounded depth and size) that builds a value of every kind the encoder
//! takes: None, bools, ints of every width and big ints, floats (NaN, ±inf,
//! -0.0, subnormals), UTF-8 strings, bytes, bytearrays, PickleBuffers
//! (owned, shared, borrowed, writable or read-only, released), lists,
//! tuples, dicts, sets and frozensets (with keys that collide the way
//! Python's do: `1 == 1.0 == True`, `0.0 == -0.0`, `2.0**64 == 2**64`),
//! numpy dtypes and arrays of every numeric dtype and byte order in C, F,
//! permuted (`'K'`) and strided layouts, with offsets, 0-d and empty shapes.
//! Rust strings are always UTF-8, so lone surrogates cannot be represented.
//!
//! It is written with either entry point (`dumps` or `DumpOptions::dumps`:
//! every `NumpyTarget`, memo on or off, small depth limits) and a buffer
//! callback that decides per buffer between in-band and out-of-band. Then:
//!
//! * an error must be one `dumps` documents, and justified by the value
//!   (`Encode` for nesting beyond `max_depth` or an unhashable dict key /
//!   set item, `Released` for a released buffer); `Ok` only when none applies;
//! * the callback sees every buffer once, in order, as the value's own
//!   memory (no copy) and exactly the bytes the array or buffer covers;
//! * `dis` walks the stream without error and counts the out-of-band buffers;
//!   without memo the stream has no MEMOIZE/BINGET;
//! * `loads` with the out-of-band buffers gives back the value, normalized
//!   as Python would see it (duplicate keys merged, big ints that fit i64
//!   as ints, in-band PickleBuffers as bytes / bytearray; floats compared by
//!   bits; arrays compared logically plus their read-only flag);
//! * a second `dumps` gives the same bytes (determinism), and the loaded
//!   value dumps and loads back to itself.
#![no_main]

use std::borrow::Cow;
use std::collections::HashMap;

use bytes::Bytes;
use fory_core::{BufferObject, Placement};
use fory_pickle::{
    ByteOrder, DumpOptions, Dtype, Error, Kind, NdArray, NumpyTarget, Order, PickleBuffer,
    PickleValue,
};
use libfuzzer_sys::arbitrary::{Result as AResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use num_bigint::BigInt;

/// Deepest nesting the generator makes on its own (deep chains aside).
const MAX_GEN_DEPTH: usize = 6;
/// Most nodes the generator makes on its own (bulk containers aside).
const MAX_NODES: usize = 160;

// ---------------------------------------------------------------- generator

struct Gen<'a, 'u> {
    u: &'u mut Unstructured<'a>,
    nodes: usize,
    /// One container of about 1000 or 2000 items per value at most.
    big_bulk: bool,
}

const SPECIAL_INTS: &[i64] = &[
    0,
    1,
    -1,
    2,
    255,
    256,
    -256,
    65535,
    65536,
    -65536,
    i32::MAX as i64,
    i32::MAX as i64 + 1,
    i32::MIN as i64,
    i32::MIN as i64 - 1,
    1 << 31,
    1 << 32,
    (1 << 53) + 1,
    i64::MAX,
    i64::MIN,
    i64::MIN + 1,
];

const SPECIAL_FLOATS: &[u64] = &[
    0x0000_0000_0000_0000, // 0.0
    0x8000_0000_0000_0000, // -0.0
    0x3ff0_0000_0000_0000, // 1.0
    0xbff0_0000_0000_0000, // -1.0
    0x7ff0_0000_0000_0000, // inf
    0xfff0_0000_0000_0000, // -inf
    0x7ff8_0000_0000_0000, // NaN
    0xfff8_0000_0000_0000, // -NaN
    0x7ff0_0000_0000_0001, // signalling NaN
    0x7fff_ffff_ffff_ffff, // NaN, all payload bits
    0x0000_0000_0000_0001, // smallest subnormal
    0x0010_0000_0000_0000, // f64::MIN_POSITIVE
    0x7fef_ffff_ffff_ffff, // f64::MAX
    0x43e0_0000_0000_0000, // 2**63
    0xc3e0_0000_0000_0000, // -2**63
    0x43f0_0000_0000_0000, // 2**64
    0x4340_0000_0000_0001, // 2**53 + 2
    0x3fe0_0000_0000_0000, // 0.5
    0x4000_0000_0000_0000, // 2.0
];

const SPECIAL_STRS: &[&str] = &[
    "",
    "a",
    "numpy",
    "dtype",
    "_frombuffer",
    "C",
    "K",
    "\0",
    "é",
    "\u{7f}\u{80}\u{ff}",
    "\u{ffff}",
    "\u{10ffff}",
    "😀 emoji",
    "line\nbreak'quote\\",
];

impl<'a> Gen<'a, '_> {
    fn below(&mut self, n: usize) -> AResult<usize> {
        Ok(self.u.int_in_range(0..=n - 1)?)
    }

    fn flag(&mut self) -> AResult<bool> {
        self.u.arbitrary()
    }

    fn int(&mut self) -> AResult<i64> {
        Ok(match self.below(3)? {
            0 => SPECIAL_INTS[self.below(SPECIAL_INTS.len())?],
            1 => self.u.int_in_range(-300..=300)?,
            _ => self.u.arbitrary()?,
        })
    }

    fn bigint(&mut self) -> AResult<BigInt> {
        Ok(match self.below(4)? {
            // around the i64 edges: 2**63, -2**63 - 1, 2**64 ...
            0 => {
                let base = BigInt::from(1u8) << self.u.int_in_range(62..=130usize)?;
                let delta = BigInt::from(self.u.int_in_range(-2i8..=2)?);
                let b = base + delta;
                if self.flag()? {
                    -b
                } else {
                    b
                }
            }
            // LONG1 / LONG4 boundary: 255 / 256 bytes
            1 => {
                let n = self.u.int_in_range(250..=260usize)?;
                let fill = self.u.arbitrary::<u8>()?;
                let mut b = vec![fill; n];
                let last = self.u.arbitrary::<u8>()?;
                b[n - 1] = last;
                BigInt::from_signed_bytes_le(&b)
            }
            // anything, including values that fit i64 (written as ints)
            _ => {
                let n = self.u.int_in_range(0..=24usize)?.min(self.u.len());
                BigInt::from_signed_bytes_le(self.u.bytes(n)?)
            }
        })
    }

    fn float(&mut self) -> AResult<f64> {
        Ok(match self.below(3)? {
            0 => f64::from_bits(SPECIAL_FLOATS[self.below(SPECIAL_FLOATS.len())?]),
            1 => self.u.int_in_range(-4i32..=4)? as f64 * 0.5,
            _ => f64::from_bits(self.u.arbitrary()?),
        })
    }

    fn len(&mut self, max: usize) -> AResult<usize> {
        // mostly short, sometimes across the 1-byte length boundary (256)
        Ok(match self.below(8)? {
            0 => self.u.int_in_range(250..=max.max(250))?.min(max),
            _ => self.u.int_in_range(0..=8usize.min(max))?,
        })
    }

    fn string(&mut self) -> AResult<Cow<'a, str>> {
        Ok(match self.below(3)? {
            0 => Cow::Borrowed(SPECIAL_STRS[self.below(SPECIAL_STRS.len())?]),
            1 => {
                // a long non-ASCII string (BINUNICODE)
                let n = self.u.int_in_range(0..=140usize)?;
                let c = char::from_u32(self.u.int_in_range(0x80..=0x10ffffu32)?).unwrap_or('ß');
                Cow::Owned(std::iter::repeat(c).take(n).collect())
            }
            _ => {
                let s: &'a str = self.u.arbitrary()?;
                Cow::Borrowed(s)
            }
        })
    }

    fn bytes(&mut self) -> AResult<Cow<'a, [u8]>> {
        let n = self.len(300)?;
        let b = self.u.bytes(n.min(self.u.len()))?;
        Ok(if self.flag()? {
            Cow::Borrowed(b)
        } else {
            Cow::Owned(b.to_vec())
        })
    }

    /// A buffer of exactly `n` bytes, owned, shared or borrowed from the input.
    fn buffer_of(&mut self, n: usize) -> AResult<PickleBuffer<'a>> {
        let kind = self.below(3)?;
        let pb = if kind == 2 && self.u.len() >= n {
            // borrowed straight from the input
            PickleBuffer::from_slice(self.u.bytes(n)?)
        } else {
            let avail = self.u.len().min(n);
            let mut data = self.u.bytes(avail)?.to_vec();
            let fill = data.last().copied().unwrap_or(0);
            data.resize(n, fill);
            if kind == 1 {
                PickleBuffer::from_bytes(Bytes::from(data))
            } else {
                PickleBuffer::from_vec(data)
            }
        };
        let readonly = self.flag()?;
        Ok(pb.with_readonly(readonly))
    }

    fn pickle_buffer(&mut self) -> AResult<PickleBuffer<'a>> {
        let n = self.len(300)?;
        let mut pb = self.buffer_of(n)?;
        if self.below(32)? == 0 {
            pb.release();
        }
        Ok(pb)
    }

    fn dtype(&mut self) -> AResult<Dtype> {
        const KINDS: &[(Kind, &[usize])] = &[
            (Kind::Bool, &[1]),
            (Kind::Int, &[1, 2, 4, 8]),
            (Kind::UInt, &[1, 2, 4, 8]),
            (Kind::Float, &[2, 4, 8]),
            (Kind::Complex, &[8, 16]),
        ];
        let (kind, sizes) = KINDS[self.below(KINDS.len())?];
        let size = sizes[self.below(sizes.len())?];
        let order = [ByteOrder::Little, ByteOrder::Big, ByteOrder::NotApplicable][self.below(3)?];
        Ok(Dtype::new(kind, size, order).expect("a numeric dtype"))
    }

    fn array(&mut self) -> AResult<NdArray<'a>> {
        let dtype = self.dtype()?;
        let item = dtype.itemsize();
        let ndim = self.u.int_in_range(0..=4usize)?;
        let mut shape = Vec::with_capacity(ndim);
        for _ in 0..ndim {
            shape.push(self.u.int_in_range(0..=4usize)?);
        }
        let n: usize = shape.iter().product();
        let readonly = self.flag()?;
        let a = match self.below(5)? {
            0 | 1 => {
                let order = if self.flag()? { Order::F } else { Order::C };
                let data = self.buffer_of(n * item)?;
                NdArray::new(dtype, &shape, order, data).expect("C/F array")
            }
            2 => {
                // numpy's 'K': a C array of the base shape, transposed
                let mut axes: Vec<usize> = (0..ndim).collect();
                for i in (1..ndim).rev() {
                    let j = self.u.int_in_range(0..=i)?;
                    axes.swap(i, j);
                }
                let data = self.buffer_of(n * item)?;
                NdArray::permuted(dtype, &shape, &axes, data).expect("permuted array")
            }
            _ => {
                // explicit strides and offset: dense with an offset, gaps,
                // broadcast (stride 0), overlapping or unaligned strides
                let mut strides = vec![0usize; ndim];
                let dense = self.below(3)?;
                let mut s = item;
                let mut axes: Vec<usize> = (0..ndim).collect();
                if dense == 1 {
                    axes.reverse();
                }
                for &ax in axes.iter().rev() {
                    strides[ax] = match dense {
                        0 | 1 => s,
                        _ => match self.below(4)? {
                            0 => 0,
                            1 => s * self.u.int_in_range(1..=3usize)?,
                            _ => self.u.int_in_range(0..=40usize)?,
                        },
                    };
                    s *= shape[ax].max(1);
                }
                let offset = self.u.int_in_range(0..=24usize)?;
                let end = if n == 0 {
                    offset
                } else {
                    offset
                        + shape
                            .iter()
                            .zip(&strides)
                            .map(|(&d, &s)| (d - 1) * s)
                            .sum::<usize>()
                        + item
                };
                let slack = self.u.int_in_range(0..=8usize)?;
                let data = self.buffer_of(end + slack)?;
                NdArray::from_parts(dtype, &shape, &strides, offset, data)
                    .expect("array from parts that fit the buffer")
            }
        };
        Ok(a.with_readonly(readonly))
    }

    /// A dict key or set item: hashable, often from a small pool so that
    /// keys collide; rarely unhashable (dumps must refuse it).
    fn key(&mut self, depth: usize) -> AResult<PickleValue<'a>> {
        self.nodes += 1;
        Ok(match self.below(16)? {
            0..=3 => {
                // collisions: 0, False, 0.0, -0.0; 1, True, 1.0; 2**64 both ways
                const POOL: &[fn() -> PickleValue<'static>] = &[
                    || PickleValue::Int(0),
                    || PickleValue::Bool(false),
                    || PickleValue::Float(0.0),
                    || PickleValue::Float(-0.0),
                    || PickleValue::Int(1),
                    || PickleValue::Bool(true),
                    || PickleValue::Float(1.0),
                    || PickleValue::BigInt(BigInt::from(1)),
                    || PickleValue::Float(f64::NAN),
                    || PickleValue::Float(f64::INFINITY),
                    || PickleValue::Float(18446744073709551616.0),
                    || PickleValue::BigInt(BigInt::from(1u8) << 64),
                    || PickleValue::Float(-9223372036854775808.0),
                    || PickleValue::Int(i64::MIN),
                    || PickleValue::Float(0.5),
                    || PickleValue::None,
                    || PickleValue::str("a"),
                    || PickleValue::Bytes(Cow::Borrowed(b"a")),
                    || PickleValue::Tuple(vec![]),
                    || PickleValue::FrozenSet(vec![]),
                ];
                POOL[self.below(POOL.len())?]()
            }
            4 => PickleValue::Int(self.int()?),
            5 => PickleValue::BigInt(self.bigint()?),
            6 => PickleValue::Float(self.float()?),
            7 | 8 => PickleValue::Str(self.string()?),
            9 => PickleValue::Bytes(self.bytes()?),
            10 | 11 if depth < MAX_GEN_DEPTH && self.nodes < MAX_NODES => {
                let n = self.u.int_in_range(0..=4usize)?;
                let items = (0..n)
                    .map(|_| self.key(depth + 1))
                    .collect::<AResult<_>>()?;
                PickleValue::Tuple(items)
            }
            12 if depth < MAX_GEN_DEPTH && self.nodes < MAX_NODES => {
                let n = self.u.int_in_range(0..=4usize)?;
                let items = (0..n)
                    .map(|_| self.key(depth + 1))
                    .collect::<AResult<_>>()?;
                PickleValue::FrozenSet(items)
            }
            13 if self.below(8)? == 0 => PickleValue::Dtype(self.dtype()?),
            14 if self.below(4)? == 0 => self.value(depth)?, // maybe unhashable
            _ => PickleValue::Int(self.u.int_in_range(-2..=3)?),
        })
    }

    fn value(&mut self, depth: usize) -> AResult<PickleValue<'a>> {
        self.nodes += 1;
        let leaf_only = depth >= MAX_GEN_DEPTH || self.nodes >= MAX_NODES || self.u.is_empty();
        let pick = self.below(if leaf_only { 12 } else { 20 })?;
        Ok(match pick {
            0 => PickleValue::None,
            1 => PickleValue::Bool(self.flag()?),
            2 => PickleValue::Int(self.int()?),
            3 => PickleValue::BigInt(self.bigint()?),
            4 => PickleValue::Float(self.float()?),
            5 => PickleValue::Str(self.string()?),
            6 => PickleValue::Bytes(self.bytes()?),
            7 => PickleValue::ByteArray(self.bytes()?),
            8 => PickleValue::Buffer(self.pickle_buffer()?),
            9 | 10 => PickleValue::Array(self.array()?),
            11 => PickleValue::Dtype(self.dtype()?),
            12 | 13 => {
                let n = self.u.int_in_range(0..=6usize)?;
                let items = (0..n)
                    .map(|_| self.value(depth + 1))
                    .collect::<AResult<_>>()?;
                if pick == 12 {
                    PickleValue::List(items)
                } else {
                    PickleValue::Tuple(items)
                }
            }
            14 | 15 => {
                let n = self.u.int_in_range(0..=6usize)?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.key(depth + 1)?;
                    let v = self.value(depth + 1)?;
                    entries.push((k, v));
                }
                PickleValue::Dict(entries)
            }
            16 | 17 => {
                let n = self.u.int_in_range(0..=6usize)?;
                let items = (0..n)
                    .map(|_| self.key(depth + 1))
                    .collect::<AResult<_>>()?;
                if pick == 16 {
                    PickleValue::Set(items)
                } else {
                    PickleValue::FrozenSet(items)
                }
            }
            18 => self.bulk()?,
            _ => {
                // a chain of one-item lists / tuples / dicts around a value:
                // at and beyond the depth limit (100) when long
                let n = if self.flag()? {
                    self.u.int_in_range(1..=8usize)?
                } else {
                    self.u.int_in_range(95..=105usize)?
                };
                let kinds = self.u.arbitrary::<u64>()?;
                let mut v = self.value(MAX_GEN_DEPTH)?;
                for i in 0..n {
                    v = match (kinds >> (2 * (i % 32))) & 3 {
                        0 => PickleValue::List(vec![v]),
                        1 => PickleValue::Tuple(vec![v]),
                        2 => PickleValue::Dict(vec![(PickleValue::Int(i as i64), v)]),
                        _ => PickleValue::Tuple(vec![PickleValue::None, v]),
                    };
                }
                v
            }
        })
    }

    /// A big container of small values: batches of 1000 (APPENDS, SETITEMS,
    /// ADDITEMS) and a last batch of one; duplicates across batches.
    fn bulk(&mut self) -> AResult<PickleValue<'a>> {
        let n = match self.below(4)? {
            0 if !self.big_bulk => self.u.int_in_range(998..=1002usize)?,
            1 if !self.big_bulk => self.u.int_in_range(1999..=2001usize)?,
            _ => self.u.int_in_range(0..=40usize)?,
        };
        self.big_bulk |= n > 40;
        let modulus = self.u.int_in_range(1..=3000i64)?;
        let step = self.u.int_in_range(-70000..=70000i64)?;
        let item = |i: usize| PickleValue::Int((i as i64 % modulus) * step);
        Ok(match self.below(5)? {
            0 => PickleValue::List((0..n).map(item).collect()),
            1 => PickleValue::Tuple((0..n).map(item).collect()),
            2 => PickleValue::Dict((0..n).map(|i| (item(i), PickleValue::Int(i as i64))).collect()),
            3 => PickleValue::Set((0..n).map(item).collect()),
            _ => PickleValue::FrozenSet((0..n).map(item).collect()),
        })
    }
}

// ------------------------------------------------------- what dumps may refuse

fn py_hashable(v: &PickleValue<'_>) -> bool {
    match v {
        PickleValue::None
        | PickleValue::Bool(_)
        | PickleValue::Int(_)
        | PickleValue::BigInt(_)
        | PickleValue::Float(_)
        | PickleValue::Str(_)
        | PickleValue::Bytes(_)
        | PickleValue::Dtype(_) => true,
        PickleValue::Tuple(items) | PickleValue::FrozenSet(items) => items.iter().all(py_hashable),
        _ => false,
    }
}

#[derive(Default, Debug)]
struct Facts {
    depth: usize,
    unhashable_key: bool,
    released: bool,
}

/// Nesting depth as `dumps` counts it, and the reasons it may refuse a value.
fn facts(v: &PickleValue<'_>, f: &mut Facts) -> usize {
    let key = |k: &PickleValue<'_>, f: &mut Facts| {
        f.unhashable_key |= !py_hashable(k);
    };
    match v {
        PickleValue::Buffer(pb) => {
            f.released |= pb.is_released();
            0
        }
        PickleValue::List(items) | PickleValue::Tuple(items) => {
            items.iter().map(|x| 1 + facts(x, f)).max().unwrap_or(0)
        }
        PickleValue::Set(items) | PickleValue::FrozenSet(items) => items
            .iter()
            .map(|x| {
                key(x, f);
                1 + facts(x, f)
            })
            .max()
            .unwrap_or(0),
        PickleValue::Dict(entries) => entries
            .iter()
            .map(|(k, x)| {
                key(k, f);
                1 + facts(k, f).max(facts(x, f))
            })
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

// ------------------------------------------------- Python's view of the value

/// Python equality of hashable values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    None,
    /// bool, int and integral floats, exactly.
    Num(BigInt),
    /// Other non-NaN floats, by bits (inf, 0.5 ...).
    Float(u64),
    /// NaN: only equal to itself (each float in the stream is its own object).
    Nan(usize),
    Str(String),
    Bytes(Vec<u8>),
    Dtype(String),
    Tuple(Vec<Key>),
    FrozenSet(Vec<Key>),
}

fn integral_float(f: f64) -> Option<BigInt> {
    if !f.is_finite() || f.fract() != 0.0 {
        return None;
    }
    let bits = f.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    if exp == 0 {
        return Some(BigInt::from(0)); // ±0.0 (integral subnormals are zero)
    }
    let mant = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let shift = exp - 1075;
    let mag = if shift >= 0 {
        BigInt::from(mant) << (shift as usize)
    } else {
        BigInt::from(mant >> ((-shift) as usize))
    };
    Some(if f < 0.0 { -mag } else { mag })
}

struct Keys {
    nans: usize,
}

impl Keys {
    fn key(&mut self, v: &PickleValue<'_>) -> Key {
        match v {
            PickleValue::None => Key::None,
            PickleValue::Bool(b) => Key::Num(BigInt::from(*b as u8)),
            PickleValue::Int(i) => Key::Num(BigInt::from(*i)),
            PickleValue::BigInt(b) => Key::Num(b.clone()),
            PickleValue::Float(f) if f.is_nan() => {
                self.nans += 1;
                Key::Nan(self.nans)
            }
            PickleValue::Float(f) => match integral_float(*f) {
                Some(b) => Key::Num(b),
                None => Key::Float(f.to_bits()),
            },
            PickleValue::Str(s) => Key::Str(s.to_string()),
            PickleValue::Bytes(b) => Key::Bytes(b.to_vec()),
            PickleValue::Dtype(d) => Key::Dtype(d.descr()),
            PickleValue::Tuple(items) => Key::Tuple(items.iter().map(|x| self.key(x)).collect()),
            PickleValue::FrozenSet(items) => {
                let mut keys: Vec<Key> = items.iter().map(|x| self.key(x)).collect();
                keys.sort();
                keys.dedup();
                Key::FrozenSet(keys)
            }
            other => panic!("unhashable {} got past dumps", other.type_name()),
        }
    }

    /// Items in first-seen order without Python-equal repeats.
    fn unique<'x>(&mut self, items: Vec<PickleValue<'x>>) -> Vec<PickleValue<'x>> {
        let mut seen = HashMap::new();
        items
            .into_iter()
            .filter(|x| seen.insert(self.key(x), ()).is_none())
            .collect()
    }
}

/// What `loads` must give back for `v` written with the placements `place`
/// (consumed in the order dumps offers the buffers). Also lists what the
/// callback must have been offered: (bytes, placement).
struct Expect<'p, 'v> {
    place: &'p [Placement],
    offered: Vec<&'v [u8]>,
    keys: Keys,
}

fn array_bytes<'v>(a: &'v NdArray<'_>) -> &'v [u8] {
    let raw = a.data().raw().expect("an array's buffer is never released");
    let lo = a.offset();
    if a.is_empty() {
        return &raw[lo..lo];
    }
    let last: usize = a
        .shape()
        .iter()
        .zip(a.strides())
        .map(|(&d, &s)| (d - 1) * s)
        .sum();
    &raw[lo..lo + last + a.dtype().itemsize()]
}

impl<'v> Expect<'_, 'v> {
    fn next_place(&mut self) -> Placement {
        *self
            .place
            .get(self.offered.len())
            .expect("dumps offered fewer buffers than the value holds")
    }

    fn value(&mut self, v: &'v PickleValue<'_>) -> PickleValue<'v> {
        use PickleValue as V;
        match v {
            V::None => V::None,
            V::Bool(b) => V::Bool(*b),
            V::Int(i) => V::Int(*i),
            V::BigInt(b) => match i64::try_from(b) {
                Ok(i) => V::Int(i),
                Err(_) => V::BigInt(b.clone()),
            },
            V::Float(f) => V::Float(*f),
            V::Str(s) => V::Str(Cow::Borrowed(s)),
            V::Bytes(b) => V::Bytes(Cow::Borrowed(b)),
            V::ByteArray(b) => V::ByteArray(Cow::Borrowed(b)),
            V::Buffer(pb) => {
                let raw = pb.raw().expect("not released");
                let p = self.next_place();
                self.offered.push(raw);
                match p {
                    Placement::OutOfBand => {
                        V::Buffer(PickleBuffer::from_slice(raw).with_readonly(pb.readonly()))
                    }
                    Placement::InBand if pb.readonly() => V::Bytes(Cow::Borrowed(raw)),
                    Placement::InBand => V::ByteArray(Cow::Borrowed(raw)),
                }
            }
            V::Array(a) => {
                self.offered.push(array_bytes(a));
                V::Array(a.clone())
            }
            V::Dtype(d) => V::Dtype(*d),
            V::List(items) => V::List(items.iter().map(|x| self.value(x)).collect()),
            V::Tuple(items) => V::Tuple(items.iter().map(|x| self.value(x)).collect()),
            V::Set(items) => {
                let items = items.iter().map(|x| self.value(x)).collect();
                V::Set(self.keys.unique(items))
            }
            V::FrozenSet(items) => {
                let items = items.iter().map(|x| self.value(x)).collect();
                V::FrozenSet(self.keys.unique(items))
            }
            V::Dict(entries) => {
                let mut out: Vec<(PickleValue<'v>, PickleValue<'v>)> = Vec::new();
                let mut index: HashMap<Key, usize> = HashMap::new();
                for (k, x) in entries {
                    let k = self.value(k);
                    let x = self.value(x);
                    let key = self.keys.key(&k);
                    match index.get(&key) {
                        Some(&pos) => out[pos].1 = x,
                        None => {
                            index.insert(key, out.len());
                            out.push((k, x));
                        }
                    }
                }
                V::Dict(out)
            }
        }
    }
}

/// Equality with floats by bits and arrays logically plus their read-only flag.
fn same(a: &PickleValue<'_>, b: &PickleValue<'_>) -> bool {
    use PickleValue as V;
    let all = |x: &[PickleValue<'_>], y: &[PickleValue<'_>]| {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
    };
    match (a, b) {
        (V::Float(x), V::Float(y)) => x.to_bits() == y.to_bits(),
        (V::Array(x), V::Array(y)) => x == y && x.readonly() == y.readonly(),
        (V::List(x), V::List(y))
        | (V::Tuple(x), V::Tuple(y))
        | (V::Set(x), V::Set(y))
        | (V::FrozenSet(x), V::FrozenSet(y)) => all(x, y),
        (V::Dict(x), V::Dict(y)) => {
            x.len() == y.len()
                && x
                    .iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
        }
        (V::Float(_) | V::Array(_) | V::List(_) | V::Tuple(_), _)
        | (V::Set(_) | V::FrozenSet(_) | V::Dict(_), _) => false,
        _ => a == b,
    }
}

// ---------------------------------------------------------------- the target

struct Setup {
    opts: Option<DumpOptions>, // None: fory_pickle::dumps
    /// 0: all in-band (no buffer_callback), 1: all out-of-band, else per buffer
    policy: u8,
    mask: u64,
}

impl Setup {
    fn place(&self, i: usize) -> Placement {
        let oob = match self.policy {
            0 => false,
            1 => true,
            _ => self.mask >> (i % 64) & 1 != 0,
        };
        if oob {
            Placement::OutOfBand
        } else {
            Placement::InBand
        }
    }

    fn dumps<'v>(
        &self,
        v: &'v PickleValue<'_>,
        second: bool,
    ) -> (fory_pickle::Result<Vec<u8>>, Vec<(BufferObject<'v>, Placement)>) {
        let mut seen = Vec::new();
        let cb = |b: BufferObject<'v>| {
            let p = self.place(seen.len());
            seen.push((b, p));
            p
        };
        let r = match (&self.opts, second) {
            (None, false) => fory_pickle::dumps(v, cb),
            // the other entry point with the same (default) options
            (None, true) => DumpOptions::default().dumps(v, cb),
            (Some(o), _) => o.dumps(v, cb),
        };
        (r, seen)
    }

    fn max_depth(&self) -> usize {
        self.opts.as_ref().map_or(100, |o| o.max_depth)
    }

    fn memoize(&self) -> bool {
        self.opts.as_ref().map_or(true, |o| o.memoize)
    }
}

fn setup(u: &mut Unstructured<'_>) -> AResult<Setup> {
    let sel: u8 = u.arbitrary()?;
    let opts = if sel & 1 == 0 {
        None
    } else {
        let numpy = [NumpyTarget::Numpy2, NumpyTarget::Numpy1, NumpyTarget::Portable]
            [(sel as usize >> 1) % 3];
        let mut o = DumpOptions::default()
            .memoize(sel & 0x8 == 0)
            .numpy(numpy);
        if sel & 0x10 != 0 {
            o.max_depth = u.int_in_range(0..=8usize)?;
        }
        Some(o)
    };
    Ok(Setup {
        opts,
        policy: u.int_in_range(0..=3u8)?,
        mask: u.arbitrary()?,
    })
}

fn check(data: &[u8]) -> AResult<()> {
    let mut u = Unstructured::new(data);
    let setup = setup(&mut u)?;
    let value = Gen {
        u: &mut u,
        nodes: 0,
        big_bulk: false,
    }.value(0)?;

    let mut f = Facts::default();
    f.depth = facts(&value, &mut f);
    let too_deep = f.depth > setup.max_depth();

    let (first, offered) = setup.dumps(&value, false);
    let stream = match first {
        Ok(s) => s,
        Err(e) => {
            match &e {
                Error::Encode { message } => assert!(
                    too_deep || f.unhashable_key,
                    "dumps refused a value it should write: {message} ({f:?})"
                ),
                Error::Released => assert!(f.released, "Released without a released buffer"),
                other => panic!("dumps returned an undocumented error: {other:?}"),
            }
            return Ok(());
        }
    };
    assert!(
        !too_deep && !f.unhashable_key && !f.released,
        "dumps wrote a value it must refuse ({f:?})"
    );

    // the callback: every buffer once, in order, the value's own memory
    let places: Vec<Placement> = offered.iter().map(|(_, p)| *p).collect();
    let mut exp = Expect {
        place: &places,
        offered: Vec::new(),
        keys: Keys { nans: 0 },
    };
    let expected = exp.value(&value);
    assert_eq!(exp.offered.len(), offered.len(), "buffers offered");
    for (i, ((b, _), want)) in offered.iter().zip(&exp.offered).enumerate() {
        let got = b.as_bytes();
        assert_eq!(got, *want, "bytes of buffer #{i}");
        if !want.is_empty() {
            assert_eq!(got.as_ptr(), want.as_ptr(), "buffer #{i} was copied");
        }
    }
    let oob: Vec<&[u8]> = offered
        .iter()
        .filter(|(_, p)| *p == Placement::OutOfBand)
        .map(|(b, _)| b.as_bytes())
        .collect();

    // the disassembler reads it through
    let sizes: Vec<usize> = oob.iter().map(|b| b.len()).collect();
    let d = fory_pickle::dis(&stream, Some(&sizes));
    assert!(d.error.is_none(), "dis: {:?}\n{}", d.error, d.text);
    assert_eq!(d.buffers_used, oob.len(), "dis counts the buffers");
    assert!(d.globals.iter().all(|(_, ok)| *ok), "{:?}", d.globals);
    if !setup.memoize() {
        let mut tok = fory_pickle::ops::Tokenizer::new(&stream);
        while let Some(i) = tok.next_instr() {
            let i = i.expect("tokenizes");
            assert!(
                !matches!(
                    i.code,
                    fory_pickle::opcodes::MEMOIZE
                        | fory_pickle::opcodes::BINGET
                        | fory_pickle::opcodes::LONG_BINGET
                        | fory_pickle::opcodes::BINPUT
                        | fory_pickle::opcodes::LONG_BINPUT
                ),
                "memo opcode {:#04x} at {} with memoize off",
                i.code,
                i.offset
            );
        }
    }

    // loads gives the value back
    let loaded = match fory_pickle::loads(&stream, &oob) {
        Ok(v) => v,
        Err(e) => panic!(
            "loads of our own dump failed: {e}\nvalue: {value:?}\n{}",
            d.text
        ),
    };
    assert!(
        same(&expected, &loaded),
        "round trip differs\nexpected: {expected:?}\nloaded:   {loaded:?}\n{}",
        d.text
    );

    // deterministic: the same bytes and buffers again
    let (second, offered2) = setup.dumps(&value, true);
    assert_eq!(second.expect("second dumps"), stream, "dumps is not deterministic");
    assert_eq!(offered2.len(), offered.len());
    for ((a, _), (b, _)) in offered.iter().zip(&offered2) {
        assert_eq!(a.as_bytes().as_ptr(), b.as_bytes().as_ptr());
        assert_eq!(a.as_bytes().len(), b.as_bytes().len());
    }

    // and the loaded value is a fixed point
    let (again, offered3) = setup.dumps(&loaded, false);
    let again = again.expect("the loaded value dumps");
    let oob3: Vec<&[u8]> = offered3
        .iter()
        .filter(|(_, p)| *p == Placement::OutOfBand)
        .map(|(b, _)| b.as_bytes())
        .collect();
    let reloaded = fory_pickle::loads(&again, &oob3).expect("loads the loaded value's dump");
    let mut exp3 = Expect {
        place: &offered3.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        offered: Vec::new(),
        keys: Keys { nans: 0 },
    };
    let expected3 = exp3.value(&loaded);
    assert!(
        same(&expected3, &reloaded),
        "second round trip differs\nexpected: {expected3:?}\nloaded:   {reloaded:?}"
    );
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = check(data);
});
