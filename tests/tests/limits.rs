//! Resource limits (`fory_core::Limits`): every limit at its boundary, on the
//! typed decoder and on the dynamic `Value` decoder. At the limit a stream
//! decodes; one below, it is `Error::LimitExceeded` naming the limit, the
//! value the stream asked for and the configured maximum.

use std::collections::HashMap;
use std::fmt::Debug;

use bytes::Bytes;
use fory_core::value::StructValue;
use fory_core::wire::meta_string::{self, Context};
use fory_core::{Error, Fory, Limit, Limits, Placement, Schema, Value};

fn with(f: impl FnOnce(&mut Limits)) -> Fory {
    let mut l = Limits::default();
    f(&mut l);
    Fory::builder().limits(l).build()
}

#[track_caller]
fn assert_limit<T: Debug>(r: Result<T, Error>, limit: Limit, found: u64, max: u64) {
    match r {
        Err(Error::LimitExceeded {
            limit: l,
            found: f,
            max: m,
            ..
        }) if l == limit && f == found && m == max => {}
        other => panic!("expected {limit:?} {found} > {max}, got {other:?}"),
    }
}

#[test]
fn collection_length() {
    let plain = Fory::builder().build();
    let list: Vec<String> = (0..5).map(|i| i.to_string()).collect();
    let map: HashMap<String, i32> = (0..5).map(|i| (i.to_string(), i)).collect();
    let array: Vec<i32> = (0..5).collect();
    let at = with(|l| l.max_collection_len = 5);
    let below = with(|l| l.max_collection_len = 4);

    let b = plain.serialize(&list).unwrap();
    assert_eq!(at.deserialize::<Vec<String>>(&b).unwrap(), list);
    assert!(at.deserialize_value(&b).is_ok());
    assert_limit(
        below.deserialize::<Vec<String>>(&b),
        Limit::CollectionLength,
        5,
        4,
    );
    assert_limit(below.deserialize_value(&b), Limit::CollectionLength, 5, 4);

    let b = plain.serialize(&map).unwrap();
    assert_eq!(at.deserialize::<HashMap<String, i32>>(&b).unwrap(), map);
    assert!(at.deserialize_value(&b).is_ok());
    assert_limit(
        below.deserialize::<HashMap<String, i32>>(&b),
        Limit::CollectionLength,
        5,
        4,
    );
    assert_limit(below.deserialize_value(&b), Limit::CollectionLength, 5, 4);

    // a dense INT32_ARRAY counts elements, not bytes
    let b = plain.serialize(&array).unwrap();
    assert_eq!(at.deserialize::<Vec<i32>>(&b).unwrap(), array);
    assert!(at.deserialize_value(&b).is_ok());
    assert_limit(
        below.deserialize::<Vec<i32>>(&b),
        Limit::CollectionLength,
        5,
        4,
    );
    assert_limit(below.deserialize_value(&b), Limit::CollectionLength, 5, 4);
}

#[test]
fn string_length() {
    let plain = Fory::builder().build();
    // "héllo" goes as Latin-1: 5 encoded bytes; "😀x" as UTF-8: 5 bytes
    for s in ["hello", "héllo", "😀x"] {
        let b = plain.serialize(&s.to_string()).unwrap();
        let at = with(|l| l.max_string_bytes = 5);
        let below = with(|l| l.max_string_bytes = 4);
        assert_eq!(at.deserialize::<String>(&b).unwrap(), s);
        assert_eq!(at.deserialize_value(&b).unwrap(), Value::String(s.into()));
        assert_limit(below.deserialize::<String>(&b), Limit::StringLength, 5, 4);
        assert_limit(below.deserialize_value(&b), Limit::StringLength, 5, 4);
    }
}

