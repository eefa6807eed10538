//! Struct layouts: field order on the wire, the schema hash of
//! schema-consistent mode, and the TypeDef of compatible mode.

use std::sync::Arc;

use crate::error::Result;
use crate::schema::{FieldType, Registration, Schema, StructDecl, TypeDecl, TypeExpr};
use crate::wire::meta_string::murmur_h1;
use crate::wire::type_id::{self as tid};
use crate::wire::typedef::{FieldId, TypeDef, TypeDefField, TypeDefKind, WireType};

/// How one struct is laid out under a given configuration.
#[derive(Debug, Clone)]
pub struct StructLayout {
    /// The declaration.
    pub decl: Arc<StructDecl>,
    /// Indices into `decl.fields`, in wire order.
    pub order: Vec<usize>,
    /// Runtime reference tracking per field (annotation AND global ref mode), by declaration index.
    pub runtime_ref: Vec<bool>,
    /// Schema hash (schema-consistent mode).
    pub hash: i32,
    /// The TypeDef (compatible mode) and its encoding.
    pub typedef: Option<(TypeDef, Vec<u8>)>,
}

/// Sort key of a field identifier: tagged fields first by tag, then by snake_case name.
fn ident_key(f: &crate::schema::FieldDecl) -> (u8, u32, String, String) {
    match f.tag_id {
        Some(t) => (0, t, String::new(), String::new()),
        None => (1, 0, crate::schema::to_snake_case(&f.name), f.name.clone()),
    }
}

/// True when `t` is a primitive (bool, integer or float) scalar.
pub fn is_primitive(t: &FieldType) -> bool {
    matches!(t.expr, TypeExpr::Scalar(id) if tid::is_primitive(id))
}

/// Field order used by every reference implementation: non-nullable
/// primitives, nullable primitives (both by fixed-before-compressed, size
/// descending, type id, identifier), then everything else by identifier.
pub fn field_order(decl: &StructDecl) -> Vec<usize> {
    let mut prims = Vec::new();
    let mut nullable_prims = Vec::new();
    let mut others = Vec::new();
    for (i, f) in decl.fields.iter().enumerate() {
        if is_primitive(&f.ty) {
            if f.ty.nullable {
                nullable_prims.push(i);
            } else {
                prims.push(i);
            }
        } else {
            others.push(i);
        }
    }
    let prim_key = |i: &usize| {
        let f = &decl.fields[*i];
        let id = match f.ty.expr {
            TypeExpr::Scalar(id) => id,
            _ => 0,
        };
        (
            tid::is_compressed_int(id),
            std::cmp::Reverse(tid::primitive_size(id)),
            id,
            ident_key(f),
        )
    };
    prims.sort_by_key(prim_key);
    nullable_prims.sort_by_key(prim_key);
    others.sort_by_key(|i| ident_key(&decl.fields[*i]));
    prims
        .into_iter()
        .chain(nullable_prims)
        .chain(others)
        .collect()
}

fn fingerprint_type(t: &FieldType, track_ref: bool, nullable: bool, out: &mut String) {
    let r = track_ref as u8;
    let n = nullable as u8;
    match &t.expr {
        TypeExpr::Scalar(id) => out.push_str(&format!("{id},{r},{n}")),
        TypeExpr::List(e) | TypeExpr::Set(e) => {
            let id = if matches!(t.expr, TypeExpr::List(_)) {
                tid::LIST
            } else {
                tid::SET
            };
            out.push_str(&format!("{id},{r},{n}["));
            fingerprint_type(e, false, false, out);
            out.push(']');
        }
        TypeExpr::Map(k, v) => {
            out.push_str(&format!("{},{r},{n}[", tid::MAP));
            fingerprint_type(k, false, false, out);
            out.push('|');
            fingerprint_type(v, false, false, out);
            out.push(']');
        }
        TypeExpr::Named(_) | TypeExpr::Any => out.push_str(&format!("0,{r},{n}")),
    }
}

/// The schema fingerprint string (`"x,5,0,0;y,5,0,0;"`).
pub fn fingerprint(decl: &StructDecl) -> String {
    let mut idx: Vec<usize> = (0..decl.fields.len()).collect();
    idx.sort_by_key(|i| ident_key(&decl.fields[*i]));
    let mut s = String::new();
    for i in idx {
        let f = &decl.fields[i];
        match f.tag_id {
            Some(t) => s.push_str(&t.to_string()),
            None => s.push_str(&crate::schema::to_snake_case(&f.name)),
        }
        s.push(',');
        fingerprint_type(&f.ty, f.track_ref, f.ty.nullable, &mut s);
        s.push(';');
    }
    s
}

