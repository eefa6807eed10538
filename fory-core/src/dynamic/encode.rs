//! Encoding a [`Value`] with a [`Schema`].
//!
//! The writer follows pyfory 1.7.7's choices wherever the format leaves
//! freedom, so that pyfory reads what we write (see `crate::compat`).

use std::collections::HashMap;
use std::sync::Arc;

use super::layout::{is_primitive, StructLayout};
use super::Config;
use crate::error::{Error, Result};
use crate::oob::{BufferObject, Placement};
use crate::schema::{EnumDecl, FieldType, Registration, Schema, StructDecl, TypeDecl, TypeExpr};
use crate::value::{EnumValue, StructValue, Value};
use crate::wire::meta_string::{self, Context};
use crate::wire::type_id::{self as tid, TypeId};
use crate::wire::{list_header as lh, map_header as mh, ref_flag, Writer};

/// Identity of a value's type for "same type" detection in collections.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum TypeKey {
    Internal(TypeId),
    User(String),
}

/// Per-call encoder state.
pub struct Encoder<'s, 'v, 'cb> {
    pub(crate) out: Vec<u8>,
    schema: &'s Schema,
    cfg: Config,
    layouts: HashMap<String, Arc<StructLayout>>,
    meta_share: crate::registry::MetaShareTable,
    meta_strings: meta_string::InlineWriteTable,
    next_ref: u32,
    shared_ids: HashMap<u32, u32>,
    shared_values: HashMap<u32, &'v Value>,
    callback: Option<&'cb mut dyn FnMut(BufferObject<'v>) -> Placement>,
    /// A callback exists but cannot see these buffers: write them in-band, flagged.
    forced_inband: bool,
    depth: usize,
}

/// The state a typed [`WriteContext`](crate::serializer::WriteContext) lends
/// the dynamic encoder to write a `Value` in the middle of a typed value.
pub(crate) struct Lent {
    pub out: Vec<u8>,
    pub meta_share: crate::registry::MetaShareTable,
    pub meta_strings: meta_string::InlineWriteTable,
    pub next_ref: u32,
    pub forced_inband: bool,
    pub depth: usize,
}

