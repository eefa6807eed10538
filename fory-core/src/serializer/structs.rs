//! Runtime support for `#[derive(Fory)]` structs: type meta, the schema hash
//! of schema-consistent mode, TypeDefs and field matching of compatible mode,
//! and per-field framing. The generated code calls only these functions.

use std::sync::{Arc, OnceLock};

use super::{read_full, Deserialize, Flag, ReadContext, Serialize, WriteContext};
use crate::dynamic::layout::{wire_plan, FieldPlan};
use crate::error::{Error, Result};
use crate::registry::CompiledStruct;
use crate::schema::{to_snake_case, Registration, StructDecl};
use crate::wire::meta_string;
use crate::wire::ref_flag;
use crate::wire::type_id::{self as tid, TypeId};
use crate::wire::typedef::{FieldId, TypeDef, TypeDefKind, WireType};

/// A struct that derived code (or a hand-written impl) describes to the runtime.
pub trait ForyStruct {
    /// The registered full name (the schema key).
    const NAME: &'static str;
    /// The struct description (registration, fields with their schema types).
    /// Fails when a field attribute does not fit the field's type.
    fn decl() -> Result<StructDecl>;
    /// A per-type cache of the compiled layout (derived code provides one).
    fn type_cache() -> Option<&'static crate::registry::TypeCache> {
        None
    }
}

/// The compiled layout of `T` in the context's registry.
#[inline]
fn compiled_of<T: ForyStruct>(reg: &crate::registry::Registry) -> Result<&CompiledStruct> {
    match T::type_cache() {
        Some(cache) => reg.compiled_cached(cache, T::NAME),
        None => reg.compiled(T::NAME),
    }
}

/// Applies `#[fory(encoding = ...)]` to an integer field type.
pub fn with_encoding(
    mut ty: crate::schema::FieldType,
    encoding: &str,
    field: &str,
) -> Result<crate::schema::FieldType> {
    use crate::schema::TypeExpr;
    let TypeExpr::Scalar(id) = ty.expr else {
        return Err(Error::schema(format!(
            "field {field}: `encoding` applies to integer fields"
        )));
    };
    let signed64 = matches!(id, tid::INT64 | tid::VARINT64 | tid::TAGGED_INT64);
    let unsigned64 = matches!(id, tid::UINT64 | tid::VAR_UINT64 | tid::TAGGED_UINT64);
    let new = match encoding {
        "fixed" => match id {
            tid::INT32 | tid::VARINT32 => tid::INT32,
            tid::UINT32 | tid::VAR_UINT32 => tid::UINT32,
            _ if signed64 => tid::INT64,
            _ if unsigned64 => tid::UINT64,
            tid::INT8 | tid::INT16 | tid::UINT8 | tid::UINT16 => id,
            _ => {
                return Err(Error::schema(format!(
                    "field {field}: `encoding` applies to integer fields"
                )))
            }
        },
        "varint" => match id {
            tid::INT32 | tid::VARINT32 => tid::VARINT32,
            tid::UINT32 | tid::VAR_UINT32 => tid::VAR_UINT32,
            _ if signed64 => tid::VARINT64,
            _ if unsigned64 => tid::VAR_UINT64,
            _ => {
                return Err(Error::schema(format!(
                    "field {field}: a varint encoding needs a 32- or 64-bit integer"
                )))
            }
        },
        "tagged" => match id {
            _ if signed64 => tid::TAGGED_INT64,
            _ if unsigned64 => tid::TAGGED_UINT64,
            _ => {
                return Err(Error::schema(format!(
                    "field {field}: the tagged encoding needs a 64-bit integer"
                )))
            }
        },
        other => {
            return Err(Error::schema(format!(
                "field {field}: unknown encoding {other:?}"
            )))
        }
    };
    ty.expr = TypeExpr::Scalar(new);
    Ok(ty)
}

