//! Schemas: descriptions of user structs and enums that let a stream be
//! decoded into a [`Value`](crate::Value) (and encoded back) without Rust types.
//!
//! The JSON form is the `types` table of the conformance manifest:
//!
//! ```json
//! {"example.Point": {"register_by": "name", "namespace": "example", "typename": "Point",
//!   "kind": "struct", "fields": [{"name": "x", "type": "varint32", "nullable": false,
//!   "ref": false, "tag_id": null}]}}
//! ```
//!
//! Field types are written `varint32`, `string`, `list<T>`, `set<T>`,
//! `map<K,V>`, `optional<T>`, `int16_array`, `any`, or the name of another
//! registered type.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::wire::type_id::{self as tid, TypeId};

/// How a user type is registered: by numeric id or by namespace + type name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Registration {
    /// By user type id.
    Id(u32),
    /// By name; `namespace` may be empty.
    Name {
        /// Namespace (the part before the last `.`).
        namespace: String,
        /// Type name.
        typename: String,
    },
}

impl Registration {
    /// Splits `"ns.Type"` at the last dot.
    pub fn by_name(full: &str) -> Registration {
        match full.rfind('.') {
            Some(i) => Registration::Name {
                namespace: full[..i].to_string(),
                typename: full[i + 1..].to_string(),
            },
            None => Registration::Name {
                namespace: String::new(),
                typename: full.to_string(),
            },
        }
    }
}

/// A field or element type.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldType {
    /// What the type is.
    pub expr: TypeExpr,
    /// Whether null is allowed (`optional<T>`).
    pub nullable: bool,
}

/// The shape of a [`FieldType`].
#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    /// An internal non-container type: bool, integers, floats, string, binary,
    /// date, timestamp, duration, decimal, dense arrays, none.
    Scalar(TypeId),
    /// `list<T>`.
    List(Box<FieldType>),
    /// `set<T>`.
    Set(Box<FieldType>),
    /// `map<K,V>`.
    Map(Box<FieldType>, Box<FieldType>),
    /// A registered struct or enum, by its full name.
    Named(String),
    /// Anything: type meta is written with the value.
    Any,
}

impl FieldType {
    /// A non-nullable type.
    pub fn new(expr: TypeExpr) -> Self {
        FieldType {
            expr,
            nullable: false,
        }
    }

    /// Parses the textual form (`list<optional<string>>`, `map<string,varint32>`, ...).
    pub fn parse(s: &str) -> Result<FieldType> {
        let s = s.trim();
        if let Some(inner) = strip_generic(s, "optional") {
            let mut t = FieldType::parse(inner)?;
            t.nullable = true;
            return Ok(t);
        }
        if let Some(inner) = strip_generic(s, "list") {
            return Ok(FieldType::new(TypeExpr::List(Box::new(FieldType::parse(
                inner,
            )?))));
        }
        if let Some(inner) = strip_generic(s, "set") {
            return Ok(FieldType::new(TypeExpr::Set(Box::new(FieldType::parse(
                inner,
            )?))));
        }
        if let Some(inner) = strip_generic(s, "map") {
            let (k, v) = split_top_comma(inner)
                .ok_or_else(|| Error::schema(format!("map type {s:?} needs two arguments")))?;
            return Ok(FieldType::new(TypeExpr::Map(
                Box::new(FieldType::parse(k)?),
                Box::new(FieldType::parse(v)?),
            )));
        }
        if s == "any" || s == "object" {
            return Ok(FieldType::new(TypeExpr::Any));
        }
        if let Some(id) = scalar_type_id(s) {
            return Ok(FieldType::new(TypeExpr::Scalar(id)));
        }
        if s.is_empty() || s.contains(['<', '>', ',']) {
            return Err(Error::schema(format!("cannot parse field type {s:?}")));
        }
        Ok(FieldType::new(TypeExpr::Named(s.to_string())))
    }
}

fn strip_generic<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(name)?.trim_start();
    let inner = rest.strip_prefix('<')?.strip_suffix('>')?;
    Some(inner)
}

