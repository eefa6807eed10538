//! The typed JSON language of the conformance manifest (`value_schema`),
//! converted to and from [`Value`], and compared with decoded values.

use std::collections::HashMap;

use bytes::Bytes;
use fory_core::schema::{scalar_type_id, scalar_type_name};
use fory_core::value::{DenseArray, EnumValue, StructValue};
use fory_core::wire::type_id as tid;
use fory_core::Value;
use half::{bf16, f16};
use num_bigint::BigInt;
use serde_json::{json, Map, Value as Json};

fn err<T>(msg: impl Into<String>) -> Result<T, String> {
    Err(msg.into())
}

fn str_field<'a>(j: &'a Json, k: &str) -> Result<&'a str, String> {
    j.get(k)
        .and_then(Json::as_str)
        .ok_or_else(|| format!("missing string field {k:?} in {j}"))
}

fn int_str<T: std::str::FromStr>(j: &Json, k: &str) -> Result<T, String> {
    let v = j.get(k).ok_or_else(|| format!("missing {k:?} in {j}"))?;
    let s = match v {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        _ => return err(format!("{k:?} must be a number or a decimal string in {j}")),
    };
    s.parse()
        .map_err(|_| format!("{k:?}: {s:?} is out of range for its type"))
}

fn float_bits(j: &Json) -> Result<u64, String> {
    let b = str_field(j, "bits")?;
    u64::from_str_radix(b, 16).map_err(|_| format!("bad float bits {b:?}"))
}