/// Applies `#[fory(list)]`: a numeric vector as a LIST of its elements.
pub fn as_list(mut ty: crate::schema::FieldType, field: &str) -> Result<crate::schema::FieldType> {
    use crate::schema::{FieldType, TypeExpr};
    let elem = match ty.expr {
        TypeExpr::List(_) => return Ok(ty),
        TypeExpr::Scalar(tid::BINARY) => tid::UINT8,
        TypeExpr::Scalar(id) => match id {
            tid::BOOL_ARRAY => tid::BOOL,
            tid::INT8_ARRAY => tid::INT8,
            tid::INT16_ARRAY => tid::INT16,
            tid::INT32_ARRAY => tid::VARINT32,
            tid::INT64_ARRAY => tid::VARINT64,
            tid::UINT8_ARRAY => tid::UINT8,
            tid::UINT16_ARRAY => tid::UINT16,
            tid::UINT32_ARRAY => tid::VAR_UINT32,
            tid::UINT64_ARRAY => tid::VAR_UINT64,
            tid::FLOAT16_ARRAY => tid::FLOAT16,
            tid::BFLOAT16_ARRAY => tid::BFLOAT16,
            tid::FLOAT32_ARRAY => tid::FLOAT32,
            tid::FLOAT64_ARRAY => tid::FLOAT64,
            _ => {
                return Err(Error::schema(format!(
                    "field {field}: `list` applies to numeric vectors"
                )))
            }
        },
        _ => {
            return Err(Error::schema(format!(
                "field {field}: `list` applies to numeric vectors"
            )))
        }
    };
    ty.expr = TypeExpr::List(Box::new(FieldType::new(TypeExpr::Scalar(elem))));
    Ok(ty)
}

/// Applies `#[fory(array)]`: a numeric vector as a dense array (`Vec<u8>` as UINT8_ARRAY).
pub fn as_array(mut ty: crate::schema::FieldType, field: &str) -> Result<crate::schema::FieldType> {
    use crate::schema::TypeExpr;
    match ty.expr {
        TypeExpr::Scalar(tid::BINARY) => {
            ty.expr = TypeExpr::Scalar(tid::UINT8_ARRAY);
            Ok(ty)
        }
        TypeExpr::Scalar(id) if tid::array_elem_size(id).is_some() => Ok(ty),
        _ => Err(Error::schema(format!(
            "field {field}: `array` applies to numeric `Vec`s"
        ))),
    }
}

/// Applies `#[fory(bytes)]`: the field must be a byte buffer (BINARY).
pub fn as_bytes(ty: crate::schema::FieldType, field: &str) -> Result<crate::schema::FieldType> {
    match ty.expr {
        crate::schema::TypeExpr::Scalar(tid::BINARY) => Ok(ty),
        _ => Err(Error::schema(format!(
            "field {field}: `bytes` applies to `Vec<u8>`, `&[u8]`, `Bytes`"
        ))),
    }
}

/// A TypeDef seen in the stream, with its field mapping onto the local type.
#[derive(Debug)]
pub struct RemoteStruct {
    /// The decoded TypeDef.
    pub def: TypeDef,
    /// The mapping, and whether it is exact (the local layout field for
    /// field, with the same framing: read as in schema-consistent mode).
    mapping: OnceLock<(Arc<Vec<RemoteField>>, bool)>,
}

impl RemoteStruct {
    pub(crate) fn new(def: TypeDef) -> Self {
        RemoteStruct {
            def,
            mapping: OnceLock::new(),
        }
    }
}

/// A TypeDef a stream announced: the local type's own, borrowed from the
/// registry (no reference counting), or one decoded from a stream.
#[derive(Debug, Clone)]
pub enum TypeDefRef<'r> {
    /// Byte for byte the TypeDef of a registered local struct.
    Local(&'r RemoteStruct),
    /// Any other (shared with the registry's cache of seen TypeDefs).
    Shared(Arc<RemoteStruct>),
}

impl std::ops::Deref for TypeDefRef<'_> {
    type Target = RemoteStruct;
    #[inline]
    fn deref(&self) -> &RemoteStruct {
        match self {
            TypeDefRef::Local(r) => r,
            TypeDefRef::Shared(r) => r,
        }
    }
}

/// One remote field and where it goes locally.
#[derive(Debug, Clone)]
pub struct RemoteField {
    /// Local field (declaration index), if any.
    pub local: Option<usize>,
    /// Framing on the wire.
    pub plan: FieldPlan,
    /// Wire type (for skipping unknown fields).
    pub wire: WireType,
}

