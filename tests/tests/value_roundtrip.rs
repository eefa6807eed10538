//! Property tests: random `Value` trees without user types survive a round
//! trip through all four wire configurations (reference tracking on/off,
//! compatible on/off), in-band and with an out-of-band callback that
//! alternates placements. Every stream is also walked by `fory inspect`.

use bytes::Bytes;
use fory_cli::inspect;
use fory_core::value::DenseArray;
use fory_core::wire::type_id as tid;
use fory_core::{Config, Fory, Placement, Value};
use half::{bf16, f16};
use num_bigint::{BigInt, Sign};
use proptest::prelude::*;

fn i64_edges() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => any::<i64>(),
        1 => prop::sample::select(vec![
            0,
            1,
            -1,
            i64::MIN,
            i64::MAX,
            1 << 30,
            (1 << 30) - 1,
            -(1 << 30),
            -(1 << 30) - 1,
            1 << 62,
            -(1 << 62),
            (1 << 62) - 1,
            -(1 << 62) - 1,
            1 << 55,
        ]),
        1 => -1000i64..1000,
    ]
}

fn u64_edges() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => any::<u64>(),
        1 => prop::sample::select(vec![
            0,
            1,
            u64::MAX,
            1 << 31,
            (1 << 31) - 1,
            1 << 56,
            (1 << 56) - 1,
            1 << 63,
        ]),
        1 => 0u64..1000,
    ]
}

fn ints() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i8>().prop_map(Value::Int8),
        any::<i16>().prop_map(Value::Int16),
        any::<i32>().prop_map(Value::Int32),
        any::<i32>().prop_map(Value::VarInt32),
        i64_edges().prop_map(Value::Int64),
        i64_edges().prop_map(Value::VarInt64),
        i64_edges().prop_map(Value::TaggedInt64),
        any::<u8>().prop_map(Value::UInt8),
        any::<u16>().prop_map(Value::UInt16),
        any::<u32>().prop_map(Value::UInt32),
        any::<u32>().prop_map(Value::VarUInt32),
        u64_edges().prop_map(Value::UInt64),
        u64_edges().prop_map(Value::VarUInt64),
        u64_edges().prop_map(Value::TaggedUInt64),
    ]
}

fn floats() -> impl Strategy<Value = Value> {
    let f64s = prop_oneof![
        2 => any::<u64>().prop_map(f64::from_bits),
        1 => prop::sample::select(vec![
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            1.5,
        ]),
    ];
    prop_oneof![
        any::<u16>().prop_map(|b| Value::Float16(f16::from_bits(b))),
        any::<u16>().prop_map(|b| Value::BFloat16(bf16::from_bits(b))),
        any::<u32>().prop_map(|b| Value::Float32(f32::from_bits(b))),
        Just(Value::Float32(f32::NAN)),
        f64s.prop_map(Value::Float64),
    ]
}

fn strings() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-z]{0,8}",
        "[\\x00-\\xff]{0,16}",       // Latin-1, written as such
        "[\\u{100}-\\u{ffff}]{0,8}", // BMP beyond Latin-1 (pyfory would pick UTF-16)
        ".{0,12}",                   // anything, including non-BMP
    ]
    .prop_map(Value::String)
}

fn binaries() -> impl Strategy<Value = Value> {
    prop::collection::vec(any::<u8>(), 0..48).prop_map(|b| Value::Binary(Bytes::from(b)))
}

fn arrays() -> impl Strategy<Value = Value> {
    let ids = vec![
        tid::BOOL_ARRAY,
        tid::INT8_ARRAY,
        tid::INT16_ARRAY,
        tid::INT32_ARRAY,
        tid::INT64_ARRAY,
        tid::UINT8_ARRAY,
        tid::UINT16_ARRAY,
        tid::UINT32_ARRAY,
        tid::UINT64_ARRAY,
        tid::FLOAT16_ARRAY,
        tid::BFLOAT16_ARRAY,
        tid::FLOAT32_ARRAY,
        tid::FLOAT64_ARRAY,
    ];
    (prop::sample::select(ids), 0usize..12)
        .prop_flat_map(|(id, n)| {
            let size = tid::array_elem_size(id).unwrap_or(1);
            (Just(id), prop::collection::vec(any::<u8>(), n * size))
        })
        .prop_map(|(id, mut data)| {
            if id == tid::BOOL_ARRAY {
                data.iter_mut().for_each(|b| *b &= 1);
            }
            Value::Array(DenseArray {
                type_id: id,
                data: Bytes::from(data),
            })
        })
}

fn big_int() -> impl Strategy<Value = BigInt> {
    prop_oneof![
        i64_edges().prop_map(BigInt::from),
        (any::<bool>(), prop::collection::vec(any::<u8>(), 0..40)).prop_map(|(neg, mag)| {
            BigInt::from_bytes_le(if neg { Sign::Minus } else { Sign::Plus }, &mag)
        }),
        prop::sample::select(vec![
            "9223372036854775808",
            "-9223372036854775809",
            "4611686018427387904",
            "-4611686018427387905",
            "18446744073709551616",
            "-340282366920938463463374607431768211456",
        ])
        .prop_map(|s| s.parse::<BigInt>().expect("literal")),
    ]
}