/// The 32-bit schema hash of schema-consistent mode.
pub fn schema_hash(decl: &StructDecl) -> i32 {
    let fp = fingerprint(decl);
    if fp.is_empty() {
        return 47;
    }
    murmur_h1(fp.as_bytes()) as u32 as i32
}

/// The TypeDef wire type of a schema type.
pub fn wire_type(schema: &Schema, t: &FieldType, nullable: bool, track_ref: bool) -> WireType {
    let (type_id, children) = match &t.expr {
        TypeExpr::Scalar(id) => (*id as u32, vec![]),
        TypeExpr::List(e) => (
            tid::LIST as u32,
            vec![wire_type(schema, e, e.nullable, track_ref)],
        ),
        TypeExpr::Set(e) => (
            tid::SET as u32,
            vec![wire_type(schema, e, e.nullable, track_ref)],
        ),
        TypeExpr::Map(k, v) => (
            tid::MAP as u32,
            vec![
                wire_type(schema, k, k.nullable, track_ref),
                wire_type(schema, v, v.nullable, track_ref),
            ],
        ),
        TypeExpr::Named(n) => match schema.get(n).map(|d| &**d) {
            Some(TypeDecl::Enum(_)) => (tid::ENUM as u32, vec![]),
            Some(TypeDecl::Ext(_)) => (tid::UNKNOWN as u32, vec![]),
            Some(TypeDecl::Struct(s)) => match s.registration {
                Registration::Id(_) => (tid::COMPATIBLE_STRUCT as u32, vec![]),
                Registration::Name { .. } => (tid::NAMED_COMPATIBLE_STRUCT as u32, vec![]),
            },
            None => (tid::UNKNOWN as u32, vec![]),
        },
        TypeExpr::Any => (tid::UNKNOWN as u32, vec![]),
    };
    WireType {
        type_id,
        nullable,
        track_ref,
        children,
    }
}

impl StructLayout {
    /// Computes the layout of `decl` for the given modes.
    pub fn new(
        schema: &Schema,
        decl: Arc<StructDecl>,
        ref_tracking: bool,
        compatible: bool,
    ) -> Result<StructLayout> {
        let order = field_order(&decl);
        let runtime_ref: Vec<bool> = decl
            .fields
            .iter()
            .map(|f| f.track_ref && ref_tracking)
            .collect();
        let hash = schema_hash(&decl);
        let typedef = if compatible {
            let fields = order
                .iter()
                .map(|&i| {
                    let f = &decl.fields[i];
                    TypeDefField {
                        id: match f.tag_id {
                            Some(t) => FieldId::Tag(t),
                            None => FieldId::Name(f.name.clone()),
                        },
                        ty: wire_type(schema, &f.ty, f.ty.nullable, runtime_ref[i]),
                    }
                })
                .collect();
            let td = TypeDef {
                kind: TypeDefKind::Struct { compatible: true },
                registration: decl.registration.clone(),
                fields,
            };
            let bytes = td.encode()?;
            Some((td, bytes))
        } else {
            None
        };
        Ok(StructLayout {
            decl,
            order,
            runtime_ref,
            hash,
            typedef,
        })
    }
}