/// How to read the fields of one struct value.
pub enum ReadPlan<'r> {
    /// Schema-consistent: local order, local plans.
    Consistent(&'r CompiledStruct),
    /// Compatible: the writer's fields, mapped onto local ones.
    Compatible(Arc<Vec<RemoteField>>),
}

/// Writes the type meta of struct `T`.
#[inline]
pub fn write_struct_meta<T: ForyStruct>(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
    let reg = ctx.reg;
    let compiled = compiled_of::<T>(reg)?;
    let registration = compiled.registration();
    if ctx.config().compatible {
        let id = match registration {
            Registration::Id(_) => tid::COMPATIBLE_STRUCT,
            Registration::Name { .. } => tid::NAMED_COMPATIBLE_STRUCT,
        };
        ctx.writer().u8(id);
        let idx = match ctx.meta_share.announce_struct(compiled.slot(), T::NAME) {
            Ok(idx) => {
                ctx.writer().var_u32((idx << 1) | 1);
                return Ok(());
            }
            Err(new) => new,
        };
        let bytes = &compiled
            .layout
            .typedef
            .as_ref()
            .ok_or_else(|| Error::encode("missing TypeDef"))?
            .1;
        let mut w = ctx.writer();
        w.var_u32(idx << 1);
        w.bytes(bytes);
        return Ok(());
    }
    match registration {
        Registration::Id(id) => {
            let mut w = ctx.writer();
            w.u8(tid::STRUCT);
            w.var_u32(*id);
        }
        Registration::Name {
            namespace,
            typename,
        } => {
            ctx.writer().u8(tid::NAMED_STRUCT);
            ctx.write_inline_names(namespace, typename)?;
        }
    }
    Ok(())
}

/// Reads and checks the type meta of struct `T`; in compatible mode it
/// remembers the TypeDef for the body that follows.
#[inline]
pub fn read_struct_meta<T: ForyStruct>(ctx: &mut ReadContext<'_>) -> Result<TypeId> {
    let pos = ctx.r.pos();
    let id = ctx.r.u8()?;
    let mismatch = |found: String| Error::TypeMismatch {
        expected: T::NAME.into(),
        found: found.into(),
        offset: pos,
    };
    match id {
        tid::STRUCT => {
            let uid = ctx.r.var_u32()?;
            // disjoint fields: the registry is read while the reader moves
            if *compiled_of::<T>(ctx.reg)?.registration() != Registration::Id(uid) {
                return Err(mismatch(format!("struct id {uid}")));
            }
        }
        tid::NAMED_STRUCT => {
            let (ns, tn) = meta_string::read_inline_names(&mut ctx.meta_strings, &mut ctx.r)?;
            let want = compiled_of::<T>(ctx.reg)?.registration();
            if !matches!(want, Registration::Name { namespace, typename } if *namespace == ns && *typename == tn)
            {
                return Err(mismatch(format!("struct {ns}.{tn}")));
            }
        }
        tid::COMPATIBLE_STRUCT | tid::NAMED_COMPATIBLE_STRUCT => {
            let local = compiled_of::<T>(ctx.reg)?;
            let remote = read_shared_typedef_for(ctx, Some(local))?;
            // the struct's own TypeDef names it by construction
            let own = matches!(
                (&remote, local.own_typedef()),
                (TypeDefRef::Local(r), Some((_, o))) if std::ptr::eq(*r, o)
            );
            if !own
                && (remote.def.registration != *local.registration()
                    || !matches!(remote.def.kind, TypeDefKind::Struct { .. }))
            {
                return Err(mismatch(format!("{:?}", remote.def.registration)));
            }
            // the newest announcement waits in `last` (its body mostly comes
            // next); the one it displaces, of another type, goes to `current`
            if let Some((prev, prev_remote)) = ctx.last.replace((T::NAME, remote)) {
                if !same_name(prev, T::NAME) {
                    match ctx.current.iter_mut().find(|(n, _)| same_name(n, prev)) {
                        Some(slot) => slot.1 = prev_remote,
                        None => ctx.current.push((prev, prev_remote)),
                    }
                }
            }
        }
        other => {
            return Err(mismatch(
                tid::name(other as u32)
                    .unwrap_or("an unknown type id")
                    .to_string(),
            ));
        }
    }
    Ok(id)
}

