//! Decoding any stream into a [`Value`], guided by a [`Schema`] where the
//! stream itself does not say enough (schema-consistent structs, declared
//! element types, enum names).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use half::{bf16, f16};

use super::layout::{is_primitive, plan_from_wire, StructLayout};
use super::Config;
use crate::error::{Error, Result};
use crate::limits::Limit;
use crate::schema::{
    to_snake_case, EnumDecl, FieldType, Registration, Schema, StructDecl, TypeDecl, TypeExpr,
};
use crate::value::{DenseArray, EnumValue, StructValue, Value};
use crate::wire::meta_string;
use crate::wire::type_id::{self as tid, TypeId};
use crate::wire::typedef::{FieldId, TypeDef, TypeDefKind, WireType};
use crate::wire::{header, list_header as lh, map_header as mh, ref_flag, Reader};

/// An out-of-band buffer handed to the decoder.
#[derive(Debug, Clone)]
pub enum InputBuffer<'de> {
    /// Borrowed memory (copied once into a `Value`).
    Borrowed(&'de [u8]),
    /// Shared memory (a `Value` shares it without copying).
    Shared(Bytes),
}

impl InputBuffer<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            InputBuffer::Borrowed(b) => b,
            InputBuffer::Shared(b) => b,
        }
    }

    fn is_borrowed(&self) -> bool {
        matches!(self, InputBuffer::Borrowed(_))
    }

    fn to_bytes(&self) -> Bytes {
        match self {
            InputBuffer::Borrowed(b) => Bytes::copy_from_slice(b),
            InputBuffer::Shared(b) => b.clone(),
        }
    }
}

/// A compatible type announced by a TypeDef in the stream.
#[derive(Debug)]
pub(crate) struct RemoteType {
    def: TypeDef,
    local: Option<Arc<TypeDecl>>,
}

/// What a type meta said.
#[derive(Debug, Clone)]
pub(crate) enum ReadType {
    Internal(TypeId),
    Struct(Arc<StructDecl>),
    Compat(Arc<RemoteType>),
    Enum(Option<Arc<EnumDecl>>, String),
}

enum RefRead {
    Null,
    Ref(u32),
    Value(Option<u32>),
}

/// Per-call decoder state.
pub struct Decoder<'de, 's> {
    r: Reader<'de>,
    schema: &'s Schema,
    cfg: Config,
    oob: bool,
    buffers: &'s [InputBuffer<'de>],
    next_buffer: usize,
    layouts: HashMap<String, Arc<StructLayout>>,
    meta_strings: meta_string::InlineReadTable,
    typedefs: Vec<Arc<RemoteType>>,
    ref_count: u32,
    referenced: HashSet<u32>,
    depth: usize,
}

/// The state a typed [`ReadContext`](crate::serializer::ReadContext) lends
/// the dynamic decoder to read a `Value` in the middle of a typed value.
pub(crate) struct Lent<'de> {
    pub r: Reader<'de>,
    pub oob: bool,
    pub next_buffer: usize,
    pub meta_strings: meta_string::InlineReadTable,
    pub typedefs: Vec<TypeDef>,
    pub ref_count: u32,
    pub depth: usize,
}