/// Parses typed JSON into a [`Value`]. Nodes with `ref_id` become
/// [`Value::Shared`], `{"type":"ref"}` nodes become [`Value::Ref`].
pub fn from_json(j: &Json) -> Result<Value, String> {
    let t = str_field(j, "type")?;
    let v = match t {
        "null" => Value::Null,
        "bool" => Value::Bool(
            j.get("value")
                .and_then(Json::as_bool)
                .ok_or("bool needs a boolean value")?,
        ),
        "int8" => Value::Int8(int_str(j, "value")?),
        "int16" => Value::Int16(int_str(j, "value")?),
        "int32" => Value::Int32(int_str(j, "value")?),
        "varint32" => Value::VarInt32(int_str(j, "value")?),
        "int64" => Value::Int64(int_str(j, "value")?),
        "varint64" => Value::VarInt64(int_str(j, "value")?),
        "tagged_int64" => Value::TaggedInt64(int_str(j, "value")?),
        "uint8" => Value::UInt8(int_str(j, "value")?),
        "uint16" => Value::UInt16(int_str(j, "value")?),
        "uint32" => Value::UInt32(int_str(j, "value")?),
        "var_uint32" => Value::VarUInt32(int_str(j, "value")?),
        "uint64" => Value::UInt64(int_str(j, "value")?),
        "var_uint64" => Value::VarUInt64(int_str(j, "value")?),
        "tagged_uint64" => Value::TaggedUInt64(int_str(j, "value")?),
        "float16" => Value::Float16(f16::from_bits(float_bits(j)? as u16)),
        "bfloat16" => Value::BFloat16(bf16::from_bits(float_bits(j)? as u16)),
        "float32" => Value::Float32(f32::from_bits(float_bits(j)? as u32)),
        "float64" => Value::Float64(f64::from_bits(float_bits(j)?)),
        "string" => Value::String(str_field(j, "value")?.to_string()),
        "binary" => Value::Binary(Bytes::from(
            hex::decode(str_field(j, "hex")?).map_err(|e| e.to_string())?,
        )),
        "list" | "set" => {
            let items = j
                .get("items")
                .and_then(Json::as_array)
                .ok_or("list needs items")?
                .iter()
                .map(from_json)
                .collect::<Result<Vec<_>, _>>()?;
            if t == "list" {
                Value::List(items)
            } else {
                Value::Set(items)
            }
        }
        "map" => {
            let mut entries = Vec::new();
            for e in j
                .get("entries")
                .and_then(Json::as_array)
                .ok_or("map needs entries")?
            {
                let pair = e
                    .as_array()
                    .filter(|p| p.len() == 2)
                    .ok_or("map entry must be [key, value]")?;
                entries.push((from_json(&pair[0])?, from_json(&pair[1])?));
            }
            Value::Map(entries)
        }
        "struct" => {
            let mut fields = Vec::new();
            for (k, v) in j
                .get("fields")
                .and_then(Json::as_object)
                .ok_or("struct needs fields")?
            {
                fields.push((k.clone(), from_json(v)?));
            }
            Value::Struct(Box::new(StructValue {
                type_name: str_field(j, "type_name")?.to_string(),
                fields,
            }))
        }
        "enum" => Value::Enum(EnumValue {
            type_name: str_field(j, "type_name")?.to_string(),
            variant: j
                .get("variant")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            ordinal: int_str(j, "ordinal").unwrap_or(0),
            wire_value: int_str(j, "wire_value").unwrap_or(0),
        }),
        "date" => Value::Date(int_str(j, "days")?),
        "timestamp" => Value::Timestamp {
            seconds: int_str(j, "seconds")?,
            nanos: int_str(j, "nanos")?,
        },
        "duration" => Value::Duration {
            seconds: int_str(j, "seconds")?,
            nanos: int_str(j, "nanos")?,
        },
        "decimal" => Value::Decimal {
            unscaled: int_str::<BigInt>(j, "unscaled")?,
            scale: int_str(j, "scale")?,
        },
        "ref" => return Ok(Value::Ref(int_str(j, "target")?)),
        other => match other
            .strip_suffix("_array")
            .and_then(|_| scalar_type_id(other))
        {
            Some(id) => {
                let data = hex::decode(str_field(j, "hex")?).map_err(|e| e.to_string())?;
                let size = tid::array_elem_size(id).unwrap_or(1);
                if data.len() % size != 0 {
                    return err(format!(
                        "{other}: {} bytes is not a whole number of elements",
                        data.len()
                    ));
                }
                Value::Array(DenseArray {
                    type_id: id,
                    data: Bytes::from(data),
                })
            }
            None => return err(format!("unknown typed-JSON type {other:?}")),
        },
    };
    match j.get("ref_id") {
        Some(id) => {
            let id = id
                .as_u64()
                .and_then(|i| u32::try_from(i).ok())
                .ok_or("ref_id must be a small integer")?;
            Ok(Value::Shared(id, Box::new(v)))
        }
        None => Ok(v),
    }
}

fn float_json(ty: &str, bits: u64, width: usize, display: String) -> Json {
    json!({"type": ty, "bits": format!("{bits:0width$x}", width = width), "value": display})
}