#[test]
fn out_of_band_buffer_count() {
    let plain = Fory::builder().build();
    let parts: Vec<Bytes> = (0..3u8).map(|i| Bytes::from(vec![i; 8])).collect();
    let mut bufs = Vec::new();
    let stream = plain
        .serialize_with_callback(&parts, |b| {
            bufs.push(b.to_bytes());
            Placement::OutOfBand
        })
        .unwrap();
    assert_eq!(bufs.len(), 3);
    let at = with(|l| l.max_buffers = 3);
    let below = with(|l| l.max_buffers = 2);
    assert_eq!(
        at.deserialize_with_buffers::<Vec<Bytes>, _>(&stream, &bufs)
            .unwrap(),
        parts
    );
    assert!(at.deserialize_value_with_buffers(&stream, &bufs).is_ok());
    assert_limit(
        below.deserialize_with_buffers::<Vec<Bytes>, _>(&stream, &bufs),
        Limit::OutOfBandBuffers,
        3,
        2,
    );
    assert_limit(
        below.deserialize_value_with_buffers(&stream, &bufs),
        Limit::OutOfBandBuffers,
        3,
        2,
    );
    assert_limit(
        below.deserialize_with_shared_buffers::<Vec<Bytes>>(&stream, &bufs),
        Limit::OutOfBandBuffers,
        3,
        2,
    );
}

#[derive(fory_core::Fory, Debug, Default, PartialEq, Clone)]
#[fory(name = "limits.Three")]
struct Three {
    alpha: i32,
    beta: String,
    gamma_delta_epsilon: Option<i64>,
}

fn three() -> Three {
    Three {
        alpha: 7,
        beta: "b".into(),
        gamma_delta_epsilon: Some(9),
    }
}

fn compat(l: Limits) -> Fory {
    Fory::builder()
        .compatible(true)
        .limits(l)
        .register_struct::<Three>()
        .unwrap()
        .build()
}

#[test]
fn typedef_field_count() {
    let b = compat(Limits::default()).serialize(&three()).unwrap();
    let at = compat(Limits {
        max_typedef_fields: 3,
        ..Limits::default()
    });
    let below = compat(Limits {
        max_typedef_fields: 2,
        ..Limits::default()
    });
    assert_eq!(at.deserialize::<Three>(&b).unwrap(), three());
    assert!(at.deserialize_value(&b).is_ok());
    assert_limit(below.deserialize::<Three>(&b), Limit::TypeDefFields, 3, 2);
    assert_limit(below.deserialize_value(&b), Limit::TypeDefFields, 3, 2);
}

#[test]
fn typedef_size() {
    let b = compat(Limits::default()).serialize(&three()).unwrap();
    // the smallest limit that accepts the stream is the TypeDef's body size
    let size = (0..4096)
        .find(|&n| {
            compat(Limits {
                max_typedef_bytes: n,
                ..Limits::default()
            })
            .deserialize::<Three>(&b)
            .is_ok()
        })
        .expect("accepted below 4 KiB");
    // three fields with names and types, plus the registration: tens of bytes
    assert!((20..200).contains(&size), "{size}");
    let below = compat(Limits {
        max_typedef_bytes: size - 1,
        ..Limits::default()
    });
    assert_limit(
        below.deserialize::<Three>(&b),
        Limit::TypeDefSize,
        size as u64,
        size as u64 - 1,
    );
    assert_limit(
        below.deserialize_value(&b),
        Limit::TypeDefSize,
        size as u64,
        size as u64 - 1,
    );
}

#[test]
fn meta_string_length() {
    let b = compat(Limits::default()).serialize(&three()).unwrap();
    // The longest meta string in the stream is the field name
    // `gamma_delta_epsilon`, packed by its meta-string encoding.
    let enc = meta_string::choose_encoding(
        "gamma_delta_epsilon",
        Context::FieldName,
        Context::FieldName.typedef_encodings(),
    );
    let longest = meta_string::encode("gamma_delta_epsilon", enc, Context::FieldName)
        .unwrap()
        .len();
    assert!(longest < "gamma_delta_epsilon".len(), "packed: {longest}");
    let at = compat(Limits {
        max_meta_string_bytes: longest,
        ..Limits::default()
    });
    let below = compat(Limits {
        max_meta_string_bytes: longest - 1,
        ..Limits::default()
    });
    assert_eq!(at.deserialize::<Three>(&b).unwrap(), three());
    assert!(at.deserialize_value(&b).is_ok());
    assert_limit(
        below.deserialize::<Three>(&b),
        Limit::MetaStringLength,
        longest as u64,
        longest as u64 - 1,
    );
    assert_limit(
        below.deserialize_value(&b),
        Limit::MetaStringLength,
        longest as u64,
        longest as u64 - 1,
    );
}