/// Whether two struct names are the same (mostly the very same pointer).
#[inline(always)]
fn same_name(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// Reads a meta-share marker and, for a new entry, its TypeDef.
pub(crate) fn read_shared_typedef<'de>(ctx: &mut ReadContext<'de>) -> Result<TypeDefRef<'de>> {
    read_shared_typedef_for(ctx, None)
}

/// [`read_shared_typedef`] where the local struct the value is read as is
/// known: a TypeDef byte for byte its own is recognised without a lookup.
#[inline]
fn read_shared_typedef_for<'de>(
    ctx: &mut ReadContext<'de>,
    local: Option<&'de CompiledStruct>,
) -> Result<TypeDefRef<'de>> {
    let pos = ctx.reader().pos();
    let marker = ctx.reader().var_u32()?;
    let idx = (marker >> 1) as usize;
    if marker & 1 == 1 {
        return ctx
            .typedefs
            .get(idx)
            .cloned()
            .ok_or_else(|| Error::invalid(pos, format!("type meta reference {idx} is unknown")));
    }
    if idx != ctx.typedefs.len() {
        return Err(Error::invalid(
            pos,
            format!(
                "new type meta has index {idx}, expected {}",
                ctx.typedefs.len()
            ),
        ));
    }
    if let Some(own) = local.and_then(CompiledStruct::own_typedef) {
        let start = ctx.reader().pos();
        if ctx.reader().data().get(start..start + own.0.len()) == Some(own.0) {
            ctx.reader().take(own.0.len())?;
            ctx.typedefs.push(TypeDefRef::Local(own.1));
            return Ok(TypeDefRef::Local(own.1));
        }
    }
    read_new_typedef(ctx)
}

/// A TypeDef not seen in this stream: from the registry's cache, or decoded.
fn read_new_typedef<'de>(ctx: &mut ReadContext<'de>) -> Result<TypeDefRef<'de>> {
    // A TypeDef seen in an earlier stream is recognised by its 8-byte header
    // (size and 52-bit hash of the body) and skipped, not decoded again.
    let start = ctx.reader().pos();
    let header = ctx.reader().u64()?;
    let reg = ctx.reg;
    if let Some(known) = reg.cached_typedef(header) {
        let mut size = header & 0xff;
        if size == 0xff {
            size += ctx.reader().var_u32()? as u64;
        }
        let size = ctx
            .reader()
            .check_len(crate::limits::Limit::TypeDefSize, size)?;
        ctx.reader().take(size)?;
        ctx.typedefs.push(TypeDefRef::Shared(known.clone()));
        return Ok(TypeDefRef::Shared(known));
    }
    let data = ctx.reader().data();
    let mut r = ctx.reader().sub(data);
    r.take(start)?;
    let def = TypeDef::decode(&mut r)?;
    let consumed = r.pos() - start - 8;
    ctx.reader().absorb(&r);
    ctx.reader().take(consumed)?;
    let remote = Arc::new(RemoteStruct {
        def,
        mapping: OnceLock::new(),
    });
    reg.remember_typedef(header, remote.clone());
    ctx.typedefs.push(TypeDefRef::Shared(remote.clone()));
    Ok(TypeDefRef::Shared(remote))
}

/// Starts writing a struct body: the schema hash in schema-consistent mode.
#[inline]
pub fn begin_write<'r, T: ForyStruct>(
    ctx: &mut WriteContext<'_, 'r>,
) -> Result<&'r CompiledStruct> {
    let compiled: &'r CompiledStruct = compiled_of::<T>(ctx.reg)?;
    if !ctx.config().compatible {
        ctx.writer().i32(compiled.layout.hash);
    }
    Ok(compiled)
}