fn repr_f64(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else if x == x.trunc() && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// Renders a [`Value`] as typed JSON.
pub fn to_json(v: &Value) -> Json {
    let int = |ty: &str, s: String| json!({"type": ty, "value": s});
    match v {
        Value::Null => json!({"type": "null"}),
        Value::Bool(b) => json!({"type": "bool", "value": b}),
        Value::Int8(x) => int("int8", x.to_string()),
        Value::Int16(x) => int("int16", x.to_string()),
        Value::Int32(x) => int("int32", x.to_string()),
        Value::VarInt32(x) => int("varint32", x.to_string()),
        Value::Int64(x) => int("int64", x.to_string()),
        Value::VarInt64(x) => int("varint64", x.to_string()),
        Value::TaggedInt64(x) => int("tagged_int64", x.to_string()),
        Value::UInt8(x) => int("uint8", x.to_string()),
        Value::UInt16(x) => int("uint16", x.to_string()),
        Value::UInt32(x) => int("uint32", x.to_string()),
        Value::VarUInt32(x) => int("var_uint32", x.to_string()),
        Value::UInt64(x) => int("uint64", x.to_string()),
        Value::VarUInt64(x) => int("var_uint64", x.to_string()),
        Value::TaggedUInt64(x) => int("tagged_uint64", x.to_string()),
        Value::Float16(x) => float_json("float16", x.to_bits() as u64, 4, repr_f64(x.to_f64())),
        Value::BFloat16(x) => float_json("bfloat16", x.to_bits() as u64, 4, repr_f64(x.to_f64())),
        Value::Float32(x) => float_json("float32", x.to_bits() as u64, 8, repr_f64(*x as f64)),
        Value::Float64(x) => float_json("float64", x.to_bits(), 16, repr_f64(*x)),
        Value::String(s) => json!({"type": "string", "value": s}),
        Value::Binary(b) => json!({"type": "binary", "hex": hex::encode(b)}),
        Value::Array(a) => {
            let name = scalar_type_name(a.type_id).unwrap_or("unknown_array");
            json!({"type": name, "len": a.len(), "hex": hex::encode(&a.data)})
        }
        Value::List(items) | Value::Set(items) => {
            let mut m = Map::new();
            m.insert(
                "type".into(),
                json!(if matches!(v, Value::List(_)) {
                    "list"
                } else {
                    "set"
                }),
            );
            if let Some(e) = common_type(items.iter()) {
                m.insert("elem".into(), json!(e));
            }
            m.insert(
                "items".into(),
                Json::Array(items.iter().map(to_json).collect()),
            );
            Json::Object(m)
        }
        Value::Map(entries) => {
            let mut m = Map::new();
            m.insert("type".into(), json!("map"));
            if let Some(k) = common_type(entries.iter().map(|e| &e.0)) {
                m.insert("key".into(), json!(k));
            }
            if let Some(t) = common_type(entries.iter().map(|e| &e.1)) {
                m.insert("value".into(), json!(t));
            }
            m.insert(
                "entries".into(),
                Json::Array(
                    entries
                        .iter()
                        .map(|(k, v)| json!([to_json(k), to_json(v)]))
                        .collect(),
                ),
            );
            Json::Object(m)
        }
        Value::Struct(s) => {
            let mut fields = Map::new();
            for (n, f) in &s.fields {
                fields.insert(n.clone(), to_json(f));
            }
            json!({"type": "struct", "type_name": s.type_name, "fields": fields})
        }
        Value::Enum(e) => {
            json!({"type": "enum", "type_name": e.type_name, "variant": e.variant, "ordinal": e.ordinal, "wire_value": e.wire_value})
        }
        Value::Date(d) => json!({"type": "date", "days": d}),
        Value::Timestamp { seconds, nanos } => {
            json!({"type": "timestamp", "seconds": seconds.to_string(), "nanos": nanos})
        }
        Value::Duration { seconds, nanos } => {
            json!({"type": "duration", "seconds": seconds.to_string(), "nanos": nanos})
        }
        Value::Decimal { unscaled, scale } => {
            json!({"type": "decimal", "unscaled": unscaled.to_string(), "scale": scale})
        }
        Value::Shared(id, inner) => {
            let mut j = to_json(inner);
            if let Json::Object(m) = &mut j {
                m.insert("ref_id".into(), json!(id));
            }
            j
        }
        Value::Ref(id) => json!({"type": "ref", "target": id}),
    }
}

fn type_label(v: &Value) -> Option<String> {
    Some(match v.unshared() {
        Value::Null | Value::Ref(_) => return None,
        Value::Struct(s) => s.type_name.clone(),
        Value::Enum(e) => e.type_name.clone(),
        Value::List(_) => "list".into(),
        Value::Set(_) => "set".into(),
        Value::Map(_) => "map".into(),
        v => scalar_type_name(v.type_id())?.to_string(),
    })
}

fn common_type<'a>(mut it: impl Iterator<Item = &'a Value>) -> Option<String> {
    let first = type_label(it.next()?)?;
    it.all(|v| type_label(v).as_deref() == Some(&first))
        .then_some(first)
}