#[test]
fn allocation_budget_is_exact_for_collections() {
    // A list of small ints: one byte each on the wire, one `Value` each in
    // memory. The budget charged is exactly n * size_of::<Value>().
    let n = 1000usize;
    let v = Value::List((0..n as i64).map(|i| Value::VarInt64(i % 50)).collect());
    let b = Fory::builder().build().serialize_value(&v).unwrap();
    let need = n * std::mem::size_of::<Value>();
    let at = with(|l| {
        l.alloc_per_input_byte = 0;
        l.alloc_floor = need;
    });
    assert_eq!(at.deserialize_value(&b).unwrap(), v);
    let below = with(|l| {
        l.alloc_per_input_byte = 0;
        l.alloc_floor = need - 1;
    });
    assert_limit(
        below.deserialize_value(&b),
        Limit::Allocation,
        need as u64,
        need as u64 - 1,
    );

    // typed: Vec<String> charges the vector and every string's bytes
    let list: Vec<String> = (0..100).map(|i| format!("s{i:03}")).collect();
    let b = Fory::builder().build().serialize(&list).unwrap();
    let need = 100 * std::mem::size_of::<String>() + 100 * 4;
    let at = with(|l| {
        l.alloc_per_input_byte = 0;
        l.alloc_floor = need;
    });
    assert_eq!(at.deserialize::<Vec<String>>(&b).unwrap(), list);
    let below = with(|l| {
        l.alloc_per_input_byte = 0;
        l.alloc_floor = need - 1;
    });
    // the last string is the one that does not fit: 4 bytes asked, 3 left
    assert_limit(
        below.deserialize::<Vec<String>>(&b),
        Limit::Allocation,
        4,
        3,
    );
}

#[test]
fn allocation_budget_scales_with_input() {
    // The same stream passes at a ratio that covers it and fails at one
    // that does not: the budget is floor + ratio * input.
    let v = Value::List((0..1000).map(|_| Value::Bool(true)).collect());
    let b = Fory::builder().build().serialize_value(&v).unwrap();
    let need = 1000 * std::mem::size_of::<Value>();
    let ratio = need.div_ceil(b.len());
    let at = with(|l| {
        l.alloc_floor = 0;
        l.alloc_per_input_byte = ratio;
    });
    assert_eq!(at.deserialize_value(&b).unwrap(), v);
    let below = with(|l| {
        l.alloc_floor = 0;
        l.alloc_per_input_byte = ratio - 1;
    });
    assert!(matches!(
        below.deserialize_value(&b),
        Err(Error::LimitExceeded {
            limit: Limit::Allocation,
            ..
        })
    ));
}

/// Field names are cloned into every struct `Value`: a list of many empty
/// instances of a struct with long field names is a small stream that would
/// decode into a large tree. The default budget stops it; the same data
/// decodes when the caller raises the budget on purpose.
#[test]
fn default_budget_stops_field_name_amplification() {
    let long = |i: usize| format!("f{i}_{}", "x".repeat(240));
    let fields: Vec<serde_json::Value> = (0..8)
        .map(|i| {
            serde_json::json!({"name": long(i), "type": "varint32", "nullable": true,
                "ref": false, "tag_id": null})
        })
        .collect();
    let types = serde_json::json!({"amp.Wide": {"register_by": "name", "namespace": "amp",
        "typename": "Wide", "kind": "struct", "fields": fields}});
    let schema = Schema::from_json(&types, None).unwrap();
    let wide = Value::Struct(Box::new(StructValue {
        type_name: "amp.Wide".into(),
        fields: (0..8).map(|i| (long(i), Value::Null)).collect(),
    }));
    let v = Value::List(vec![wide; 2000]);
    let writer = Fory::builder().schema(schema.clone()).build();
    let b = writer.serialize_value(&v).unwrap();
    // about 10 bytes per instance on the wire, over 2 KiB each in memory
    assert!(b.len() < 40_000, "{}", b.len());
    assert!(matches!(
        writer.deserialize_value(&b),
        Err(Error::LimitExceeded {
            limit: Limit::Allocation,
            ..
        })
    ));
    let roomy = Fory::builder()
        .schema(schema)
        .limits(Limits {
            alloc_per_input_byte: 1024,
            ..Limits::default()
        })
        .build();
    assert_eq!(roomy.deserialize_value(&b).unwrap(), v);
}