/// Starts reading a struct body: checks the hash, or maps the remote TypeDef.
#[inline]
pub fn begin_read<'de, T: ForyStruct>(ctx: &mut ReadContext<'de>) -> Result<ReadPlan<'de>> {
    let compiled: &'de CompiledStruct = compiled_of::<T>(ctx.reg)?;
    if !ctx.config().compatible {
        let pos = ctx.reader().pos();
        let hash = ctx.reader().i32()?;
        if hash != compiled.layout.hash {
            return Err(Error::SchemaHashMismatch {
                type_name: T::NAME.to_string(),
                expected: compiled.layout.hash as u32,
                found: hash as u32,
                offset: pos,
            });
        }
        return Ok(ReadPlan::Consistent(compiled));
    }
    let pos = ctx.reader().pos();
    let remote = match &ctx.last {
        Some((n, r)) if same_name(n, T::NAME) => r,
        _ => ctx
            .current
            .iter()
            .find(|(n, _)| same_name(n, T::NAME))
            .map(|(_, r)| r)
            .ok_or_else(|| Error::invalid(pos, format!("{} body without its TypeDef", T::NAME)))?,
    };
    let (mapping, exact) = remote.mapping.get_or_init(|| {
        let fields = map_fields(
            &remote.def,
            &compiled.layout.decl,
            &compiled.plans,
            ctx.reg.schema(),
        );
        let exact = fields.len() == compiled.layout.order.len()
            && fields
                .iter()
                .zip(&compiled.layout.order)
                .all(|(rf, &i)| rf.local == Some(i) && compiled.plans.get(i) == Some(&rf.plan));
        (Arc::new(fields), exact)
    });
    if *exact {
        // the writer's fields are ours, in our order, framed as ours
        return Ok(ReadPlan::Consistent(compiled));
    }
    Ok(ReadPlan::Compatible(mapping.clone()))
}

/// Whether a remote field's wire type can be read as the local field type
/// (same kind; nullability and ref flags may differ).
fn same_kind(schema: &crate::Schema, remote: &WireType, local: &crate::schema::FieldDecl) -> bool {
    fn norm(id: u32) -> u32 {
        match id as u8 {
            // integer encodings convert losslessly (values are range-checked on read)
            tid::INT8..=tid::TAGGED_UINT64 => tid::INT64 as u32,
            // sequences read into each other's Rust types
            tid::SET => tid::LIST as u32,
            _ => tid::registration_kind(id),
        }
    }
    /// The element type of a dense array, as a LIST element would carry it.
    fn array_elem(id: u32) -> Option<u32> {
        let e = match id as u8 {
            tid::BOOL_ARRAY => tid::BOOL,
            tid::INT8_ARRAY..=tid::UINT64_ARRAY => tid::INT64,
            tid::FLOAT16_ARRAY => tid::FLOAT16,
            tid::BFLOAT16_ARRAY => tid::BFLOAT16,
            tid::FLOAT32_ARRAY => tid::FLOAT32,
            tid::FLOAT64_ARRAY => tid::FLOAT64,
            _ => return None,
        };
        Some(e as u32)
    }
    fn eq(a: &WireType, b: &WireType) -> bool {
        // list<T> and array<T> read into each other (a `Vec<T>` takes both)
        let list_vs_array = |l: &WireType, arr: &WireType| {
            l.type_id == tid::LIST as u32
                && l.children.len() == 1
                && array_elem(arr.type_id).is_some_and(|e| norm(l.children[0].type_id) == norm(e))
        };
        if list_vs_array(a, b) || list_vs_array(b, a) {
            return true;
        }
        norm(a.type_id) == norm(b.type_id)
            && a.children.len() == b.children.len()
            && a.children.iter().zip(&b.children).all(|(x, y)| eq(x, y))
    }
    let lw = crate::dynamic::layout::wire_type(schema, &local.ty, local.ty.nullable, false);
    remote.type_id == tid::UNKNOWN as u32 || lw.type_id == tid::UNKNOWN as u32 || eq(remote, &lw)
}