impl<'de, 's> Decoder<'de, 's> {
    /// A decoder continuing a typed read (state lent by the typed context).
    pub(crate) fn lent(
        l: Lent<'de>,
        schema: &'s Schema,
        cfg: Config,
        buffers: &'s [InputBuffer<'de>],
    ) -> Self {
        let typedefs = l
            .typedefs
            .into_iter()
            .map(|def| {
                let local = match &def.registration {
                    Registration::Id(id) => schema.by_id(*id).cloned(),
                    Registration::Name {
                        namespace,
                        typename,
                    } => schema.by_ns_typename(namespace, typename).cloned(),
                };
                Arc::new(RemoteType { def, local })
            })
            .collect();
        Decoder {
            r: l.r,
            schema,
            cfg,
            oob: l.oob,
            buffers,
            next_buffer: l.next_buffer,
            layouts: HashMap::new(),
            meta_strings: l.meta_strings,
            typedefs,
            ref_count: l.ref_count,
            referenced: HashSet::new(),
            depth: l.depth,
        }
    }

    /// Gives the lent state back, with TypeDefs first seen here.
    pub(crate) fn give_back(self, known_typedefs: usize) -> (Lent<'de>, HashSet<u32>) {
        let typedefs = self
            .typedefs
            .iter()
            .skip(known_typedefs)
            .map(|t| t.def.clone())
            .collect();
        (
            Lent {
                r: self.r,
                oob: self.oob,
                next_buffer: self.next_buffer,
                meta_strings: self.meta_strings,
                typedefs,
                ref_count: self.ref_count,
                depth: self.depth,
            },
            self.referenced,
        )
    }

    /// Reads a type meta (for a value at a dynamic position).
    pub(crate) fn lent_read_type_meta(&mut self) -> Result<ReadType> {
        self.read_type_meta()
    }

    /// Reads a body for a type meta read before.
    pub(crate) fn lent_read_body(&mut self, rt: &ReadType) -> Result<Value> {
        self.read_body_rt(rt)
    }

    /// A decoder over `data`. `buffers` is `None` when no out-of-band buffers were supplied.
    pub fn new(
        data: &'de [u8],
        schema: &'s Schema,
        cfg: Config,
        buffers: Option<&'s [InputBuffer<'de>]>,
    ) -> Result<Self> {
        let extra = match buffers {
            Some(b) => {
                cfg.limits.check_buffers(b.len())?;
                b.iter()
                    .fold(0usize, |n, b| n.saturating_add(b.as_slice().len()))
            }
            None => 0,
        };
        let mut r = Reader::with_limits(data, cfg.limits, extra);
        let h = r.u8()?;
        if h & header::RESERVED != 0 {
            return Err(Error::InvalidHeader {
                found: h,
                reason: "reserved bits are set",
            });
        }
        if h & header::XLANG == 0 {
            return Err(Error::InvalidHeader {
                found: h,
                reason: "not an xlang stream (xlang bit clear)",
            });
        }
        let oob = h & header::OUT_OF_BAND != 0;
        match (oob, buffers.is_some()) {
            (true, false) => {
                return Err(Error::oob(
                    "the stream was written with a buffer callback: pass its out-of-band buffers (an empty list if all stayed in-band)",
                ))
            }
            (false, true) => return Err(Error::oob("buffers were supplied for a stream written without a buffer callback")),
            _ => {}
        }
        Ok(Decoder {
            r,
            schema,
            cfg,
            oob,
            buffers: buffers.unwrap_or(&[]),
            next_buffer: 0,
            layouts: HashMap::new(),
            meta_strings: Vec::new(),
            typedefs: Vec::new(),
            ref_count: 0,
            referenced: HashSet::new(),
            depth: 0,
        })
    }

    /// Reads the root value and checks that the stream and buffers are used up.
    pub fn read_root(mut self) -> Result<Value> {
        let v = match self.read_ref_flag()? {
            RefRead::Null => Value::Null,
            RefRead::Ref(id) => {
                return Err(Error::InvalidRef {
                    id,
                    known: 0,
                    offset: 1,
                });
            }
            RefRead::Value(id) => {
                let rt = self.read_type_meta()?;
                let v = self.read_body_rt(&rt)?;
                self.wrap(id, v)?
            }
        };
        if self.r.remaining() != 0 {
            return Err(Error::TrailingBytes {
                offset: self.r.pos(),
                count: self.r.remaining(),
            });
        }
        if self.next_buffer != self.buffers.len() {
            return Err(Error::oob(format!(
                "{} buffer(s) supplied but the stream used {}: the transport mixed up its buffers",
                self.buffers.len(),
                self.next_buffer
            )));
        }
        let referenced = std::mem::take(&mut self.referenced);
        Ok(prune_shared(v, &referenced))
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.cfg.limits.max_depth {
            return Err(Error::DepthLimit {
                limit: self.cfg.limits.max_depth,
                offset: self.r.pos(),
            });
        }
        Ok(())
    }

    fn read_ref_flag(&mut self) -> Result<RefRead> {
        let pos = self.r.pos();
        match self.r.u8()? {
            ref_flag::NULL => Ok(RefRead::Null),
            ref_flag::NOT_NULL => Ok(RefRead::Value(None)),
            ref_flag::REF_VALUE => {
                let id = self.ref_count;
                self.ref_count = self
                    .ref_count
                    .checked_add(1)
                    .ok_or_else(|| Error::invalid(pos, "too many references"))?;
                Ok(RefRead::Value(Some(id)))
            }
            ref_flag::REF => {
                let id = self.r.var_u32()?;
                if id >= self.ref_count {
                    return Err(Error::InvalidRef {
                        id,
                        known: self.ref_count as usize,
                        offset: pos,
                    });
                }
                self.referenced.insert(id);
                Ok(RefRead::Ref(id))
            }
            f => Err(Error::InvalidFlag {
                what: "ref flag",
                found: f,
                offset: pos,
            }),
        }
    }

    fn layout(&mut self, decl: &Arc<StructDecl>) -> Result<Arc<StructLayout>> {
        if let Some(l) = self.layouts.get(&decl.name) {
            return Ok(l.clone());
        }
        let l = Arc::new(StructLayout::new(
            self.schema,
            decl.clone(),
            self.cfg.ref_tracking,
            false,
        )?);
        self.layouts.insert(decl.name.clone(), l.clone());
        Ok(l)
    }

    /// Wraps the first occurrence of a shared object (charging its box).
    fn wrap(&mut self, id: Option<u32>, v: Value) -> Result<Value> {
        Ok(match id {
            Some(id) => {
                self.r.charge(std::mem::size_of::<Value>())?;
                Value::Shared(id, Box::new(v))
            }
            None => v,
        })
    }

    /// Charges a struct value: its box, type name and named fields.
    fn charge_struct(
        &mut self,
        type_name: usize,
        names: impl Iterator<Item = usize>,
    ) -> Result<()> {
        let field = std::mem::size_of::<(String, Value)>();
        let n = names.fold(
            std::mem::size_of::<StructValue>().saturating_add(type_name),
            |n, l| n.saturating_add(field).saturating_add(l),
        );
        self.r.charge(n)
    }

    fn read_names(&mut self) -> Result<(String, String)> {
        meta_string::read_inline_names(&mut self.meta_strings, &mut self.r)
    }

    fn read_shared_typedef(&mut self) -> Result<Arc<RemoteType>> {
        let pos = self.r.pos();
        let marker = self.r.var_u32()?;
        let idx = (marker >> 1) as usize;
        if marker & 1 == 1 {
            return self.typedefs.get(idx).cloned().ok_or_else(|| {
                Error::invalid(pos, format!("type meta reference {idx} is unknown"))
            });
        }
        if idx != self.typedefs.len() {
            return Err(Error::invalid(
                pos,
                format!(
                    "new type meta has index {idx}, expected {}",
                    self.typedefs.len()
                ),
            ));
        }
        let def = TypeDef::decode(&mut self.r)?;
        let local = match &def.registration {
            Registration::Id(id) => self.schema.by_id(*id).cloned(),
            Registration::Name {
                namespace,
                typename,
            } => self.schema.by_ns_typename(namespace, typename).cloned(),
        };
        let rt = Arc::new(RemoteType { def, local });
        self.typedefs.push(rt.clone());
        Ok(rt)
    }

    fn read_type_meta(&mut self) -> Result<ReadType> {
        let pos = self.r.pos();
        let id = self.r.u8()?;
        Ok(match id {
            tid::BOOL..=tid::TAGGED_UINT64 | tid::FLOAT16..=tid::MAP => ReadType::Internal(id),
            tid::NONE..=tid::BINARY => ReadType::Internal(id),
            tid::BOOL_ARRAY..=tid::UINT64_ARRAY | tid::FLOAT16_ARRAY..=tid::FLOAT64_ARRAY => {
                ReadType::Internal(id)
            }
            tid::ENUM => {
                let uid = self.r.var_u32()?;
                match self.schema.by_id(uid).map(|d| &**d) {
                    Some(TypeDecl::Enum(e)) => {
                        ReadType::Enum(Some(Arc::new(e.clone())), e.name.clone())
                    }
                    Some(other @ (TypeDecl::Struct(_) | TypeDecl::Ext(_))) => {
                        return Err(Error::type_id(
                            pos,
                            format!("an enum, but id {uid} is {}", other.name()),
                            id as u32,
                        ))
                    }
                    None => ReadType::Enum(None, format!("#{uid}")),
                }
            }
            tid::NAMED_ENUM => {
                let (ns, tn) = if self.cfg.compatible {
                    let rt = self.read_shared_typedef()?;
                    match &rt.def.registration {
                        Registration::Name {
                            namespace,
                            typename,
                        } => (namespace.clone(), typename.clone()),
                        Registration::Id(_) => {
                            return Err(Error::invalid(pos, "named enum with an id TypeDef"))
                        }
                    }
                } else {
                    self.read_names()?
                };
                match self.schema.by_ns_typename(&ns, &tn).map(|d| &**d) {
                    Some(TypeDecl::Enum(e)) => {
                        ReadType::Enum(Some(Arc::new(e.clone())), e.name.clone())
                    }
                    _ => ReadType::Enum(None, join_name(&ns, &tn)),
                }
            }
            tid::STRUCT => {
                let uid = self.r.var_u32()?;
                match self.schema.by_id(uid).map(|d| &**d) {
                    Some(TypeDecl::Struct(s)) => ReadType::Struct(Arc::new(s.clone())),
                    _ => {
                        return Err(Error::UnregisteredType {
                            what: format!("struct id {uid}"),
                            offset: pos,
                        })
                    }
                }
            }
            tid::NAMED_STRUCT => {
                let (ns, tn) = self.read_names()?;
                match self.schema.by_ns_typename(&ns, &tn).map(|d| &**d) {
                    Some(TypeDecl::Struct(s)) => ReadType::Struct(Arc::new(s.clone())),
                    _ => {
                        return Err(Error::UnregisteredType {
                            what: format!("struct {}", join_name(&ns, &tn)),
                            offset: pos,
                        })
                    }
                }
            }
            tid::COMPATIBLE_STRUCT | tid::NAMED_COMPATIBLE_STRUCT => {
                let rt = self.read_shared_typedef()?;
                if !matches!(rt.def.kind, TypeDefKind::Struct { .. }) {
                    return Err(Error::invalid(
                        pos,
                        "struct type meta with a non-struct TypeDef",
                    ));
                }
                ReadType::Compat(rt)
            }
            other => {
                return Err(Error::type_id(
                    pos,
                    "a supported xlang type id",
                    other as u32,
                ))
            }
        })
    }

    fn read_body_rt(&mut self, rt: &ReadType) -> Result<Value> {
        self.enter()?;
        let v = match rt {
            ReadType::Internal(id) => self.read_internal(*id, None),
            ReadType::Struct(decl) => self.read_consistent_struct(decl),
            ReadType::Compat(remote) => self.read_compat_struct(remote),
            ReadType::Enum(decl, name) => self.read_enum(decl.as_deref(), name),
        };
        self.depth -= 1;
        v
    }

    fn read_body_decl(&mut self, t: &FieldType) -> Result<Value> {
        self.enter()?;
        let v = match &t.expr {
            TypeExpr::Scalar(id) => self.read_internal(*id, None),
            TypeExpr::List(_) => self.read_internal(tid::LIST, Some(t)),
            TypeExpr::Set(_) => self.read_internal(tid::SET, Some(t)),
            TypeExpr::Map(..) => self.read_internal(tid::MAP, Some(t)),
            TypeExpr::Named(n) => match self.schema.get(n).map(|d| &**d) {
                Some(TypeDecl::Enum(e)) => {
                    let e = e.clone();
                    self.read_enum(Some(&e), &e.name)
                }
                Some(TypeDecl::Struct(s)) => {
                    let s = Arc::new(s.clone());
                    self.read_consistent_struct(&s)
                }
                Some(TypeDecl::Ext(x)) => Err(Error::UnregisteredType {
                    what: format!("a dynamic value of extension type {}", x.name),
                    offset: self.r.pos(),
                }),
                None => self.read_enum(None, ""),
            },
            TypeExpr::Any => Err(Error::invalid(
                self.r.pos(),
                "a dynamic type needs type meta",
            )),
        };
        self.depth -= 1;
        v
    }

    fn read_enum(&mut self, decl: Option<&EnumDecl>, name: &str) -> Result<Value> {
        let pos = self.r.pos();
        let wire = self.r.var_u32()?;
        match decl {
            Some(d) => {
                let v = d.variant_for_wire(wire, pos)?;
                self.r.charge(d.name.len().saturating_add(v.name.len()))?;
                Ok(Value::Enum(EnumValue {
                    type_name: d.name.clone(),
                    variant: v.name.clone(),
                    ordinal: v.ordinal,
                    wire_value: wire,
                }))
            }
            None => {
                self.r.charge(name.len())?;
                Ok(Value::Enum(EnumValue {
                    type_name: name.to_string(),
                    variant: String::new(),
                    ordinal: wire,
                    wire_value: wire,
                }))
            }
        }
    }

    fn read_internal(&mut self, id: TypeId, decl: Option<&FieldType>) -> Result<Value> {
        let r = &mut self.r;
        Ok(match id {
            tid::BOOL => {
                let pos = r.pos();
                match r.u8()? {
                    0 => Value::Bool(false),
                    1 => Value::Bool(true),
                    b => {
                        return Err(Error::InvalidFlag {
                            what: "bool",
                            found: b,
                            offset: pos,
                        })
                    }
                }
            }
            tid::INT8 => Value::Int8(r.i8()?),
            tid::INT16 => Value::Int16(r.i16()?),
            tid::INT32 => Value::Int32(r.i32()?),
            tid::VARINT32 => Value::VarInt32(r.var_i32()?),
            tid::INT64 => Value::Int64(r.i64()?),
            tid::VARINT64 => Value::VarInt64(r.var_i64()?),
            tid::TAGGED_INT64 => Value::TaggedInt64(r.tagged_i64()?),
            tid::UINT8 => Value::UInt8(r.u8()?),
            tid::UINT16 => Value::UInt16(r.u16()?),
            tid::UINT32 => Value::UInt32(r.u32()?),
            tid::VAR_UINT32 => Value::VarUInt32(r.var_u32()?),
            tid::UINT64 => Value::UInt64(r.u64()?),
            tid::VAR_UINT64 => Value::VarUInt64(r.var_u64()?),
            tid::TAGGED_UINT64 => Value::TaggedUInt64(r.tagged_u64()?),
            tid::FLOAT16 => Value::Float16(f16::from_bits(r.u16()?)),
            tid::BFLOAT16 => Value::BFloat16(bf16::from_bits(r.u16()?)),
            tid::FLOAT32 => Value::Float32(r.f32()?),
            tid::FLOAT64 => Value::Float64(r.f64()?),
            tid::STRING => Value::String(crate::wire::string::read_string(r)?),
            tid::NONE => Value::Null,
            tid::DATE => Value::Date(r.var_i64()?),
            tid::TIMESTAMP => {
                let pos = r.pos();
                let seconds = r.i64()?;
                let nanos = r.u32()?;
                if nanos >= 1_000_000_000 {
                    return Err(Error::invalid(
                        pos,
                        format!("timestamp nanos {nanos} out of range"),
                    ));
                }
                Value::Timestamp { seconds, nanos }
            }
            tid::DURATION => {
                let pos = r.pos();
                let seconds = r.var_i64()?;
                let nanos = r.i32()?;
                if !(0..1_000_000_000).contains(&nanos) {
                    return Err(Error::invalid(
                        pos,
                        format!("duration nanos {nanos} out of range"),
                    ));
                }
                Value::Duration { seconds, nanos }
            }
            tid::DECIMAL => {
                let (unscaled, scale) = crate::wire::decimal::read_decimal(r)?;
                Value::Decimal { unscaled, scale }
            }
            tid::BINARY => Value::Binary(self.read_buffer()?),
            tid::LIST | tid::SET => {
                let elem = match decl.map(|d| &d.expr) {
                    Some(TypeExpr::List(e)) | Some(TypeExpr::Set(e)) => Some((**e).clone()),
                    _ => None,
                };
                let items = self.read_collection(elem.as_ref())?;
                if id == tid::LIST {
                    Value::List(items)
                } else {
                    Value::Set(items)
                }
            }
            tid::MAP => {
                let (k, v) = match decl.map(|d| &d.expr) {
                    Some(TypeExpr::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                    _ => (None, None),
                };
                Value::Map(self.read_map(k.as_ref(), v.as_ref())?)
            }
            id if tid::array_elem_size(id).is_some() => {
                let pos = r.pos();
                let len = r.var_u32()? as u64;
                let len = r.ensure("array byte length", len)?;
                let size = tid::array_elem_size(id).unwrap_or(1);
                if len % size != 0 {
                    return Err(Error::invalid(
                        pos,
                        format!("array byte length {len} is not a multiple of {size}"),
                    ));
                }
                r.check_limit(Limit::CollectionLength, (len / size) as u64)?;
                r.charge(len)?;
                let data = Bytes::copy_from_slice(r.take(len)?);
                if id == tid::BOOL_ARRAY && data.iter().any(|&b| b > 1) {
                    return Err(Error::invalid(pos, "bool array element is not 0 or 1"));
                }
                Value::Array(DenseArray { type_id: id, data })
            }
            other => return Err(Error::type_id(r.pos(), "a value type", other as u32)),
        })
    }

    fn read_buffer(&mut self) -> Result<Bytes> {
        let pos = self.r.pos();
        if self.oob {
            match self.r.u8()? {
                1 => {}
                0 => {
                    let i = self.next_buffer;
                    let b = self.buffers.get(i).ok_or_else(|| {
                        Error::oob(format!(
                            "the stream needs out-of-band buffer #{i} (offset {pos}) but only {} were supplied",
                            self.buffers.len()
                        ))
                    })?;
                    self.next_buffer += 1;
                    if b.is_borrowed() {
                        self.r.charge(b.as_slice().len())?;
                    }
                    return Ok(b.to_bytes());
                }
                f => {
                    return Err(Error::InvalidFlag {
                        what: "in-band flag",
                        found: f,
                        offset: pos,
                    })
                }
            }
        }
        let len = self.r.var_u32()? as u64;
        let len = self.r.ensure("binary length", len)?;
        self.r.charge(len)?;
        Ok(Bytes::copy_from_slice(self.r.take(len)?))
    }

    fn read_consistent_struct(&mut self, decl: &Arc<StructDecl>) -> Result<Value> {
        let pos = self.r.pos();
        let hash = self.r.i32()?;
        let layout = self.layout(decl)?;
        if hash != layout.hash {
            return Err(Error::SchemaHashMismatch {
                type_name: decl.name.clone(),
                expected: layout.hash as u32,
                found: hash as u32,
                offset: pos,
            });
        }
        self.charge_struct(decl.name.len(), decl.fields.iter().map(|f| f.name.len()))?;
        let mut values: Vec<Option<Value>> = vec![None; decl.fields.len()];
        for &i in &layout.order {
            let f = &decl.fields[i];
            values[i] = Some(self.read_field(&f.ty, layout.runtime_ref[i])?);
        }
        Ok(Value::Struct(Box::new(StructValue {
            type_name: decl.name.clone(),
            fields: decl
                .fields
                .iter()
                .zip(values)
                .map(|(f, v)| (f.name.clone(), v.unwrap_or(Value::Null)))
                .collect(),
        })))
    }

    fn read_compat_struct(&mut self, remote: &Arc<RemoteType>) -> Result<Value> {
        let local = match remote.local.as_deref() {
            Some(TypeDecl::Struct(s)) => Some(s),
            Some(other @ (TypeDecl::Enum(_) | TypeDecl::Ext(_))) => {
                return Err(Error::invalid(
                    self.r.pos(),
                    format!("TypeDef describes a struct but {} is not one", other.name()),
                ))
            }
            None => None,
        };
        match local {
            Some(l) => self.charge_struct(l.name.len(), l.fields.iter().map(|f| f.name.len()))?,
            None => self.charge_struct(0, std::iter::empty())?,
        }
        let mut local_values: Vec<Option<Value>> = vec![None; local.map_or(0, |l| l.fields.len())];
        let mut unknown_fields = Vec::new();
        for (k, rf) in remote.def.fields.iter().enumerate() {
            let matched = local.and_then(|l| {
                l.fields.iter().position(|lf| match (&rf.id, lf.tag_id) {
                    (FieldId::Tag(t), Some(lt)) => *t == lt,
                    (FieldId::Name(n), None) => to_snake_case(n) == to_snake_case(&lf.name),
                    _ => false,
                })
            });
            let local_ty = matched.and_then(|i| local.map(|l| &l.fields[i].ty));
            let plan = plan_from_wire(self.schema, &rf.ty, local_ty);
            let mut v = self.read_field(&plan, rf.ty.track_ref)?;
            // A field whose type changed is kept only when the value converts
            // losslessly (integer encodings); otherwise the local field defaults.
            let matched = match (matched, local_ty) {
                (Some(i), Some(lt)) => {
                    let lw = crate::dynamic::layout::wire_type(self.schema, lt, lt.nullable, false);
                    if wire_eq(&rf.ty, &lw) {
                        Some(i)
                    } else if let Some(c) = convert_int(&v, lw.type_id) {
                        v = c;
                        Some(i)
                    } else {
                        None
                    }
                }
                (m, _) => m,
            };
            match matched {
                Some(i) => local_values[i] = Some(v),
                None => {
                    let name = match &rf.id {
                        FieldId::Name(n) => n.clone(),
                        FieldId::Tag(t) => format!("#{t}"),
                    };
                    self.charge_struct(0, std::iter::once(name.len()))?;
                    unknown_fields.push((k, name, v));
                }
            }
        }
        match local {
            Some(l) => Ok(Value::Struct(Box::new(StructValue {
                type_name: l.name.clone(),
                fields: l
                    .fields
                    .iter()
                    .zip(local_values)
                    .map(|(f, v)| (f.name.clone(), v.unwrap_or_else(|| default_value(&f.ty))))
                    .collect(),
            }))),
            None => Ok(Value::Struct(Box::new(StructValue {
                type_name: match &remote.def.registration {
                    Registration::Id(id) => format!("#{id}"),
                    Registration::Name {
                        namespace,
                        typename,
                    } => join_name(namespace, typename),
                },
                fields: unknown_fields.into_iter().map(|(_, n, v)| (n, v)).collect(),
            }))),
        }
    }

    fn is_dynamic(&self, t: &FieldType) -> bool {
        match &t.expr {
            TypeExpr::Any => true,
            TypeExpr::Named(n) => match self.schema.get(n).map(|d| &**d) {
                Some(TypeDecl::Struct(s)) => {
                    self.cfg.compatible || matches!(s.registration, Registration::Name { .. })
                }
                _ => false,
            },
            _ => false,
        }
    }

    fn read_field(&mut self, t: &FieldType, runtime_ref: bool) -> Result<Value> {
        if is_primitive(t) {
            if t.nullable {
                match self.read_ref_flag()? {
                    RefRead::Null => return Ok(Value::Null),
                    RefRead::Ref(id) => return Ok(Value::Ref(id)),
                    RefRead::Value(_) => {}
                }
            }
            return self.read_body_decl(t);
        }
        let mut id = None;
        if runtime_ref || t.nullable {
            match self.read_ref_flag()? {
                RefRead::Null => return Ok(Value::Null),
                RefRead::Ref(r) => return Ok(Value::Ref(r)),
                RefRead::Value(i) => id = i,
            }
        }
        let v = if self.is_dynamic(t) {
            let rt = self.read_type_meta()?;
            self.read_body_rt(&rt)?
        } else {
            self.read_body_decl(t)?
        };
        self.wrap(id, v)
    }

    fn read_collection(&mut self, elem: Option<&FieldType>) -> Result<Vec<Value>> {
        let pos = self.r.pos();
        let len = self.r.var_u32()? as u64;
        if len == 0 {
            return Ok(Vec::new());
        }
        let len = self.r.check_len(Limit::CollectionLength, len)?;
        self.r.charge_n(len, std::mem::size_of::<Value>())?;
        let hpos = self.r.pos();
        let h = self.r.u8()?;
        if h & lh::RESERVED != 0 {
            return Err(Error::InvalidFlag {
                what: "collection header",
                found: h,
                offset: hpos,
            });
        }
        let tracking = h & lh::TRACKING_REF != 0;
        let has_null = h & lh::HAS_NULL != 0;
        let same_rt = if h & lh::DECL_ELEMENT_TYPE != 0 {
            match elem {
                Some(e) if !self.is_dynamic(e) => None,
                _ => {
                    return Err(Error::invalid(
                        hpos,
                        "declared element type but no schema declares it",
                    ))
                }
            }
        } else if h & lh::SAME_TYPE != 0 {
            Some(Some(self.read_type_meta()?))
        } else {
            Some(None)
        };
        let _ = pos;
        let mut items = Vec::with_capacity(len);
        for _ in 0..len {
            let mut id = None;
            if tracking || has_null {
                match self.read_ref_flag()? {
                    RefRead::Null => {
                        items.push(Value::Null);
                        continue;
                    }
                    RefRead::Ref(r) => {
                        items.push(Value::Ref(r));
                        continue;
                    }
                    RefRead::Value(i) => id = i,
                }
            }
            let v = match &same_rt {
                None => self.read_body_decl(elem.expect("checked above"))?,
                Some(Some(rt)) => self.read_body_rt(rt)?,
                Some(None) => {
                    let rt = self.read_type_meta()?;
                    self.read_body_rt(&rt)?
                }
            };
            items.push(self.wrap(id, v)?);
        }
        Ok(items)
    }

    fn read_map_side(
        &mut self,
        track: bool,
        decl: Option<&FieldType>,
        rt: Option<&ReadType>,
    ) -> Result<Value> {
        let mut id = None;
        if track {
            match self.read_ref_flag()? {
                RefRead::Null => return Ok(Value::Null),
                RefRead::Ref(r) => return Ok(Value::Ref(r)),
                RefRead::Value(i) => id = i,
            }
        }
        let v = match (rt, decl) {
            (Some(rt), _) => self.read_body_rt(rt)?,
            (None, Some(d)) => self.read_body_decl(d)?,
            (None, None) => unreachable!("caller supplies one"),
        };
        self.wrap(id, v)
    }

    fn read_map(
        &mut self,
        kd: Option<&FieldType>,
        vd: Option<&FieldType>,
    ) -> Result<Vec<(Value, Value)>> {
        let total = self.r.var_u32()? as u64;
        let total = self.r.check_len(Limit::CollectionLength, total)?;
        self.r
            .charge_n(total, std::mem::size_of::<(Value, Value)>())?;
        let mut entries = Vec::with_capacity(total);
        while entries.len() < total {
            let hpos = self.r.pos();
            let h = self.r.u8()?;
            if h & mh::RESERVED != 0 {
                return Err(Error::InvalidFlag {
                    what: "map chunk header",
                    found: h,
                    offset: hpos,
                });
            }
            let ktrack = h & mh::TRACKING_KEY_REF != 0;
            let vtrack = h & mh::TRACKING_VALUE_REF != 0;
            let kdecl = h & mh::KEY_DECL_TYPE != 0;
            let vdecl = h & mh::VALUE_DECL_TYPE != 0;
            let need = |d: bool, t: Option<&FieldType>, this: &Self| -> Result<()> {
                if d && t.is_none_or(|t| this.is_dynamic(t)) {
                    return Err(Error::invalid(
                        hpos,
                        "declared map key/value type but no schema declares it",
                    ));
                }
                Ok(())
            };
            need(kdecl, kd, self)?;
            need(vdecl, vd, self)?;
            let knull = h & mh::KEY_HAS_NULL != 0;
            let vnull = h & mh::VALUE_HAS_NULL != 0;
            if knull || vnull {
                let k = if knull {
                    Value::Null
                } else {
                    self.read_null_entry_side(ktrack, kdecl, kd)?
                };
                let v = if vnull {
                    Value::Null
                } else {
                    self.read_null_entry_side(vtrack, vdecl, vd)?
                };
                entries.push((k, v));
                continue;
            }
            let spos = self.r.pos();
            let size = self.r.u8()? as usize;
            if size == 0 || entries.len() + size > total {
                return Err(Error::invalid(
                    spos,
                    format!(
                        "map chunk size {size} does not fit {} remaining entries",
                        total - entries.len()
                    ),
                ));
            }
            let krt = if kdecl {
                None
            } else {
                Some(self.read_type_meta()?)
            };
            let vrt = if vdecl {
                None
            } else {
                Some(self.read_type_meta()?)
            };
            for _ in 0..size {
                let k = self.read_map_side(ktrack, kd, krt.as_ref())?;
                let v = self.read_map_side(vtrack, vd, vrt.as_ref())?;
                entries.push((k, v));
            }
        }
        Ok(entries)
    }

    fn read_null_entry_side(
        &mut self,
        track: bool,
        decl: bool,
        t: Option<&FieldType>,
    ) -> Result<Value> {
        if decl {
            return self.read_map_side(track, t, None);
        }
        let mut id = None;
        if track {
            match self.read_ref_flag()? {
                RefRead::Null => return Ok(Value::Null),
                RefRead::Ref(r) => return Ok(Value::Ref(r)),
                RefRead::Value(i) => id = i,
            }
        }
        let rt = self.read_type_meta()?;
        let v = self.read_body_rt(&rt)?;
        self.wrap(id, v)
    }
}