fn split_top_comma(s: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => return Some((&s[..i], &s[i + 1..])),
            _ => {}
        }
    }
    None
}

/// The type id of a scalar type name as used in schemas and typed JSON
/// (`"varint32"`, `"string"`, `"float16_array"`, ...).
pub fn scalar_type_id(name: &str) -> Option<TypeId> {
    Some(match name {
        "bool" => tid::BOOL,
        "int8" => tid::INT8,
        "int16" => tid::INT16,
        "int32" => tid::INT32,
        "varint32" => tid::VARINT32,
        "int64" => tid::INT64,
        "varint64" => tid::VARINT64,
        "tagged_int64" => tid::TAGGED_INT64,
        "uint8" => tid::UINT8,
        "uint16" => tid::UINT16,
        "uint32" => tid::UINT32,
        "var_uint32" => tid::VAR_UINT32,
        "uint64" => tid::UINT64,
        "var_uint64" => tid::VAR_UINT64,
        "tagged_uint64" => tid::TAGGED_UINT64,
        "float16" => tid::FLOAT16,
        "bfloat16" => tid::BFLOAT16,
        "float32" => tid::FLOAT32,
        "float64" => tid::FLOAT64,
        "string" => tid::STRING,
        "binary" | "bytes" => tid::BINARY,
        "date" => tid::DATE,
        "timestamp" => tid::TIMESTAMP,
        "duration" => tid::DURATION,
        "decimal" => tid::DECIMAL,
        "none" => tid::NONE,
        "bool_array" => tid::BOOL_ARRAY,
        "int8_array" => tid::INT8_ARRAY,
        "int16_array" => tid::INT16_ARRAY,
        "int32_array" => tid::INT32_ARRAY,
        "int64_array" => tid::INT64_ARRAY,
        "uint8_array" => tid::UINT8_ARRAY,
        "uint16_array" => tid::UINT16_ARRAY,
        "uint32_array" => tid::UINT32_ARRAY,
        "uint64_array" => tid::UINT64_ARRAY,
        "float16_array" => tid::FLOAT16_ARRAY,
        "bfloat16_array" => tid::BFLOAT16_ARRAY,
        "float32_array" => tid::FLOAT32_ARRAY,
        "float64_array" => tid::FLOAT64_ARRAY,
        _ => return None,
    })
}

/// The schema / typed-JSON name of a scalar type id (inverse of [`scalar_type_id`]).
pub fn scalar_type_name(id: TypeId) -> Option<&'static str> {
    Some(match id {
        tid::BOOL => "bool",
        tid::INT8 => "int8",
        tid::INT16 => "int16",
        tid::INT32 => "int32",
        tid::VARINT32 => "varint32",
        tid::INT64 => "int64",
        tid::VARINT64 => "varint64",
        tid::TAGGED_INT64 => "tagged_int64",
        tid::UINT8 => "uint8",
        tid::UINT16 => "uint16",
        tid::UINT32 => "uint32",
        tid::VAR_UINT32 => "var_uint32",
        tid::UINT64 => "uint64",
        tid::VAR_UINT64 => "var_uint64",
        tid::TAGGED_UINT64 => "tagged_uint64",
        tid::FLOAT16 => "float16",
        tid::BFLOAT16 => "bfloat16",
        tid::FLOAT32 => "float32",
        tid::FLOAT64 => "float64",
        tid::STRING => "string",
        tid::BINARY => "binary",
        tid::DATE => "date",
        tid::TIMESTAMP => "timestamp",
        tid::DURATION => "duration",
        tid::DECIMAL => "decimal",
        tid::NONE => "none",
        tid::BOOL_ARRAY => "bool_array",
        tid::INT8_ARRAY => "int8_array",
        tid::INT16_ARRAY => "int16_array",
        tid::INT32_ARRAY => "int32_array",
        tid::INT64_ARRAY => "int64_array",
        tid::UINT8_ARRAY => "uint8_array",
        tid::UINT16_ARRAY => "uint16_array",
        tid::UINT32_ARRAY => "uint32_array",
        tid::UINT64_ARRAY => "uint64_array",
        tid::FLOAT16_ARRAY => "float16_array",
        tid::BFLOAT16_ARRAY => "bfloat16_array",
        tid::FLOAT32_ARRAY => "float32_array",
        tid::FLOAT64_ARRAY => "float64_array",
        _ => return None,
    })
}