fn times() -> impl Strategy<Value = Value> {
    prop_oneof![
        i64_edges().prop_map(Value::Date),
        (i64_edges(), 0u32..1_000_000_000)
            .prop_map(|(seconds, nanos)| Value::Timestamp { seconds, nanos }),
        (i64_edges(), 0i32..1_000_000_000)
            .prop_map(|(seconds, nanos)| Value::Duration { seconds, nanos }),
        (big_int(), any::<i32>()).prop_map(|(unscaled, scale)| Value::Decimal { unscaled, scale }),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => ints(),
        2 => floats(),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => strings(),
        2 => binaries(),
        2 => arrays(),
        2 => times(),
        2 => Just(Value::Null),
    ]
}

/// Depth-limited trees of lists, sets and maps (keys of any kind, nulls included).
fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Set),
            prop::collection::vec((inner.clone(), inner), 0..6).prop_map(Value::Map),
        ]
    })
}

/// Serializes `v` every way and checks that it reads back the same.
fn roundtrip(v: &Value) -> Result<(), TestCaseError> {
    for ref_tracking in [false, true] {
        for compatible in [false, true] {
            let mode = format!("ref={ref_tracking} compatible={compatible}");
            let fory = Fory::builder()
                .ref_tracking(ref_tracking)
                .compatible(compatible)
                .build();
            let walk = |stream: &[u8], oob_sizes: Option<Vec<usize>>| {
                let opts = inspect::Options {
                    config: Config {
                        ref_tracking,
                        compatible,
                        ..Config::default()
                    },
                    schema: fory.schema().clone(),
                    oob_sizes,
                };
                inspect::inspect(stream, &opts)
            };

            let bytes = fory
                .serialize_value(v)
                .map_err(|e| TestCaseError::fail(format!("{mode}: serialize: {e}")))?;
            let back = fory.deserialize_value(&bytes).map_err(|e| {
                TestCaseError::fail(format!(
                    "{mode}: deserialize {}: {e}\n{v:?}",
                    hex::encode(&bytes)
                ))
            })?;
            prop_assert!(
                back.semantic_eq(v),
                "{mode}: {}\nwrote {v:?}\nread  {back:?}",
                hex::encode(&bytes)
            );
            let rep = walk(&bytes, None);
            prop_assert!(rep.is_complete(), "{mode}: inspect:\n{}", rep.text);

            // Out-of-band: a callback that alternates placements, starting
            // in-band (phase 0) or out-of-band (phase 1).
            for phase in 0..2usize {
                let mut calls = 0usize;
                let mut bufs: Vec<Bytes> = Vec::new();
                let stream = fory
                    .serialize_value_with_callback(v, |b| {
                        let p = if (calls + phase) % 2 == 1 {
                            Placement::OutOfBand
                        } else {
                            Placement::InBand
                        };
                        calls += 1;
                        if p == Placement::OutOfBand {
                            bufs.push(b.to_bytes());
                        }
                        p
                    })
                    .map_err(|e| TestCaseError::fail(format!("{mode}: serialize oob: {e}")))?;
                prop_assert_eq!(stream[0], 0x03, "{}: header with a callback", &mode);
                let back = fory
                    .deserialize_value_with_buffers(&stream, &bufs)
                    .map_err(|e| {
                        TestCaseError::fail(format!(
                            "{mode} phase {phase}: deserialize {} with {} buffers: {e}\n{v:?}",
                            hex::encode(&stream),
                            bufs.len()
                        ))
                    })?;
                prop_assert!(
                    back.semantic_eq(v),
                    "{mode} phase {phase}: {}\nwrote {v:?}\nread  {back:?}",
                    hex::encode(&stream)
                );
                let shared = fory
                    .deserialize_value_with_shared_buffers(&stream, &bufs)
                    .map_err(|e| TestCaseError::fail(format!("{mode}: shared: {e}")))?;
                prop_assert!(
                    shared.semantic_eq(v),
                    "{mode} phase {phase}: shared buffers"
                );
                let rep = walk(&stream, Some(bufs.iter().map(Bytes::len).collect()));
                prop_assert!(rep.is_complete(), "{mode}: inspect:\n{}", rep.text);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn values_roundtrip(v in value()) {
        roundtrip(&v)?;
    }
}

proptest! {
    // Each case runs three 240-300 element collections through twelve round trips.
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Maps and lists past one 255-entry chunk, with a few nulls and mixed kinds.
    #[test]
    fn long_collections_roundtrip(
        keys in prop::collection::vec(prop_oneof![
            8 => any::<i64>().prop_map(Value::VarInt64),
            1 => strings(),
            1 => Just(Value::Null),
        ], 240..300),
        vals in prop::collection::vec(prop_oneof![
            8 => any::<i32>().prop_map(Value::VarInt32),
            1 => binaries(),
            1 => Just(Value::Null),
        ], 300),
    ) {
        let map = Value::Map(keys.iter().cloned().zip(vals.iter().cloned()).collect());
        roundtrip(&map)?;
        roundtrip(&Value::List(keys))?;
        roundtrip(&Value::Set(vals))?;
    }
}