/// The type a compatible field is read with: the remote wire type `wt`
/// decides the bytes; the local declaration `local` (when it agrees) names
/// enums and elements. Total over any TypeDef: a missing child reads as
/// `any`, an out-of-range type id as unknown.
pub fn plan_from_wire(schema: &Schema, wt: &WireType, local: Option<&FieldType>) -> FieldType {
    let local_expr = local.map(|l| &l.expr);
    let child = |i: usize, l: Option<&FieldType>| {
        wt.children
            .get(i)
            .map(|c| plan_from_wire(schema, c, l))
            .unwrap_or_else(|| FieldType::new(TypeExpr::Any))
    };
    let expr = match u8::try_from(wt.type_id).unwrap_or(tid::UNKNOWN) {
        id @ (tid::LIST | tid::SET) => {
            let le = match local_expr {
                Some(TypeExpr::List(e)) | Some(TypeExpr::Set(e)) => Some(&**e),
                _ => None,
            };
            let e = Box::new(child(0, le));
            if id == tid::LIST {
                TypeExpr::List(e)
            } else {
                TypeExpr::Set(e)
            }
        }
        tid::MAP => {
            let (lk, lv) = match local_expr {
                Some(TypeExpr::Map(k, v)) => (Some(&**k), Some(&**v)),
                _ => (None, None),
            };
            TypeExpr::Map(Box::new(child(0, lk)), Box::new(child(1, lv)))
        }
        tid::ENUM | tid::NAMED_ENUM => match local_expr {
            Some(TypeExpr::Named(n))
                if matches!(schema.get(n).map(|d| &**d), Some(TypeDecl::Enum(_))) =>
            {
                TypeExpr::Named(n.clone())
            }
            _ => TypeExpr::Named(String::new()),
        },
        id if tid::is_user_kind(id) || id == tid::UNKNOWN => TypeExpr::Any,
        id => TypeExpr::Scalar(id),
    };
    FieldType {
        expr,
        nullable: wt.nullable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::FieldDecl;

    fn field(name: &str, ty: &str) -> FieldDecl {
        FieldDecl {
            name: name.into(),
            ty: FieldType::parse(ty).unwrap(),
            track_ref: false,
            tag_id: None,
        }
    }

    #[test]
    fn person_fingerprint_and_hash() {
        let decl = StructDecl {
            name: "Person".into(),
            registration: Registration::Id(102),
            fields: vec![
                field("name", "string"),
                field("age", "varint32"),
                field("tags", "list<string>"),
                field("scores", "map<string,float64>"),
                field("nick", "optional<string>"),
            ],
        };
        assert_eq!(
            fingerprint(&decl),
            "age,5,0,0;name,21,0,0;nick,21,0,1;scores,24,0,0[21,0,0|20,0,0];tags,22,0,0[21,0,0];"
        );
        assert_eq!(schema_hash(&decl).to_le_bytes(), [0xb9, 0x27, 0x2d, 0x46]);
        let names: Vec<_> = field_order(&decl)
            .iter()
            .map(|&i| decl.fields[i].name.clone())
            .collect();
        assert_eq!(names, ["age", "name", "nick", "scores", "tags"]);
    }

    #[test]
    fn empty_struct_hash_is_seed() {
        let decl = StructDecl {
            name: "E".into(),
            registration: Registration::Id(1),
            fields: vec![],
        };
        assert_eq!(schema_hash(&decl), 47);
    }
}

/// How one struct field is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldPlan {
    /// A bool/int/float written raw (with a null flag when nullable).
    pub primitive: bool,
    /// A null flag precedes the value.
    pub nullable: bool,
    /// A ref flag precedes the value (annotation AND global tracking).
    pub runtime_ref: bool,
    /// Type meta precedes the body (`any`, struct fields in compatible mode,
    /// name-registered struct fields in both modes).
    pub dynamic: bool,
    /// The top-level wire type id the schema declares (`INT32` for a fixed
    /// `i32`, `LIST` for a numeric `Vec` written as a list, ...).
    pub wire_id: tid::TypeId,
}

/// The plan of field `f` under `cfg`.
pub fn field_plan(
    schema: &Schema,
    cfg: crate::Config,
    f: &crate::schema::FieldDecl,
    runtime_ref: bool,
) -> FieldPlan {
    let dynamic = match &f.ty.expr {
        TypeExpr::Any => true,
        TypeExpr::Named(n) => match schema.get(n).map(|d| &**d) {
            Some(TypeDecl::Struct(s)) => {
                cfg.compatible || matches!(s.registration, Registration::Name { .. })
            }
            _ => false,
        },
        _ => false,
    };
    let wire_id = match &f.ty.expr {
        TypeExpr::Scalar(id) => *id,
        TypeExpr::List(_) => tid::LIST,
        TypeExpr::Set(_) => tid::SET,
        TypeExpr::Map(..) => tid::MAP,
        TypeExpr::Named(n) => match schema.get(n).map(|d| &**d) {
            Some(TypeDecl::Enum(_)) => tid::ENUM,
            _ => tid::STRUCT,
        },
        TypeExpr::Any => tid::UNKNOWN,
    };
    FieldPlan {
        primitive: is_primitive(&f.ty),
        nullable: f.ty.nullable,
        runtime_ref,
        dynamic,
        wire_id,
    }
}

/// The plan of a remote field described by a TypeDef wire type (compatible reads).
pub fn wire_plan(t: &WireType) -> FieldPlan {
    let id = t.type_id as u8;
    FieldPlan {
        primitive: tid::is_primitive(id),
        nullable: t.nullable,
        runtime_ref: t.track_ref,
        dynamic: id == tid::UNKNOWN || tid::is_struct(id) || id == tid::EXT || id == tid::NAMED_EXT,
        wire_id: id,
    }
}