impl<'s, 'v, 'cb> Encoder<'s, 'v, 'cb> {
    /// A new encoder appending to `out`.
    pub fn new(
        out: Vec<u8>,
        schema: &'s Schema,
        cfg: Config,
        callback: Option<&'cb mut dyn FnMut(BufferObject<'v>) -> Placement>,
    ) -> Self {
        Encoder {
            out,
            schema,
            cfg,
            layouts: HashMap::new(),
            meta_share: Default::default(),
            meta_strings: Default::default(),
            next_ref: 0,
            shared_ids: HashMap::new(),
            shared_values: HashMap::new(),
            callback,
            forced_inband: false,
            depth: 0,
        }
    }

    /// An encoder continuing a typed write (state lent by the typed context).
    pub(crate) fn lent(
        l: Lent,
        schema: &'s Schema,
        cfg: Config,
        callback: Option<&'cb mut dyn FnMut(BufferObject<'v>) -> Placement>,
    ) -> Self {
        let mut e = Encoder::new(l.out, schema, cfg, callback);
        e.meta_share = l.meta_share;
        e.meta_strings = l.meta_strings;
        e.next_ref = l.next_ref;
        e.forced_inband = l.forced_inband;
        e.depth = l.depth;
        e
    }

    /// Gives the lent state back.
    pub(crate) fn give_back(self) -> Lent {
        Lent {
            out: self.out,
            meta_share: self.meta_share,
            meta_strings: self.meta_strings,
            next_ref: self.next_ref,
            forced_inband: self.forced_inband,
            depth: self.depth,
        }
    }

    /// Writes `v` at a dynamic position: optional flag, type meta, body.
    /// `flag`: 0 none (null becomes type NONE), 1 null flag only, 2 ref flag per the config.
    pub(crate) fn lent_write(&mut self, v: &'v Value, flag: u8) -> Result<()> {
        self.collect_shared(v);
        match flag {
            0 => self.write_meta_and_body(v, true),
            1 => {
                if v.is_null() {
                    self.w().u8(ref_flag::NULL);
                    return Ok(());
                }
                self.w().u8(ref_flag::NOT_NULL);
                self.write_meta_and_body(v.unshared(), true)
            }
            _ => self.write_flagged(v, self.cfg.ref_tracking, true, None, false),
        }
    }

    /// Writes only the type meta of `v` (a map chunk's shared meta).
    pub(crate) fn lent_write_type_meta(&mut self, v: &'v Value) -> Result<()> {
        self.collect_shared(v);
        self.write_type_meta(v)
    }

    /// Writes only the body of `v`.
    pub(crate) fn lent_write_body(&mut self, v: &'v Value) -> Result<()> {
        self.collect_shared(v);
        self.write_body(v, None)
    }

    fn w(&mut self) -> Writer<'_> {
        Writer::new(&mut self.out)
    }

    /// Writes the header and the root value.
    pub fn write_root(&mut self, v: &'v Value) -> Result<()> {
        self.collect_shared(v);
        let mut h = crate::wire::header::XLANG;
        if self.callback.is_some() {
            h |= crate::wire::header::OUT_OF_BAND;
        }
        self.w().u8(h);
        if v.is_null() {
            self.w().u8(ref_flag::NULL);
            return Ok(());
        }
        // pyfory writes REF_VALUE at the root for every value when tracking.
        self.write_flagged(v, self.cfg.ref_tracking, true, None, true)
    }

    fn collect_shared(&mut self, v: &'v Value) {
        match v {
            Value::Shared(id, inner) => {
                self.shared_values.insert(*id, inner);
                self.collect_shared(inner);
            }
            Value::List(items) | Value::Set(items) => {
                items.iter().for_each(|i| self.collect_shared(i))
            }
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                self.collect_shared(k);
                self.collect_shared(v);
            }),
            Value::Struct(s) => s.fields.iter().for_each(|(_, f)| self.collect_shared(f)),
            _ => {}
        }
    }

    fn type_key(&self, v: &Value) -> Option<TypeKey> {
        match v {
            Value::Null => None,
            Value::Shared(_, inner) => self.type_key(inner),
            Value::Ref(id) => match self.shared_values.get(id) {
                Some(target) if !matches!(target, Value::Ref(_)) => self.type_key(target),
                _ => None,
            },
            Value::Struct(s) => Some(TypeKey::User(s.type_name.clone())),
            Value::Enum(e) => Some(TypeKey::User(e.type_name.clone())),
            v => Some(TypeKey::Internal(v.type_id())),
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.cfg.limits.max_depth {
            return Err(Error::DepthLimit {
                limit: self.cfg.limits.max_depth,
                offset: self.out.len(),
            });
        }
        Ok(())
    }

    fn layout(&mut self, decl: &Arc<StructDecl>) -> Result<Arc<StructLayout>> {
        if let Some(l) = self.layouts.get(&decl.name) {
            return Ok(l.clone());
        }
        let l = Arc::new(StructLayout::new(
            self.schema,
            decl.clone(),
            self.cfg.ref_tracking,
            self.cfg.compatible,
        )?);
        self.layouts.insert(decl.name.clone(), l.clone());
        Ok(l)
    }

    fn struct_decl(&self, name: &str) -> Result<Arc<StructDecl>> {
        match self.schema.get(name).map(|d| &**d) {
            Some(TypeDecl::Struct(s)) => Ok(Arc::new(s.clone())),
            Some(TypeDecl::Enum(_) | TypeDecl::Ext(_)) => {
                Err(Error::encode(format!("{name} is not a struct")))
            }
            None => Err(Error::encode(format!(
                "struct type {name:?} is not registered"
            ))),
        }
    }

    fn enum_decl(&self, name: &str) -> Result<&EnumDecl> {
        match self.schema.get(name).map(|d| &**d) {
            Some(TypeDecl::Enum(e)) => Ok(e),
            _ => Err(Error::encode(format!(
                "enum type {name:?} is not registered"
            ))),
        }
    }

    /// Whether a value of this dynamic type takes a ref id when tracking is on.
    fn trackable(&self, v: &Value) -> bool {
        match v {
            Value::Shared(_, inner) => self.trackable(inner),
            Value::Ref(_) => true,
            v => trackable_type_id(v.type_id()),
        }
    }

    /// Writes `v` with a leading ref/null flag, its type meta and body.
    fn write_any_with_flag(&mut self, v: &'v Value, tracking: bool, with_meta: bool) -> Result<()> {
        self.write_flagged(v, tracking, with_meta, None, false)
    }

    /// The general form: `decl` is the schema type of the body (declared
    /// element or field types); `force` takes a reference id for any value,
    /// as pyfory's generic reference writer does at the root and in map null
    /// entries.
    fn write_flagged(
        &mut self,
        v: &'v Value,
        tracking: bool,
        with_meta: bool,
        decl: Option<&FieldType>,
        force: bool,
    ) -> Result<()> {
        match v {
            Value::Null => {
                self.w().u8(ref_flag::NULL);
                Ok(())
            }
            Value::Ref(id) => {
                if !tracking {
                    return Err(Error::encode("a shared reference needs reference tracking"));
                }
                let wire = *self.shared_ids.get(id).ok_or_else(|| {
                    Error::encode(format!(
                        "reference to shared object {id} before it is written"
                    ))
                })?;
                let mut w = self.w();
                w.u8(ref_flag::REF);
                w.var_u32(wire);
                Ok(())
            }
            Value::Shared(id, inner) => {
                if tracking {
                    self.w().u8(ref_flag::REF_VALUE);
                    let wire = self.next_ref;
                    self.next_ref += 1;
                    self.shared_ids.insert(*id, wire);
                    if with_meta {
                        self.write_type_meta(inner)?;
                    }
                    self.write_body(inner, decl)
                } else {
                    self.write_flagged(inner, tracking, with_meta, decl, force)
                }
            }
            v => {
                if tracking && (force || self.trackable(v)) {
                    self.w().u8(ref_flag::REF_VALUE);
                    self.next_ref += 1;
                } else {
                    self.w().u8(ref_flag::NOT_NULL);
                }
                if with_meta {
                    self.write_type_meta(v)?;
                }
                self.write_body(v, decl)
            }
        }
    }

    fn write_meta_and_body(&mut self, v: &'v Value, with_meta: bool) -> Result<()> {
        if with_meta {
            self.write_type_meta(v)?;
        }
        self.write_body(v, None)
    }

    /// Type meta for a value whose type is not known from a schema.
    fn write_type_meta(&mut self, v: &Value) -> Result<()> {
        match v {
            Value::Null => {
                self.w().u8(tid::NONE);
                Ok(())
            }
            Value::Shared(_, inner) => self.write_type_meta(inner),
            Value::Ref(id) => match self.shared_values.get(id) {
                Some(target) if !matches!(target, Value::Ref(_)) => self.write_type_meta(target),
                _ => Err(Error::encode(format!(
                    "reference to unknown shared object {id}"
                ))),
            },
            Value::Struct(s) => {
                let decl = self.struct_decl(&s.type_name)?;
                self.write_struct_meta(&decl)
            }
            Value::Enum(e) => self.write_enum_meta(&e.type_name),
            v => {
                self.w().u8(v.type_id());
                Ok(())
            }
        }
    }

    fn write_struct_meta(&mut self, decl: &Arc<StructDecl>) -> Result<()> {
        let layout = self.layout(decl)?;
        match (&decl.registration, self.cfg.compatible) {
            (Registration::Id(id), false) => {
                let mut w = self.w();
                w.u8(tid::STRUCT);
                w.var_u32(*id);
            }
            (
                Registration::Name {
                    namespace,
                    typename,
                },
                false,
            ) => {
                self.w().u8(tid::NAMED_STRUCT);
                self.write_meta_string(namespace, Context::Namespace)?;
                self.write_meta_string(typename, Context::TypeName)?;
            }
            (reg, true) => {
                let id = match reg {
                    Registration::Id(_) => tid::COMPATIBLE_STRUCT,
                    Registration::Name { .. } => tid::NAMED_COMPATIBLE_STRUCT,
                };
                self.w().u8(id);
                let bytes = &layout
                    .typedef
                    .as_ref()
                    .expect("compatible layout has a TypeDef")
                    .1;
                self.write_shared_meta(&decl.name, bytes);
            }
        }
        Ok(())
    }

    fn write_shared_meta(&mut self, key: &str, typedef: &[u8]) {
        if let Some(&idx) = self.meta_share.get(key) {
            self.w().var_u32((idx << 1) | 1);
            return;
        }
        let idx = self.meta_share.len() as u32;
        self.meta_share
            .insert(std::borrow::Cow::Owned(key.to_string()), idx);
        let mut w = self.w();
        w.var_u32(idx << 1);
        w.bytes(typedef);
    }

    fn write_enum_meta(&mut self, name: &str) -> Result<()> {
        let decl = self.enum_decl(name)?.clone();
        match &decl.registration {
            Registration::Id(id) => {
                let mut w = self.w();
                w.u8(tid::ENUM);
                w.var_u32(*id);
            }
            Registration::Name {
                namespace,
                typename,
            } => {
                self.w().u8(tid::NAMED_ENUM);
                if self.cfg.compatible {
                    let td = crate::wire::typedef::TypeDef {
                        kind: crate::wire::typedef::TypeDefKind::Other(1),
                        registration: decl.registration.clone(),
                        fields: vec![],
                    };
                    let bytes = td.encode()?;
                    self.write_shared_meta(&decl.name, &bytes);
                } else {
                    self.write_meta_string(namespace, Context::Namespace)?;
                    self.write_meta_string(typename, Context::TypeName)?;
                }
            }
        }
        Ok(())
    }

    /// Inline meta-string framing (named types outside compatible mode).
    fn write_meta_string(&mut self, s: &str, ctx: Context) -> Result<()> {
        meta_string::write_inline(
            &mut self.meta_strings,
            &mut Writer::new(&mut self.out),
            s,
            ctx,
        )
    }

    /// Writes the body of `v`; `decl` is the schema type when known.
    fn write_body(&mut self, v: &'v Value, decl: Option<&FieldType>) -> Result<()> {
        // a declared type decides the bytes the reader expects: the value must be of it
        let declared = match decl.map(|d| &d.expr) {
            Some(TypeExpr::Scalar(id)) => Some((*id, None)),
            Some(TypeExpr::List(_)) => Some((tid::LIST, None)),
            Some(TypeExpr::Set(_)) => Some((tid::SET, None)),
            Some(TypeExpr::Map(..)) => Some((tid::MAP, None)),
            Some(TypeExpr::Named(n)) => Some((tid::UNKNOWN, Some(n.as_str()))),
            _ => None,
        };
        let inner = v.unshared();
        match (declared, inner) {
            (_, Value::Null) | (None, _) => {}
            (Some((_, Some(name))), Value::Struct(s)) if s.type_name == name => {}
            (Some((_, Some(name))), Value::Enum(e))
                if e.type_name == name || e.type_name.is_empty() => {}
            (Some((id, None)), other) if other.type_id() == id => {}
            (Some(_), Value::Ref(_)) => {}
            (Some((id, name)), other) => {
                return Err(Error::encode(format!(
                    "a {} value where the schema declares {}",
                    tid::name(other.type_id() as u32).unwrap_or("?"),
                    name.map(str::to_string)
                        .unwrap_or_else(|| tid::name(id as u32).unwrap_or("?").to_string())
                )))
            }
        }
        self.enter()?;
        let r = self.write_body_inner(v, decl);
        self.depth -= 1;
        r
    }

    fn write_body_inner(&mut self, v: &'v Value, decl: Option<&FieldType>) -> Result<()> {
        let elem = |d: Option<&FieldType>| -> (Option<FieldType>, Option<FieldType>) {
            match d.map(|d| &d.expr) {
                Some(TypeExpr::List(e)) | Some(TypeExpr::Set(e)) => (Some((**e).clone()), None),
                Some(TypeExpr::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                _ => (None, None),
            }
        };
        match v {
            Value::Null => Ok(()),
            Value::Bool(b) => {
                self.w().u8(*b as u8);
                Ok(())
            }
            Value::Int8(x) => {
                self.w().i8(*x);
                Ok(())
            }
            Value::Int16(x) => {
                self.w().i16(*x);
                Ok(())
            }
            Value::Int32(x) => {
                self.w().i32(*x);
                Ok(())
            }
            Value::VarInt32(x) => {
                self.w().var_i32(*x);
                Ok(())
            }
            Value::Int64(x) => {
                self.w().i64(*x);
                Ok(())
            }
            Value::VarInt64(x) => {
                self.w().var_i64(*x);
                Ok(())
            }
            Value::TaggedInt64(x) => {
                self.w().tagged_i64(*x);
                Ok(())
            }
            Value::UInt8(x) => {
                self.w().u8(*x);
                Ok(())
            }
            Value::UInt16(x) => {
                self.w().u16(*x);
                Ok(())
            }
            Value::UInt32(x) => {
                self.w().u32(*x);
                Ok(())
            }
            Value::VarUInt32(x) => {
                self.w().var_u32(*x);
                Ok(())
            }
            Value::UInt64(x) => {
                self.w().u64(*x);
                Ok(())
            }
            Value::VarUInt64(x) => {
                self.w().var_u64(*x);
                Ok(())
            }
            Value::TaggedUInt64(x) => {
                self.w().tagged_u64(*x);
                Ok(())
            }
            Value::Float16(x) => {
                self.w().u16(x.to_bits());
                Ok(())
            }
            Value::BFloat16(x) => {
                self.w().u16(x.to_bits());
                Ok(())
            }
            Value::Float32(x) => {
                self.w().f32(*x);
                Ok(())
            }
            Value::Float64(x) => {
                self.w().f64(*x);
                Ok(())
            }
            Value::String(s) => {
                crate::wire::string::write_string(&mut self.w(), s);
                Ok(())
            }
            Value::Binary(b) => self.write_buffer(b),
            Value::Array(a) => {
                let mut w = self.w();
                w.var_u32(len_u32(a.data.len())?);
                w.bytes(&a.data);
                Ok(())
            }
            Value::Date(d) => {
                self.w().var_i64(*d);
                Ok(())
            }
            Value::Timestamp { seconds, nanos } => {
                let mut w = self.w();
                w.i64(*seconds);
                w.u32(*nanos);
                Ok(())
            }
            Value::Duration { seconds, nanos } => {
                let mut w = self.w();
                w.var_i64(*seconds);
                w.i32(*nanos);
                Ok(())
            }
            Value::Decimal { unscaled, scale } => {
                crate::wire::decimal::write_decimal(&mut self.w(), unscaled, *scale);
                Ok(())
            }
            Value::List(items) | Value::Set(items) => {
                let (e, _) = elem(decl);
                self.write_collection(items, e.as_ref())
            }
            Value::Map(entries) => {
                let (k, v) = elem(decl);
                self.write_map(entries, k.as_ref(), v.as_ref())
            }
            Value::Struct(s) => self.write_struct_body(s),
            Value::Enum(e) => self.write_enum_body(e),
            Value::Shared(_, inner) => self.write_body_inner(inner, decl),
            Value::Ref(_) => Err(Error::encode(
                "a reference cannot stand where a body is expected",
            )),
        }
    }

    fn write_buffer(&mut self, b: &'v bytes::Bytes) -> Result<()> {
        let placement = match self.callback.as_mut() {
            Some(cb) => cb(BufferObject::from_slice(b)),
            None if self.forced_inband => Placement::InBand,
            None => {
                let mut w = self.w();
                w.var_u32(len_u32(b.len())?);
                w.bytes(b);
                return Ok(());
            }
        };
        match placement {
            Placement::InBand => {
                let mut w = self.w();
                w.u8(1);
                w.var_u32(len_u32(b.len())?);
                w.bytes(b);
            }
            Placement::OutOfBand => self.w().u8(0),
        }
        Ok(())
    }

    fn write_enum_body(&mut self, e: &EnumValue) -> Result<()> {
        let wire = match self.schema.get(&e.type_name).map(|d| &**d) {
            Some(TypeDecl::Enum(decl)) => decl
                .variants
                .iter()
                .find(|v| v.name == e.variant || (e.variant.is_empty() && v.ordinal == e.ordinal))
                .map(|v| v.wire_value)
                .ok_or_else(|| {
                    Error::encode(format!("{} has no variant {:?}", e.type_name, e.variant))
                })?,
            _ => e.wire_value,
        };
        self.w().var_u32(wire);
        Ok(())
    }

    fn write_struct_body(&mut self, s: &'v StructValue) -> Result<()> {
        let decl = self.struct_decl(&s.type_name)?;
        let layout = self.layout(&decl)?;
        if !self.cfg.compatible {
            self.w().i32(layout.hash);
        }
        for &i in &layout.order {
            let f = &decl.fields[i];
            let value = s.get(&f.name).unwrap_or(&NULL);
            self.write_field(&f.ty, layout.runtime_ref[i], value)
                .map_err(|e| match e {
                    Error::Encode { message } => {
                        Error::encode(format!("{}.{}: {message}", decl.name, f.name))
                    }
                    e => e,
                })?;
        }
        Ok(())
    }

    /// Whether a field or element of this schema type carries type meta.
    fn is_dynamic(&self, t: &FieldType) -> bool {
        match &t.expr {
            TypeExpr::Any => true,
            TypeExpr::Named(n) => match self.schema.get(n).map(|d| &**d) {
                Some(TypeDecl::Struct(s)) => {
                    // pyfory writes type meta for struct fields in compatible mode,
                    // and for name-registered structs in both modes (compat §1).
                    self.cfg.compatible || matches!(s.registration, Registration::Name { .. })
                }
                _ => false,
            },
            _ => false,
        }
    }

    fn write_field(&mut self, t: &FieldType, runtime_ref: bool, v: &'v Value) -> Result<()> {
        if is_primitive(t) {
            if t.nullable {
                if v.is_null() {
                    self.w().u8(ref_flag::NULL);
                    return Ok(());
                }
                self.w().u8(ref_flag::NOT_NULL);
            } else if v.is_null() {
                return Err(Error::encode("null in a non-nullable field"));
            }
            return self.write_scalar_as(v, t);
        }
        let dynamic = self.is_dynamic(t);
        if runtime_ref {
            return self.write_flagged(v, true, dynamic, (!dynamic).then_some(t), false);
        }
        if t.nullable {
            if v.is_null() {
                self.w().u8(ref_flag::NULL);
                return Ok(());
            }
            self.w().u8(ref_flag::NOT_NULL);
        } else if v.is_null() && !dynamic {
            return Err(Error::encode("null in a non-nullable field"));
        }
        let v = match v {
            Value::Shared(_, inner) if !self.cfg.ref_tracking => inner,
            v => v,
        };
        if dynamic {
            self.write_type_meta(v)?;
        }
        self.write_body(v, Some(t))
    }

    /// Writes a primitive checking that the value has the declared kind.
    fn write_scalar_as(&mut self, v: &'v Value, t: &FieldType) -> Result<()> {
        let want = match t.expr {
            TypeExpr::Scalar(id) => id,
            _ => unreachable!("primitive field"),
        };
        let v = v.unshared();
        if v.type_id() != want {
            return Err(Error::encode(format!(
                "expected {}, found {}",
                tid::name(want as u32).unwrap_or("?"),
                tid::name(v.type_id() as u32).unwrap_or("?")
            )));
        }
        self.write_body(v, Some(t))
    }

    fn declarable(&self, t: &FieldType) -> bool {
        match &t.expr {
            TypeExpr::Scalar(_) | TypeExpr::List(_) | TypeExpr::Set(_) | TypeExpr::Map(..) => true,
            TypeExpr::Named(n) => {
                matches!(self.schema.get(n).map(|d| &**d), Some(TypeDecl::Enum(_)))
            }
            TypeExpr::Any => false,
        }
    }

    fn declared_trackable(&self, t: &FieldType) -> bool {
        match &t.expr {
            TypeExpr::Scalar(id) => trackable_type_id(*id),
            TypeExpr::List(_) | TypeExpr::Set(_) | TypeExpr::Map(..) => true,
            TypeExpr::Named(n) => {
                matches!(self.schema.get(n).map(|d| &**d), Some(TypeDecl::Struct(_)))
            }
            TypeExpr::Any => true,
        }
    }

    fn write_collection(&mut self, items: &'v [Value], elem: Option<&FieldType>) -> Result<()> {
        self.w().var_u32(len_u32(items.len())?);
        if items.is_empty() {
            return Ok(());
        }
        let has_null = items.iter().any(Value::is_null);
        if let Some(e) = elem.filter(|e| self.declarable(e)) {
            let tracking = self.cfg.ref_tracking && self.declared_trackable(e);
            let mut header = lh::DECL_ELEMENT_TYPE | lh::SAME_TYPE;
            if tracking {
                header |= lh::TRACKING_REF;
            }
            if has_null {
                header |= lh::HAS_NULL;
            }
            self.w().u8(header);
            for item in items {
                if tracking {
                    self.write_flagged(item, true, false, Some(e), false)?;
                } else if has_null {
                    if item.is_null() {
                        self.w().u8(ref_flag::NULL);
                        continue;
                    }
                    self.w().u8(ref_flag::NOT_NULL);
                    self.write_body(item.unshared(), Some(e))?;
                } else {
                    self.write_body(item.unshared(), Some(e))?;
                }
            }
            return Ok(());
        }
        // Dynamic elements: scan for one common type.
        let keys: Vec<Option<TypeKey>> = items.iter().map(|i| self.type_key(i)).collect();
        let mut common: Option<&TypeKey> = None;
        let mut same = true;
        for k in keys.iter().flatten() {
            match common {
                None => common = Some(k),
                Some(c) if c != k => same = false,
                _ => {}
            }
        }
        let first = items
            .iter()
            .find(|i| !i.is_null() && !matches!(i, Value::Ref(_)));
        let tracking = self.cfg.ref_tracking
            && (!same || first.is_none_or(|f| self.trackable(f)) && common.is_some());
        let mut header = 0u8;
        if same {
            header |= lh::SAME_TYPE;
        }
        if tracking {
            header |= lh::TRACKING_REF;
        }
        if has_null {
            header |= lh::HAS_NULL;
        }
        self.w().u8(header);
        if same {
            match first.or_else(|| items.iter().find(|i| matches!(i, Value::Ref(_)))) {
                Some(f) => self.write_type_meta(f)?,
                // Only nulls: pyfory writes element type NONE.
                None => self.w().u8(tid::NONE),
            }
        }
        let meta = !same;
        for item in items {
            if tracking {
                self.write_any_with_flag(item, true, meta)?;
            } else if has_null {
                if item.is_null() {
                    self.w().u8(ref_flag::NULL);
                    continue;
                }
                self.w().u8(ref_flag::NOT_NULL);
                self.write_meta_and_body(item.unshared(), meta)?;
            } else {
                self.write_meta_and_body(item.unshared(), meta)?;
            }
        }
        Ok(())
    }

    fn write_map(
        &mut self,
        entries: &'v [(Value, Value)],
        kd: Option<&FieldType>,
        vd: Option<&FieldType>,
    ) -> Result<()> {
        self.w().var_u32(len_u32(entries.len())?);
        let kdecl = kd.filter(|t| self.declarable(t)).cloned();
        let vdecl = vd.filter(|t| self.declarable(t)).cloned();
        let mut i = 0;
        while i < entries.len() {
            let (k, v) = &entries[i];
            if k.is_null() || v.is_null() {
                self.write_null_entry(k, v, kdecl.as_ref(), vdecl.as_ref())?;
                i += 1;
                continue;
            }
            let kkey = self.type_key(k);
            let vkey = self.type_key(v);
            let mut n = 1;
            while i + n < entries.len() && n < mh::MAX_CHUNK {
                let (k2, v2) = &entries[i + n];
                if k2.is_null() || v2.is_null() {
                    break;
                }
                if kdecl.is_none() && self.type_key(k2) != kkey {
                    break;
                }
                if vdecl.is_none() && self.type_key(v2) != vkey {
                    break;
                }
                n += 1;
            }
            let ktrack = self.cfg.ref_tracking
                && match &kdecl {
                    Some(t) => self.declared_trackable(t),
                    None => self.trackable(k),
                };
            let vtrack = self.cfg.ref_tracking
                && match &vdecl {
                    Some(t) => self.declared_trackable(t),
                    None => self.trackable(v),
                };
            let mut header = 0u8;
            if ktrack {
                header |= mh::TRACKING_KEY_REF;
            }
            if vtrack {
                header |= mh::TRACKING_VALUE_REF;
            }
            if kdecl.is_some() {
                header |= mh::KEY_DECL_TYPE;
            }
            if vdecl.is_some() {
                header |= mh::VALUE_DECL_TYPE;
            }
            {
                let mut w = self.w();
                w.u8(header);
                w.u8(n as u8);
            }
            if kdecl.is_none() {
                self.write_type_meta(k)?;
            }
            if vdecl.is_none() {
                self.write_type_meta(v)?;
            }
            for (k, v) in &entries[i..i + n] {
                self.write_map_side(k, ktrack, kdecl.as_ref())?;
                self.write_map_side(v, vtrack, vdecl.as_ref())?;
            }
            i += n;
        }
        Ok(())
    }

    fn write_map_side(
        &mut self,
        v: &'v Value,
        track: bool,
        decl: Option<&FieldType>,
    ) -> Result<()> {
        if track {
            return self.write_flagged(v, true, false, decl, false);
        }
        self.write_body(v.unshared(), decl)
    }

    fn write_null_entry(
        &mut self,
        k: &'v Value,
        v: &'v Value,
        kd: Option<&FieldType>,
        vd: Option<&FieldType>,
    ) -> Result<()> {
        let mut header = 0u8;
        match (k.is_null(), v.is_null()) {
            (true, true) => {
                self.w().u8(mh::KEY_HAS_NULL | mh::VALUE_HAS_NULL);
                Ok(())
            }
            (true, false) => {
                header |= mh::KEY_HAS_NULL;
                if vd.is_some() {
                    header |= mh::VALUE_DECL_TYPE;
                } else {
                    header |= mh::TRACKING_VALUE_REF;
                }
                self.w().u8(header);
                self.write_null_entry_side(v, vd)
            }
            _ => {
                header |= mh::VALUE_HAS_NULL;
                if kd.is_some() {
                    header |= mh::KEY_DECL_TYPE;
                } else {
                    header |= mh::TRACKING_KEY_REF;
                }
                self.w().u8(header);
                self.write_null_entry_side(k, kd)
            }
        }
    }

    /// The non-null side of a null entry: declared → body; otherwise the full
    /// ref envelope (pyfory sets the TRACK bit here and writes a flag).
    fn write_null_entry_side(&mut self, v: &'v Value, decl: Option<&FieldType>) -> Result<()> {
        match decl {
            Some(t) => self.write_body(v.unshared(), Some(t)),
            None => self.write_flagged(v, self.cfg.ref_tracking, true, None, true),
        }
    }
}

static NULL: Value = Value::Null;

/// Whether values of this internal type take a reference id (pyfory 1.7.7:
/// everything but primitives, strings, enums, dense arrays and none).
pub fn trackable_type_id(id: TypeId) -> bool {
    !(tid::is_primitive(id)
        || id == tid::STRING
        || id == tid::ENUM
        || id == tid::NAMED_ENUM
        || id == tid::NONE
        || tid::array_elem_size(id).is_some())
}

fn len_u32(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::encode(format!("length {n} does not fit in 32 bits")))
}