/// Compares an expected value with a decoded one: floats by bits (any NaN
/// equals any NaN), sets and maps unordered, shared ids matched as a
/// consistent renaming. Returns a path to the first difference.
pub fn compare(expected: &Value, actual: &Value) -> Result<(), String> {
    let mut ids = HashMap::new();
    let (e, a) = (normalize(expected), normalize(actual));
    cmp(&e, &a, "$", &mut ids)
}

/// Drops `Shared` marks that no `Ref` in the same tree points at (labels on
/// unshared nodes carry no meaning).
pub fn normalize(v: &Value) -> Value {
    fn targets(v: &Value, out: &mut std::collections::HashSet<u32>) {
        match v {
            Value::Ref(id) => {
                out.insert(*id);
            }
            Value::Shared(_, inner) => targets(inner, out),
            Value::List(items) | Value::Set(items) => items.iter().for_each(|i| targets(i, out)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                targets(k, out);
                targets(v, out);
            }),
            Value::Struct(s) => s.fields.iter().for_each(|(_, f)| targets(f, out)),
            _ => {}
        }
    }
    fn strip(v: &Value, keep: &std::collections::HashSet<u32>) -> Value {
        match v {
            Value::Shared(id, inner) if keep.contains(id) => {
                Value::Shared(*id, Box::new(strip(inner, keep)))
            }
            Value::Shared(_, inner) => strip(inner, keep),
            Value::List(items) => Value::List(items.iter().map(|i| strip(i, keep)).collect()),
            Value::Set(items) => Value::Set(items.iter().map(|i| strip(i, keep)).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| (strip(k, keep), strip(v, keep)))
                    .collect(),
            ),
            Value::Struct(s) => Value::Struct(Box::new(StructValue {
                type_name: s.type_name.clone(),
                fields: s
                    .fields
                    .iter()
                    .map(|(n, f)| (n.clone(), strip(f, keep)))
                    .collect(),
            })),
            v => v.clone(),
        }
    }
    let mut keep = std::collections::HashSet::new();
    targets(v, &mut keep);
    strip(v, &keep)
}

fn floats_eq(a: u64, b: u64, a_nan: bool, b_nan: bool) -> bool {
    (a_nan && b_nan) || a == b
}