/// One field of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// Field name as declared.
    pub name: String,
    /// Its type (`nullable` set for optional fields).
    pub ty: FieldType,
    /// Reference tracking annotation (`ref=True` / `#[fory(ref)]`).
    pub track_ref: bool,
    /// Tag id, when the field is identified by number instead of name.
    pub tag_id: Option<u32>,
}

/// A struct description.
#[derive(Debug, Clone, PartialEq)]
pub struct StructDecl {
    /// Full name (the key of the types table).
    pub name: String,
    /// How it is registered.
    pub registration: Registration,
    /// Fields in declaration order.
    pub fields: Vec<FieldDecl>,
}

/// One enum variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Variant name.
    pub name: String,
    /// Position in declaration order.
    pub ordinal: u32,
    /// The number written on the wire.
    pub wire_value: u32,
}

/// An enum description.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    /// Full name.
    pub name: String,
    /// How it is registered.
    pub registration: Registration,
    /// Variants in ordinal order.
    pub variants: Vec<Variant>,
}

impl EnumDecl {
    /// The variant written as `wire`, or an `Invalid` error at stream
    /// offset `pos` naming the enum and the value.
    pub fn variant_for_wire(&self, wire: u32, pos: usize) -> crate::error::Result<&Variant> {
        self.variants
            .iter()
            .find(|v| v.wire_value == wire)
            .ok_or_else(|| {
                crate::error::Error::invalid(
                    pos,
                    format!("{} has no variant with value {wire}", self.name),
                )
            })
    }
}

/// An extension type: a plugin-provided serializer (n-dimensional arrays,
/// pickle buffers) with an opaque body.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtDecl {
    /// Full name.
    pub name: String,
    /// How it is registered.
    pub registration: Registration,
}

/// A user type description.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDecl {
    /// A struct.
    Struct(StructDecl),
    /// An enum.
    Enum(EnumDecl),
    /// An extension type.
    Ext(ExtDecl),
}

impl TypeDecl {
    /// Full name.
    pub fn name(&self) -> &str {
        match self {
            TypeDecl::Struct(s) => &s.name,
            TypeDecl::Enum(e) => &e.name,
            TypeDecl::Ext(x) => &x.name,
        }
    }

    /// Registration.
    pub fn registration(&self) -> &Registration {
        match self {
            TypeDecl::Struct(s) => &s.registration,
            TypeDecl::Enum(e) => &e.registration,
            TypeDecl::Ext(x) => &x.registration,
        }
    }
}