fn map_fields(
    def: &TypeDef,
    local: &StructDecl,
    plans: &[FieldPlan],
    schema: &crate::Schema,
) -> Vec<RemoteField> {
    def.fields
        .iter()
        .map(|rf| {
            let local_idx = local
                .fields
                .iter()
                .position(|lf| match (&rf.id, lf.tag_id) {
                    (FieldId::Tag(t), Some(lt)) => *t == lt,
                    (FieldId::Name(n), None) => to_snake_case(n) == to_snake_case(&lf.name),
                    _ => false,
                });
            // A field whose type changed incompatibly is skipped; the local one defaults.
            let local_idx = local_idx.filter(|&i| same_kind(schema, &rf.ty, &local.fields[i]));
            let mut plan = wire_plan(&rf.ty);
            // The remote flags decide the bytes; the local plan only knows
            // whether a struct field carries type meta (always, in this mode).
            if let Some(i) = local_idx {
                plan.dynamic = plan.dynamic || plans[i].dynamic;
            }
            RemoteField {
                local: local_idx,
                plan,
                wire: rf.ty.clone(),
            }
        })
        .collect()
}

/// Writes one field per its plan.
#[inline(always)]
pub fn write_field<'a, T: Serialize>(
    v: &'a T,
    plan: &FieldPlan,
    ctx: &mut WriteContext<'a, '_>,
) -> Result<()> {
    if plan.primitive {
        if plan.nullable {
            if v.is_none() {
                ctx.writer().u8(ref_flag::NULL);
                return Ok(());
            }
            ctx.writer().u8(ref_flag::NOT_NULL);
        }
        return v.write_as(plan.wire_id, ctx);
    }
    if plan.runtime_ref || T::always_tracked() {
        if !v.write_flag(ctx)? {
            return Ok(());
        }
    } else if plan.nullable {
        if v.is_none() {
            ctx.writer().u8(ref_flag::NULL);
            return Ok(());
        }
        ctx.writer().u8(ref_flag::NOT_NULL);
    } else if v.is_none() {
        return Err(Error::encode(format!(
            "None in the non-nullable field of type {}",
            std::any::type_name::<T>()
        )));
    }
    if plan.dynamic {
        return v.write_meta_and_body(ctx);
    }
    ctx.enter()?;
    v.write_as(plan.wire_id, ctx)?;
    ctx.leave();
    Ok(())
}

/// Reads one field per its plan.
#[inline(always)]
pub fn read_field<'de, T: Deserialize<'de>>(
    ctx: &mut ReadContext<'de>,
    plan: &FieldPlan,
) -> Result<T> {
    let mut flag = Flag::Value;
    if plan.runtime_ref || plan.nullable {
        match ctx.read_flag()? {
            None => return T::from_null(ctx),
            Some(f @ Flag::Ref(_)) => return T::read_after_flag(ctx, f, T::type_id()),
            Some(f) => flag = f,
        }
    }
    if plan.dynamic {
        return T::read_meta_and_body(ctx, flag);
    }
    let id = plan.wire_id;
    ctx.enter()?;
    let v = T::read_after_flag(ctx, flag, id);
    ctx.leave();
    v
}

/// Skips a remote field the local type does not have.
pub fn skip_field(ctx: &mut ReadContext<'_>, f: &RemoteField) -> Result<()> {
    super::skip::skip_field(ctx, &f.wire, &f.plan)
}

/// Reads a whole value at a dynamic position (`any` fields of derived structs).
pub fn read_any<'de, T: Deserialize<'de>>(ctx: &mut ReadContext<'de>) -> Result<T> {
    read_full(ctx)
}

/// A unit enum that derived code describes to the runtime.
pub trait ForyEnum {
    /// The registered full name (the schema key).
    const NAME: &'static str;
    /// The enum description (registration, variants with wire values).
    fn decl() -> crate::schema::EnumDecl;
    /// A per-type cache of where the enum sits in a registry (derived code
    /// provides one).
    fn type_cache() -> Option<&'static crate::registry::TypeCache> {
        None
    }
}

/// The registered form of enum `T` in the context's registry.
#[inline]
fn compiled_enum<T: ForyEnum>(
    reg: &crate::registry::Registry,
) -> Result<&crate::registry::CompiledEnum> {
    match T::type_cache() {
        Some(cache) => reg.enum_cached(cache, T::NAME),
        None => reg.enum_named(T::NAME),
    }
}