/// Wire types equal up to enum/struct registration kinds and flags.
fn wire_eq(a: &WireType, b: &WireType) -> bool {
    tid::registration_kind(a.type_id) == tid::registration_kind(b.type_id)
        && a.children.len() == b.children.len()
        && a.children
            .iter()
            .zip(&b.children)
            .all(|(x, y)| wire_eq(x, y))
}

/// An integer value converted to the integer encoding `to`, if it fits.
fn convert_int(v: &Value, to: u32) -> Option<Value> {
    let n: i128 = match v {
        Value::Int8(x) => *x as i128,
        Value::Int16(x) => *x as i128,
        Value::Int32(x) | Value::VarInt32(x) => *x as i128,
        Value::Int64(x) | Value::VarInt64(x) | Value::TaggedInt64(x) => *x as i128,
        Value::UInt8(x) => *x as i128,
        Value::UInt16(x) => *x as i128,
        Value::UInt32(x) | Value::VarUInt32(x) => *x as i128,
        Value::UInt64(x) | Value::VarUInt64(x) | Value::TaggedUInt64(x) => *x as i128,
        _ => return None,
    };
    Some(match to as u8 {
        tid::INT8 => Value::Int8(n.try_into().ok()?),
        tid::INT16 => Value::Int16(n.try_into().ok()?),
        tid::INT32 => Value::Int32(n.try_into().ok()?),
        tid::VARINT32 => Value::VarInt32(n.try_into().ok()?),
        tid::INT64 => Value::Int64(n.try_into().ok()?),
        tid::VARINT64 => Value::VarInt64(n.try_into().ok()?),
        tid::TAGGED_INT64 => Value::TaggedInt64(n.try_into().ok()?),
        tid::UINT8 => Value::UInt8(n.try_into().ok()?),
        tid::UINT16 => Value::UInt16(n.try_into().ok()?),
        tid::UINT32 => Value::UInt32(n.try_into().ok()?),
        tid::VAR_UINT32 => Value::VarUInt32(n.try_into().ok()?),
        tid::UINT64 => Value::UInt64(n.try_into().ok()?),
        tid::VAR_UINT64 => Value::VarUInt64(n.try_into().ok()?),
        tid::TAGGED_UINT64 => Value::TaggedUInt64(n.try_into().ok()?),
        _ => return None,
    })
}