#[test]
fn depth() {
    // The root is at depth 1 and the elements of a value at depth d are at
    // d + 1. [[[1]]] as Values: three lists and an int, depth 4.
    let v = Value::List(vec![Value::List(vec![Value::List(vec![Value::VarInt64(
        1,
    )])])]);
    let b = Fory::builder().build().serialize_value(&v).unwrap();
    assert_eq!(
        Fory::builder()
            .max_depth(4)
            .build()
            .deserialize_value(&b)
            .unwrap(),
        v
    );
    assert!(matches!(
        Fory::builder().max_depth(3).build().deserialize_value(&b),
        Err(Error::DepthLimit { limit: 3, .. })
    ));
    // Vec<Vec<Vec<i64>>>: the innermost vector is one dense INT64_ARRAY
    // value (its elements are not values), so depth 3.
    let t: Vec<Vec<Vec<i64>>> = vec![vec![vec![1]]];
    let b = Fory::builder().build().serialize(&t).unwrap();
    assert_eq!(
        with(|l| l.max_depth = 3)
            .deserialize::<Vec<Vec<Vec<i64>>>>(&b)
            .unwrap(),
        t
    );
    assert!(matches!(
        with(|l| l.max_depth = 2).deserialize::<Vec<Vec<Vec<i64>>>>(&b),
        Err(Error::DepthLimit { limit: 2, .. })
    ));
    // and the Value decoder agrees on that stream
    assert!(with(|l| l.max_depth = 3).deserialize_value(&b).is_ok());
    assert!(matches!(
        with(|l| l.max_depth = 2).deserialize_value(&b),
        Err(Error::DepthLimit { limit: 2, .. })
    ));
    // the typed writer counts the same way
    assert_eq!(with(|l| l.max_depth = 3).serialize(&t).unwrap(), b);
    assert!(matches!(
        with(|l| l.max_depth = 2).serialize(&t),
        Err(Error::DepthLimit { limit: 2, .. })
    ));
    // a Value inside a typed value goes on counting from the typed depth,
    // on write and read alike: Vec<Value> holding [[1]] takes 5 levels (the
    // Value decoder alone reads the same stream within 4)
    let mixed: Vec<Value> = vec![Value::List(vec![Value::List(vec![Value::VarInt64(1)])])];
    let b = with(|l| l.max_depth = 5).serialize(&mixed).unwrap();
    assert!(matches!(
        with(|l| l.max_depth = 4).serialize(&mixed),
        Err(Error::DepthLimit { limit: 4, .. })
    ));
    assert_eq!(
        with(|l| l.max_depth = 5)
            .deserialize::<Vec<Value>>(&b)
            .unwrap(),
        mixed
    );
    assert!(matches!(
        with(|l| l.max_depth = 4).deserialize::<Vec<Value>>(&b),
        Err(Error::DepthLimit { limit: 4, .. })
    ));
    assert!(with(|l| l.max_depth = 4).deserialize_value(&b).is_ok());
    assert!(matches!(
        with(|l| l.max_depth = 3).deserialize_value(&b),
        Err(Error::DepthLimit { limit: 3, .. })
    ));
}

#[test]
fn unlimited_lifts_policy_but_not_structure() {
    let fory = Fory::builder().limits(Limits::unlimited()).build();
    // a 4 GiB claim in a 9-byte stream is still a structural error
    let b = hex::decode("01ff16ffffffff0f08").unwrap();
    assert!(matches!(
        fory.deserialize_value(&b),
        Err(Error::LengthLimit { .. })
    ));
}