/// Writes the type meta of enum `T` (ENUM + id, or NAMED_ENUM + names / TypeDef).
pub fn write_enum_meta<T: ForyEnum>(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
    let e = compiled_enum::<T>(ctx.reg)?;
    match &e.registration {
        Registration::Id(id) => {
            let mut w = ctx.writer();
            w.u8(tid::ENUM);
            w.var_u32(*id);
        }
        Registration::Name {
            namespace,
            typename,
        } => {
            ctx.writer().u8(tid::NAMED_ENUM);
            if ctx.config().compatible {
                if let Some(&idx) = ctx.meta_share.get(T::NAME) {
                    ctx.writer().var_u32((idx << 1) | 1);
                    return Ok(());
                }
                let idx = ctx.meta_share.len() as u32;
                ctx.meta_share
                    .insert(std::borrow::Cow::Borrowed(T::NAME), idx);
                let mut w = ctx.writer();
                w.var_u32(idx << 1);
                w.bytes(&e.typedef);
            } else {
                ctx.write_inline_names(namespace, typename)?;
            }
        }
    }
    Ok(())
}

/// Reads and checks the type meta of enum `T`.
pub fn read_enum_meta<T: ForyEnum>(ctx: &mut ReadContext<'_>) -> Result<TypeId> {
    let registration = &compiled_enum::<T>(ctx.reg)?.registration;
    let pos = ctx.reader().pos();
    let id = ctx.reader().u8()?;
    let ok = match id {
        tid::ENUM => {
            let uid = ctx.reader().var_u32()?;
            if *registration != Registration::Id(uid) {
                return Err(enum_mismatch::<T>(&Registration::Id(uid), pos));
            }
            true
        }
        tid::NAMED_ENUM if ctx.config().compatible => {
            let found = &read_shared_typedef(ctx)?.def.registration;
            if found != registration {
                return Err(enum_mismatch::<T>(found, pos));
            }
            true
        }
        tid::NAMED_ENUM => {
            let (namespace, typename) =
                meta_string::read_inline_names(&mut ctx.meta_strings, &mut ctx.r)?;
            let found = Registration::Name {
                namespace,
                typename,
            };
            if found != *registration {
                return Err(enum_mismatch::<T>(&found, pos));
            }
            true
        }
        _ => false,
    };
    if !ok {
        let found = Registration::Name {
            namespace: String::new(),
            typename: tid::name(id as u32).unwrap_or("?").into(),
        };
        return Err(enum_mismatch::<T>(&found, pos));
    }
    Ok(id)
}

#[cold]
fn enum_mismatch<T: ForyEnum>(found: &Registration, offset: usize) -> Error {
    Error::TypeMismatch {
        expected: T::NAME.into(),
        found: format!("{found:?}").into(),
        offset,
    }
}

/// Reads an enum body (its wire value) and checks it is one `T` declares.
pub fn read_enum_value<T: ForyEnum>(ctx: &mut ReadContext<'_>, known: &[u32]) -> Result<u32> {
    let pos = ctx.reader().pos();
    let v = ctx.reader().var_u32()?;
    if !known.contains(&v) {
        return Err(Error::invalid(
            pos,
            format!("{} has no variant with value {v}", T::NAME),
        ));
    }
    Ok(v)
}

/// The two kinds of types whose bodies a schema does not describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpaqueKind {
    /// EXT / NAMED_EXT (TypeDef kind 3 when named).
    Ext,
    /// TYPED_UNION / NAMED_UNION (TypeDef kind 5 when named).
    Union,
}

impl OpaqueKind {
    fn ids(self) -> (TypeId, TypeId, u8) {
        match self {
            OpaqueKind::Ext => (tid::EXT, tid::NAMED_EXT, 3),
            OpaqueKind::Union => (tid::TYPED_UNION, tid::NAMED_UNION, 5),
        }
    }
}

/// Writes the type meta of an extension type (plugin types such as
/// n-dimensional arrays): `EXT + id`, or `NAMED_EXT` + names (a TypeDef of
/// kind NAMED_EXT in compatible mode). `key` identifies the type for meta share.
pub fn write_ext_meta(
    ctx: &mut WriteContext<'_, '_>,
    key: &'static str,
    registration: &Registration,
) -> Result<()> {
    write_opaque_meta(ctx, key, registration, OpaqueKind::Ext)
}