fn join_name(ns: &str, tn: &str) -> String {
    if ns.is_empty() {
        tn.to_string()
    } else {
        format!("{ns}.{tn}")
    }
}

/// The value a missing field takes in compatible mode.
pub fn default_value(t: &FieldType) -> Value {
    if t.nullable {
        return Value::Null;
    }
    match &t.expr {
        TypeExpr::Scalar(id) => match *id {
            tid::BOOL => Value::Bool(false),
            tid::INT8 => Value::Int8(0),
            tid::INT16 => Value::Int16(0),
            tid::INT32 => Value::Int32(0),
            tid::VARINT32 => Value::VarInt32(0),
            tid::INT64 => Value::Int64(0),
            tid::VARINT64 => Value::VarInt64(0),
            tid::TAGGED_INT64 => Value::TaggedInt64(0),
            tid::UINT8 => Value::UInt8(0),
            tid::UINT16 => Value::UInt16(0),
            tid::UINT32 => Value::UInt32(0),
            tid::VAR_UINT32 => Value::VarUInt32(0),
            tid::UINT64 => Value::UInt64(0),
            tid::VAR_UINT64 => Value::VarUInt64(0),
            tid::TAGGED_UINT64 => Value::TaggedUInt64(0),
            tid::FLOAT16 => Value::Float16(f16::ZERO),
            tid::BFLOAT16 => Value::BFloat16(bf16::ZERO),
            tid::FLOAT32 => Value::Float32(0.0),
            tid::FLOAT64 => Value::Float64(0.0),
            tid::STRING => Value::String(String::new()),
            tid::BINARY => Value::Binary(Bytes::new()),
            id if tid::array_elem_size(id).is_some() => Value::Array(DenseArray {
                type_id: id,
                data: Bytes::new(),
            }),
            _ => Value::Null,
        },
        TypeExpr::List(_) => Value::List(Vec::new()),
        TypeExpr::Set(_) => Value::Set(Vec::new()),
        TypeExpr::Map(..) => Value::Map(Vec::new()),
        TypeExpr::Named(_) | TypeExpr::Any => Value::Null,
    }
}

/// Removes `Shared` wrappers nobody refers to.
pub(crate) fn prune_shared(v: Value, referenced: &HashSet<u32>) -> Value {
    match v {
        Value::Shared(id, inner) => {
            let inner = prune_shared(*inner, referenced);
            if referenced.contains(&id) {
                Value::Shared(id, Box::new(inner))
            } else {
                inner
            }
        }
        Value::List(items) => Value::List(
            items
                .into_iter()
                .map(|i| prune_shared(i, referenced))
                .collect(),
        ),
        Value::Set(items) => Value::Set(
            items
                .into_iter()
                .map(|i| prune_shared(i, referenced))
                .collect(),
        ),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (prune_shared(k, referenced), prune_shared(v, referenced)))
                .collect(),
        ),
        Value::Struct(mut s) => {
            s.fields = std::mem::take(&mut s.fields)
                .into_iter()
                .map(|(n, v)| (n, prune_shared(v, referenced)))
                .collect();
            Value::Struct(s)
        }
        v => v,
    }
}