/// A set of user type descriptions, indexed by name, id and namespace/type name.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    types: Vec<Arc<TypeDecl>>,
    by_name: HashMap<String, usize>,
    by_id: HashMap<u32, usize>,
    by_ns_tn: HashMap<(String, String), usize>,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a type. Duplicate names, ids or namespace/type names are an error.
    pub fn add(&mut self, decl: TypeDecl) -> Result<()> {
        let idx = self.types.len();
        let name = decl.name().to_string();
        if self.by_name.contains_key(&name) {
            return Err(Error::schema(format!("type {name:?} is declared twice")));
        }
        match decl.registration() {
            Registration::Id(id) => {
                if let Some(&other) = self.by_id.get(id) {
                    return Err(Error::schema(format!(
                        "types {:?} and {name:?} both use id {id}",
                        self.types[other].name()
                    )));
                }
                self.by_id.insert(*id, idx);
            }
            Registration::Name {
                namespace,
                typename,
            } => {
                let key = (namespace.clone(), typename.clone());
                if let Some(&other) = self.by_ns_tn.get(&key) {
                    return Err(Error::schema(format!(
                        "types {:?} and {name:?} are both registered as {namespace}.{typename}",
                        self.types[other].name()
                    )));
                }
                self.by_ns_tn.insert(key, idx);
            }
        }
        self.by_name.insert(name, idx);
        self.types.push(Arc::new(decl));
        Ok(())
    }

    /// Checks that every named field type refers to a declared type.
    pub fn validate(&self) -> Result<()> {
        fn check(schema: &Schema, owner: &str, t: &FieldType) -> Result<()> {
            match &t.expr {
                TypeExpr::Named(n) if !schema.by_name.contains_key(n) => Err(Error::schema(
                    format!("{owner} refers to undeclared type {n:?}"),
                )),
                TypeExpr::List(e) | TypeExpr::Set(e) => check(schema, owner, e),
                TypeExpr::Map(k, v) => {
                    check(schema, owner, k)?;
                    check(schema, owner, v)
                }
                _ => Ok(()),
            }
        }
        for t in &self.types {
            if let TypeDecl::Struct(s) = &**t {
                let mut seen = std::collections::HashSet::new();
                for f in &s.fields {
                    if !seen.insert(f.name.as_str()) {
                        return Err(Error::schema(format!(
                            "{}: field {:?} declared twice",
                            s.name, f.name
                        )));
                    }
                    check(self, &format!("{}.{}", s.name, f.name), &f.ty)?;
                }
            }
        }
        Ok(())
    }

    /// Looks a type up by full name.
    pub fn get(&self, name: &str) -> Option<&Arc<TypeDecl>> {
        self.by_name.get(name).map(|&i| &self.types[i])
    }

    /// Looks a type up by user id.
    pub fn by_id(&self, id: u32) -> Option<&Arc<TypeDecl>> {
        self.by_id.get(&id).map(|&i| &self.types[i])
    }

    /// Looks a type up by namespace and type name.
    pub fn by_ns_typename(&self, namespace: &str, typename: &str) -> Option<&Arc<TypeDecl>> {
        self.by_ns_tn
            .get(&(namespace.to_string(), typename.to_string()))
            .map(|&i| &self.types[i])
    }

    /// Every declared type.
    pub fn types(&self) -> impl Iterator<Item = &Arc<TypeDecl>> {
        self.types.iter()
    }

    /// Parses the manifest's `types` table. Keys of the form `T@variant` are
    /// skipped unless `variant` is given, in which case they replace `T`.
    #[cfg(feature = "json")]
    pub fn from_json(types: &serde_json::Value, variant: Option<&str>) -> Result<Schema> {
        let obj = types
            .as_object()
            .ok_or_else(|| Error::schema("the types table must be a JSON object"))?;
        let mut chosen: Vec<(&str, &serde_json::Value)> = Vec::new();
        for (key, v) in obj {
            if key.contains('@') {
                continue;
            }
            let over = variant.and_then(|var| obj.get(&format!("{key}@{var}")));
            chosen.push((key, over.unwrap_or(v)));
        }
        let mut schema = Schema::new();
        for (key, v) in chosen {
            schema.add(decl_from_json(key, v)?)?;
        }
        schema.validate()?;
        Ok(schema)
    }
}