/// Writes EXT/UNION type meta: `+ id`, or names (a TypeDef in compatible mode).
pub fn write_opaque_meta(
    ctx: &mut WriteContext<'_, '_>,
    key: &'static str,
    registration: &Registration,
    kind: OpaqueKind,
) -> Result<()> {
    let (by_id, by_name, typedef_kind) = kind.ids();
    match registration {
        Registration::Id(id) => {
            let mut w = ctx.writer();
            w.u8(by_id);
            w.var_u32(*id);
        }
        Registration::Name {
            namespace,
            typename,
        } => {
            ctx.writer().u8(by_name);
            if ctx.config().compatible {
                if let Some(&idx) = ctx.meta_share.get(key) {
                    ctx.writer().var_u32((idx << 1) | 1);
                    return Ok(());
                }
                let idx = ctx.meta_share.len() as u32;
                ctx.meta_share.insert(std::borrow::Cow::Borrowed(key), idx);
                let bytes = TypeDef {
                    kind: TypeDefKind::Other(typedef_kind),
                    registration: registration.clone(),
                    fields: vec![],
                }
                .encode()?;
                let mut w = ctx.writer();
                w.var_u32(idx << 1);
                w.bytes(&bytes);
            } else {
                ctx.write_inline_names(namespace, typename)?;
            }
        }
    }
    Ok(())
}

/// Reads extension type meta and checks it names `registration`.
pub fn read_ext_meta(
    ctx: &mut ReadContext<'_>,
    expected: &str,
    registration: &Registration,
) -> Result<TypeId> {
    read_opaque_meta(ctx, expected, registration, OpaqueKind::Ext)
}

/// Reads EXT/UNION type meta and checks it names `registration`.
pub fn read_opaque_meta(
    ctx: &mut ReadContext<'_>,
    expected: &str,
    registration: &Registration,
    kind: OpaqueKind,
) -> Result<TypeId> {
    let (by_id, by_name, _) = kind.ids();
    let pos = ctx.reader().pos();
    let id = ctx.reader().u8()?;
    let found = if id == by_id {
        Registration::Id(ctx.reader().var_u32()?)
    } else if id == by_name && ctx.config().compatible {
        read_shared_typedef(ctx)?.def.registration.clone()
    } else if id == by_name {
        let (namespace, typename) =
            meta_string::read_inline_names(&mut ctx.meta_strings, &mut ctx.r)?;
        Registration::Name {
            namespace,
            typename,
        }
    } else {
        return Err(Error::TypeMismatch {
            expected: expected.to_string().into(),
            found: tid::name(id as u32).unwrap_or("an unknown type id").into(),
            offset: pos,
        });
    };
    if &found != registration {
        return Err(Error::TypeMismatch {
            expected: expected.to_string().into(),
            found: format!("{found:?}").into(),
            offset: pos,
        });
    }
    Ok(id)
}

/// A data-carrying enum (xlang UNION) that derived code describes.
pub trait ForyUnion {
    /// The registered full name.
    const NAME: &'static str;
    /// How it is registered.
    fn registration() -> Registration;
}

/// Writes a union body: the case id, then the case value with its ref flag and type meta.
pub fn write_union_case<'a, T: Serialize>(
    case: u32,
    v: &'a T,
    ctx: &mut WriteContext<'a, '_>,
) -> Result<()> {
    ctx.writer().var_u32(case);
    ctx.enter()?;
    super::write_full(v, ctx)?;
    ctx.leave();
    Ok(())
}

/// Reads the case id of a union body.
pub fn read_union_case(ctx: &mut ReadContext<'_>) -> Result<(u32, usize)> {
    let pos = ctx.reader().pos();
    Ok((ctx.reader().var_u32()?, pos))
}

/// Reads a union case value (ref flag, type meta, body).
pub fn read_union_value<'de, T: Deserialize<'de>>(ctx: &mut ReadContext<'de>) -> Result<T> {
    ctx.enter()?;
    let v = read_full(ctx);
    ctx.leave();
    v
}