fn cmp(e: &Value, a: &Value, path: &str, ids: &mut HashMap<u32, u32>) -> Result<(), String> {
    use Value::*;
    let mismatch = || Err(format!("{path}: expected {}, found {}", short(e), short(a)));
    match (e, a) {
        (Shared(i, ev), Shared(j, av)) => {
            if let Some(prev) = ids.insert(*i, *j) {
                if prev != *j {
                    return Err(format!("{path}: shared id {i} maps to both {prev} and {j}"));
                }
            }
            cmp(ev, av, path, ids)
        }
        (Ref(i), Ref(j)) => match ids.get(i) {
            Some(m) if m == j => Ok(()),
            _ => Err(format!(
                "{path}: reference to {i} does not point at the same object (found {j})"
            )),
        },
        (Shared(..), _) | (_, Shared(..)) | (Ref(_), _) | (_, Ref(_)) => Err(format!(
            "{path}: sharing differs: expected {}, found {}",
            short(e),
            short(a)
        )),
        (Float64(x), Float64(y)) => {
            if floats_eq(x.to_bits(), y.to_bits(), x.is_nan(), y.is_nan()) {
                Ok(())
            } else {
                mismatch()
            }
        }
        (Float32(x), Float32(y)) => {
            if floats_eq(
                x.to_bits() as u64,
                y.to_bits() as u64,
                x.is_nan(),
                y.is_nan(),
            ) {
                Ok(())
            } else {
                mismatch()
            }
        }
        (Float16(x), Float16(y)) => {
            if floats_eq(
                x.to_bits() as u64,
                y.to_bits() as u64,
                x.is_nan(),
                y.is_nan(),
            ) {
                Ok(())
            } else {
                mismatch()
            }
        }
        (BFloat16(x), BFloat16(y)) => {
            if floats_eq(
                x.to_bits() as u64,
                y.to_bits() as u64,
                x.is_nan(),
                y.is_nan(),
            ) {
                Ok(())
            } else {
                mismatch()
            }
        }
        (List(x), List(y)) => {
            if x.len() != y.len() {
                return Err(format!(
                    "{path}: expected {} items, found {}",
                    x.len(),
                    y.len()
                ));
            }
            for (i, (ev, av)) in x.iter().zip(y).enumerate() {
                cmp(ev, av, &format!("{path}[{i}]"), ids)?;
            }
            Ok(())
        }
        (Set(x), Set(y)) => unordered(x, y, path, ids, cmp),
        (Map(x), Map(y)) => unordered(x, y, path, ids, |e, a, p, ids| {
            cmp(&e.0, &a.0, p, ids)?;
            cmp(&e.1, &a.1, p, ids)
        }),
        (Struct(x), Struct(y)) => {
            if x.type_name != y.type_name {
                return mismatch();
            }
            for (n, ev) in &x.fields {
                let av = y
                    .get(n)
                    .ok_or_else(|| format!("{path}.{n}: missing field"))?;
                cmp(ev, av, &format!("{path}.{n}"), ids)?;
            }
            if let Some((n, _)) = y.fields.iter().find(|(n, _)| x.get(n).is_none()) {
                return Err(format!("{path}.{n}: unexpected field"));
            }
            Ok(())
        }
        (Enum(x), Enum(y)) => {
            if x.type_name == y.type_name && x.variant == y.variant && x.wire_value == y.wire_value
            {
                Ok(())
            } else {
                mismatch()
            }
        }
        (x, y) => {
            if x == y {
                Ok(())
            } else {
                mismatch()
            }
        }
    }
}

fn unordered<T>(
    x: &[T],
    y: &[T],
    path: &str,
    ids: &mut HashMap<u32, u32>,
    f: impl Fn(&T, &T, &str, &mut HashMap<u32, u32>) -> Result<(), String>,
) -> Result<(), String> {
    if x.len() != y.len() {
        return Err(format!(
            "{path}: expected {} entries, found {}",
            x.len(),
            y.len()
        ));
    }
    let mut used = vec![false; y.len()];
    'outer: for (i, ev) in x.iter().enumerate() {
        for (j, av) in y.iter().enumerate() {
            if used[j] {
                continue;
            }
            let mut trial = ids.clone();
            if f(ev, av, path, &mut trial).is_ok() {
                *ids = trial;
                used[j] = true;
                continue 'outer;
            }
        }
        return Err(format!("{path}: entry {i} has no match"));
    }
    Ok(())
}

fn short(v: &Value) -> String {
    let s = to_json(v).to_string();
    if s.len() > 160 {
        format!(
            "{}…",
            &s[..s
                .char_indices()
                .take_while(|(i, _)| *i < 160)
                .last()
                .map_or(0, |(i, _)| i)]
        )
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_json() {
        let j: Json = serde_json::from_str(
            r#"{"type":"list","items":[{"type":"list","items":[{"type":"varint64","value":"-5"}],"ref_id":1},{"type":"ref","target":1},
            {"type":"float32","bits":"7fc00000","value":"nan"},{"type":"decimal","unscaled":"-123456789012345678901","scale":3},
            {"type":"int16_array","len":1,"hex":"0100"}]}"#,
        )
        .unwrap();
        let v = from_json(&j).unwrap();
        let back = from_json(&to_json(&v)).unwrap();
        compare(&v, &back).unwrap();
        assert!(compare(&v, &Value::List(vec![])).is_err());
    }
}