#[cfg(feature = "json")]
fn decl_from_json(key: &str, v: &serde_json::Value) -> Result<TypeDecl> {
    let err = |m: &str| Error::schema(format!("type {key:?}: {m}"));
    let s = |name: &str| v.get(name).and_then(|x| x.as_str());
    let registration = match s("register_by") {
        Some("id") => {
            let id = v
                .get("type_id")
                .and_then(|x| x.as_u64())
                .filter(|&x| x < u32::MAX as u64)
                .ok_or_else(|| err("register_by id needs a type_id"))?;
            Registration::Id(id as u32)
        }
        Some("name") | None => match (s("namespace"), s("typename")) {
            (Some(ns), Some(tn)) => Registration::Name {
                namespace: ns.to_string(),
                typename: tn.to_string(),
            },
            _ => Registration::by_name(key),
        },
        Some(other) => return Err(err(&format!("unknown register_by {other:?}"))),
    };
    match s("kind").unwrap_or("struct") {
        "struct" => {
            let mut fields = Vec::new();
            for f in v
                .get("fields")
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
            {
                let name = f
                    .get("name")
                    .and_then(|x| x.as_str())
                    .ok_or_else(|| err("field without a name"))?;
                let ty_s = f
                    .get("type")
                    .and_then(|x| x.as_str())
                    .ok_or_else(|| err("field without a type"))?;
                let mut ty = FieldType::parse(ty_s)?;
                if f.get("nullable").and_then(|x| x.as_bool()).unwrap_or(false) {
                    ty.nullable = true;
                }
                let tag_id = match f.get("tag_id") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(t) => Some(
                        t.as_u64()
                            .filter(|&t| t < (1 << 29))
                            .ok_or_else(|| err("tag_id must be a small non-negative integer"))?
                            as u32,
                    ),
                };
                fields.push(FieldDecl {
                    name: name.to_string(),
                    ty,
                    track_ref: f.get("ref").and_then(|x| x.as_bool()).unwrap_or(false),
                    tag_id,
                });
            }
            Ok(TypeDecl::Struct(StructDecl {
                name: key.to_string(),
                registration,
                fields,
            }))
        }
        "enum" => {
            let mut variants = Vec::new();
            for (i, var) in v
                .get("variants")
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
                .enumerate()
            {
                let name = var
                    .get("name")
                    .and_then(|x| x.as_str())
                    .ok_or_else(|| err("variant without a name"))?;
                let ordinal = var
                    .get("ordinal")
                    .and_then(|x| x.as_u64())
                    .unwrap_or(i as u64) as u32;
                let wire_value = var
                    .get("wire_value")
                    .and_then(|x| x.as_u64())
                    .unwrap_or(ordinal as u64) as u32;
                variants.push(Variant {
                    name: name.to_string(),
                    ordinal,
                    wire_value,
                });
            }
            Ok(TypeDecl::Enum(EnumDecl {
                name: key.to_string(),
                registration,
                variants,
            }))
        }
        other => Err(err(&format!("unknown kind {other:?}"))),
    }
}

/// Snake-case conversion used for field identifiers (ordering, matching).
pub fn to_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            out.push(c);
            prev = Some(c);
            continue;
        }
        if c.is_uppercase() {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_lower_digit = prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            let prev_upper = prev.is_some_and(|p| p.is_uppercase());
            if !out.is_empty()
                && !out.ends_with('_')
                && (prev_lower_digit || (prev_upper && next_lower))
            {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_types() {
        let t = FieldType::parse("map<string,list<optional<varint32>>>").unwrap();
        match t.expr {
            TypeExpr::Map(k, v) => {
                assert_eq!(k.expr, TypeExpr::Scalar(tid::STRING));
                match v.expr {
                    TypeExpr::List(e) => {
                        assert!(e.nullable);
                        assert_eq!(e.expr, TypeExpr::Scalar(tid::VARINT32));
                    }
                    _ => panic!(),
                }
            }
            _ => panic!(),
        }
        assert!(
            FieldType::parse("optional<example.Point>")
                .unwrap()
                .nullable
        );
        assert_eq!(FieldType::parse("any").unwrap().expr, TypeExpr::Any);
        assert!(FieldType::parse("map<string>").is_err());
        assert!(FieldType::parse("list<").is_err());
    }

    #[test]
    fn snake_case() {
        assert_eq!(to_snake_case("userName"), "user_name");
        assert_eq!(to_snake_case("HTTPServer"), "http_server");
        assert_eq!(to_snake_case("aVeryLong"), "a_very_long");
        assert_eq!(to_snake_case("x_"), "x");
        assert_eq!(to_snake_case("i8s"), "i8s");
    }

    #[test]
    fn duplicate_ids_rejected() {
        let mut s = Schema::new();
        let mk = |n: &str| {
            TypeDecl::Struct(StructDecl {
                name: n.into(),
                registration: Registration::Id(7),
                fields: vec![],
            })
        };
        s.add(mk("a.A")).unwrap();
        let e = s.add(mk("a.B")).unwrap_err().to_string();
        assert!(e.contains("a.A") && e.contains("a.B"), "{e}");
    }
}
