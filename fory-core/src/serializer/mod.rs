//! Typed serialization: Rust values written and read without going through
//! [`Value`](crate::Value).
//!
//! [`Serialize`] writes a body, [`Deserialize`] reads one; both know their
//! Fory type id so the root and dynamic positions carry type meta. Reading is
//! lenient where the format allows: an `i64` accepts every integer encoding,
//! a `Vec<i64>` accepts a dense `INT64_ARRAY` or a `LIST`.

mod collections;
pub use collections::List;
mod impls;
pub mod skip;
pub mod structs;
pub mod types;
mod value_impl;

use std::any::Any;
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::oob::{BufferObject, Placement};
use crate::wire::type_id::TypeId;
use crate::wire::{ref_flag, Reader, Run, Writer};
use crate::Config;

/// Per-call write state.
pub struct WriteContext<'a, 'cb> {
    out: Vec<u8>,
    cfg: &'cb Config,
    pub(crate) reg: &'cb crate::registry::Registry,
    pub(crate) meta_share: crate::registry::MetaShareTable,
    pub(crate) meta_strings: crate::wire::meta_string::InlineWriteTable,
    refs: rustc_hash::FxHashMap<usize, u32>,
    next_ref: u32,
    callback: Option<&'cb mut dyn FnMut(BufferObject<'a>) -> Placement>,
    /// A buffer callback exists but cannot see the buffers being written (a
    /// value behind a `RefCell` borrow): buffer objects go in-band, flagged.
    forced_inband: bool,
    /// Nesting levels left before `Limits::max_depth` (counting down keeps
    /// the configuration off the per-value path).
    depth_left: usize,
}

impl<'a, 'cb> WriteContext<'a, 'cb> {
    /// Runs `f` on a context whose buffers need not outlive this call (values
    /// behind a `RefCell` borrow). Its buffer objects are written in-band
    /// (with the in-band flag when a callback is active), never offered.
    pub fn with_detached<'b: 'c, 'c, R>(
        &mut self,
        f: impl FnOnce(&mut WriteContext<'b, 'c>) -> R,
    ) -> R
    where
        'cb: 'c,
    {
        let mut inner = WriteContext {
            out: std::mem::take(&mut self.out),
            cfg: self.cfg,
            reg: self.reg,
            meta_share: std::mem::take(&mut self.meta_share),
            meta_strings: std::mem::take(&mut self.meta_strings),
            refs: std::mem::take(&mut self.refs),
            next_ref: self.next_ref,
            callback: None,
            forced_inband: self.forced_inband || self.callback.is_some(),
            depth_left: self.depth_left,
        };
        let r = f(&mut inner);
        self.out = inner.out;
        self.meta_share = inner.meta_share;
        self.meta_strings = inner.meta_strings;
        self.refs = inner.refs;
        self.next_ref = inner.next_ref;
        r
    }

    #[inline(always)]
    pub(crate) fn new(
        out: Vec<u8>,
        cfg: &'cb Config,
        reg: &'cb crate::registry::Registry,
        callback: Option<&'cb mut dyn FnMut(BufferObject<'a>) -> Placement>,
    ) -> Self {
        WriteContext {
            out,
            cfg,
            reg,
            meta_share: Default::default(),
            meta_strings: Default::default(),
            refs: Default::default(),
            next_ref: 0,
            callback,
            forced_inband: false,
            depth_left: cfg.limits.max_depth,
        }
    }

    pub(crate) fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// A writer appending to the stream.
    #[inline(always)]
    pub fn writer(&mut self) -> Writer<'_> {
        Writer::new(&mut self.out)
    }

    /// The wire settings.
    #[inline(always)]
    pub fn config(&self) -> &Config {
        self.cfg
    }

    /// Whether a buffer callback is active (buffer objects carry an in-band flag).
    pub fn out_of_band(&self) -> bool {
        self.callback.is_some() || self.forced_inband
    }

    /// Writes a buffer object: plain `len + bytes` without a callback; with
    /// one, offers it (borrowing `data`, no copy) and writes the in-band flag,
    /// plus the bytes when the callback keeps it in-band.
    pub fn write_buffer(&mut self, data: &'a [u8]) -> Result<()> {
        let len =
            u32::try_from(data.len()).map_err(|_| Error::encode("buffer larger than 4 GiB"))?;
        let placement = match self.callback.as_mut() {
            Some(cb) => Some(cb(BufferObject::from_slice(data))),
            None if self.forced_inband => Some(Placement::InBand),
            None => None,
        };
        let mut w = self.writer();
        match placement {
            None => {
                w.var_u32(len);
                w.bytes(data);
            }
            Some(Placement::InBand) => {
                w.u8(1);
                w.var_u32(len);
                w.bytes(data);
            }
            Some(Placement::OutOfBand) => w.u8(0),
        }
        Ok(())
    }

    /// Writes any [`OutOfBand`](crate::OutOfBand) object (plugin types, non-contiguous data):
    /// the callback sees it as a [`BufferObject`]; in-band bytes are streamed
    /// into the output with `write_to`, without a second full copy.
    pub fn write_buffer_object(&mut self, obj: &'a dyn crate::OutOfBand) -> Result<()> {
        let len = u32::try_from(obj.total_bytes())
            .map_err(|_| Error::encode("buffer larger than 4 GiB"))?;
        let placement = match self.callback.as_mut() {
            Some(cb) => Some(cb(BufferObject::from_dyn(obj))),
            None if self.forced_inband => Some(Placement::InBand),
            None => None,
        };
        match placement {
            Some(Placement::OutOfBand) => {
                self.writer().u8(0);
                return Ok(());
            }
            Some(Placement::InBand) => self.writer().u8(1),
            None => {}
        }
        self.writer().var_u32(len);
        let before = self.out.len();
        self.out.reserve(len as usize);
        obj.write_to(&mut self.out)
            .map_err(|e| Error::encode(format!("buffer object write_to failed: {e}")))?;
        if self.out.len() - before != len as usize {
            return Err(Error::encode(
                "buffer object wrote a different number of bytes than total_bytes()",
            ));
        }
        Ok(())
    }

    /// Writes a ref flag for a shared object at `ptr`; returns true when the
    /// body must follow (first occurrence).
    pub fn write_ref(&mut self, ptr: usize) -> bool {
        if let Some(&id) = self.refs.get(&ptr) {
            let mut w = self.writer();
            w.u8(ref_flag::REF);
            w.var_u32(id);
            return false;
        }
        self.refs.insert(ptr, self.next_ref);
        self.next_ref += 1;
        self.writer().u8(ref_flag::REF_VALUE);
        true
    }

    /// Counts a tracked object that is never shared (ids stay in step with readers).
    pub fn reserve_ref(&mut self) {
        self.next_ref += 1;
    }

    /// Writes a named type's namespace and type name as inline meta strings
    /// (schema-consistent mode), each once per stream.
    pub(crate) fn write_inline_names(&mut self, namespace: &str, typename: &str) -> Result<()> {
        use crate::wire::meta_string::{write_inline, Context};
        let mut w = Writer::new(&mut self.out);
        write_inline(
            &mut self.meta_strings,
            &mut w,
            namespace,
            Context::Namespace,
        )?;
        write_inline(&mut self.meta_strings, &mut w, typename, Context::TypeName)
    }

    #[inline(always)]
    pub(crate) fn enter(&mut self) -> Result<()> {
        if self.depth_left == 0 {
            return Err(self.depth_error());
        }
        self.depth_left -= 1;
        Ok(())
    }

    #[cold]
    fn depth_error(&self) -> Error {
        Error::DepthLimit {
            limit: self.cfg.limits.max_depth,
            offset: self.out.len(),
        }
    }

    #[inline(always)]
    pub(crate) fn leave(&mut self) {
        self.depth_left += 1;
    }

    /// How deep the value being written is (root = 0).
    pub(crate) fn depth(&self) -> usize {
        self.cfg.limits.max_depth - self.depth_left
    }
}

/// Per-call read state; `'de` is the lifetime of the stream and buffers.
pub struct ReadContext<'de> {
    r: Reader<'de>,
    cfg: &'de Config,
    oob: bool,
    buffers: Vec<&'de [u8]>,
    next_buffer: usize,
    shared: &'de [bytes::Bytes],
    refs: Vec<Option<Rc<dyn Any>>>,
    /// Nesting levels left before `Limits::max_depth`.
    depth_left: usize,
    pub(crate) reg: &'de crate::registry::Registry,
    pub(crate) typedefs: smallvec::SmallVec<[structs::TypeDefRef<'de>; 4]>,
    pub(crate) meta_strings: Vec<(Vec<u8>, crate::wire::meta_string::Encoding)>,
    /// The TypeDef each struct type's bodies follow in this stream (few per stream: a list).
    pub(crate) current: smallvec::SmallVec<[(&'static str, structs::TypeDefRef<'de>); 4]>,
    /// The newest of them (not in `current`, which holds the older ones).
    pub(crate) last: Option<(&'static str, structs::TypeDefRef<'de>)>,
    /// The type meta a `Value` element read last (shared by a same-type list or map chunk).
    pub(crate) value_meta: Option<crate::dynamic::decode::ReadType>,
}

/// Where a buffer object's bytes are.
#[derive(Debug, Clone, Copy)]
pub enum BufferRef<'de> {
    /// Inside the main stream.
    InBand(&'de [u8]),
    /// Supplied buffer number `index`.
    OutOfBand(usize, &'de [u8]),
}

impl<'de> BufferRef<'de> {
    /// The bytes.
    pub fn bytes(self) -> &'de [u8] {
        match self {
            BufferRef::InBand(b) | BufferRef::OutOfBand(_, b) => b,
        }
    }
}

impl<'de> ReadContext<'de> {
    /// The supplied buffer `i` as shared `Bytes`, when buffers were given as `Bytes`.
    pub fn shared_buffer(&self, i: usize) -> Option<&bytes::Bytes> {
        self.shared.get(i)
    }

    #[inline(always)]
    pub(crate) fn new(
        r: Reader<'de>,
        cfg: &'de Config,
        oob: bool,
        buffers: Vec<&'de [u8]>,
        shared: &'de [bytes::Bytes],
        reg: &'de crate::registry::Registry,
    ) -> Self {
        ReadContext {
            reg,
            typedefs: smallvec::SmallVec::new(),
            meta_strings: Vec::new(),
            current: smallvec::SmallVec::new(),
            last: None,
            value_meta: None,
            r,
            cfg,
            oob,
            buffers,
            next_buffer: 0,
            shared,
            refs: Vec::new(),
            depth_left: cfg.limits.max_depth,
        }
    }

    /// The reader.
    #[inline(always)]
    pub fn reader(&mut self) -> &mut Reader<'de> {
        &mut self.r
    }

    /// The wire settings.
    #[inline(always)]
    pub fn config(&self) -> &Config {
        self.cfg
    }

    #[inline]
    pub(crate) fn finish(&self) -> Result<()> {
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
        Ok(())
    }

    /// Reads a buffer object: borrowed from the stream (in-band) or from the
    /// next supplied buffer (out-of-band). Never copies.
    pub fn read_buffer(&mut self) -> Result<&'de [u8]> {
        self.read_buffer_ref().map(BufferRef::bytes)
    }

    /// Like [`ReadContext::read_buffer`], saying where the bytes are.
    pub fn read_buffer_ref(&mut self) -> Result<BufferRef<'de>> {
        let pos = self.r.pos();
        if self.oob {
            match self.r.u8()? {
                1 => {}
                0 => {
                    let i = self.next_buffer;
                    let b = *self.buffers.get(i).ok_or_else(|| {
                        Error::oob(format!(
                            "the stream needs out-of-band buffer #{i} (offset {pos}) but only {} were supplied",
                            self.buffers.len()
                        ))
                    })?;
                    self.next_buffer += 1;
                    return Ok(BufferRef::OutOfBand(i, b));
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
        Ok(BufferRef::InBand(self.r.take(len)?))
    }

    /// Reads a ref/null flag. `Ok(None)` = null.
    #[inline]
    pub fn read_flag(&mut self) -> Result<Option<Flag>> {
        let pos = self.r.pos();
        Ok(Some(match self.r.u8()? {
            ref_flag::NULL => return Ok(None),
            ref_flag::NOT_NULL => Flag::Value,
            ref_flag::REF_VALUE => {
                self.refs.push(None);
                Flag::NewRef(self.refs.len() - 1)
            }
            ref_flag::REF => {
                let id = self.r.var_u32()? as usize;
                if id >= self.refs.len() {
                    return Err(Error::InvalidRef {
                        id: id as u32,
                        known: self.refs.len(),
                        offset: pos,
                    });
                }
                Flag::Ref(id)
            }
            f => {
                return Err(Error::InvalidFlag {
                    what: "ref flag",
                    found: f,
                    offset: pos,
                })
            }
        }))
    }

    /// Records the object for a `REF_VALUE` id.
    pub fn set_ref(&mut self, id: usize, obj: Rc<dyn Any>) {
        if let Some(slot) = self.refs.get_mut(id) {
            *slot = Some(obj);
        }
    }

    /// The object behind a back-reference.
    pub fn get_ref(&self, id: usize) -> Option<Rc<dyn Any>> {
        self.refs.get(id).cloned().flatten()
    }

    #[inline(always)]
    pub(crate) fn enter(&mut self) -> Result<()> {
        if self.depth_left == 0 {
            return Err(self.depth_error());
        }
        self.depth_left -= 1;
        Ok(())
    }

    #[cold]
    fn depth_error(&self) -> Error {
        Error::DepthLimit {
            limit: self.cfg.limits.max_depth,
            offset: self.r.pos(),
        }
    }

    #[inline(always)]
    pub(crate) fn leave(&mut self) {
        self.depth_left += 1;
    }

    /// How deep the value being read is (root = 0).
    pub(crate) fn depth(&self) -> usize {
        self.cfg.limits.max_depth - self.depth_left
    }
}

/// What a ref flag said (non-null cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// `ff`: a value, not tracked.
    Value,
    /// `00`: a tracked value taking this id.
    NewRef(usize),
    /// `fe id`: a back-reference.
    Ref(usize),
}

/// A Rust type with a Fory wire type.
pub trait ForyType {
    /// Type id written as type meta.
    fn type_id() -> TypeId;
    /// The schema type of a field of this type (used for struct layouts,
    /// hashes and TypeDefs).
    fn field_type() -> crate::schema::FieldType {
        crate::schema::FieldType::new(crate::schema::TypeExpr::Scalar(Self::type_id()))
    }
    /// Whether a value of this type takes a reference id when tracking is on.
    fn trackable() -> bool {
        crate::dynamic::encode::trackable_type_id(Self::type_id())
    }
    /// The dense `*_ARRAY` type a `Vec<Self>` uses, if any.
    fn dense_array_type() -> Option<TypeId> {
        None
    }
    /// Writes a slice of this type as dense little-endian elements (numeric types only).
    fn write_dense(_items: &[Self], _w: &mut Writer<'_>)
    where
        Self: Sized,
    {
    }
    /// Reads dense little-endian elements (numeric types only).
    fn read_dense(_bytes: &[u8]) -> Vec<Self>
    where
        Self: Sized,
    {
        Vec::new()
    }
    /// Dense little-endian elements viewed in place, without a copy: `Some`
    /// on little-endian hosts when `bytes` is aligned for `Self` (numeric
    /// types), or when every byte is 0 or 1 (`bool`); `Cow<[Self]>` borrows
    /// through it.
    fn borrow_dense(_bytes: &[u8]) -> Option<&[Self]>
    where
        Self: Sized,
    {
        None
    }
    /// The slice as bytes, for `u8` (so `Vec<u8>` is a zero-copy buffer object).
    fn slice_as_bytes(_items: &[Self]) -> Option<&[u8]>
    where
        Self: Sized,
    {
        None
    }
    /// Whether values of this type have different wire types (`Value`): their
    /// type meta is written per value, never once for a collection.
    fn heterogeneous() -> bool {
        false
    }
    /// Whether a schema may declare this type as an element type (everything
    /// but structs, whose element type meta is always written).
    fn declarable() -> bool {
        true
    }
    /// Whether values always carry a ref flag in collections (Rc/Arc).
    fn always_tracked() -> bool {
        false
    }
}

/// Writes a value.
pub trait Serialize: ForyType {
    /// Writes the body (no flag, no type meta).
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()>;

    /// Writes the ref/null flag; returns whether type meta and body follow.
    #[inline]
    fn write_flag(&self, ctx: &mut WriteContext<'_, '_>) -> Result<bool> {
        if ctx.config().ref_tracking && Self::trackable() {
            ctx.writer().u8(ref_flag::REF_VALUE);
            ctx.reserve_ref();
        } else {
            ctx.writer().u8(ref_flag::NOT_NULL);
        }
        Ok(true)
    }

    /// Writes the type meta (one byte for internal types).
    fn write_type_meta(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
        ctx.writer().u8(Self::type_id());
        Ok(())
    }

    /// True for `None`.
    fn is_none(&self) -> bool {
        false
    }

    /// Writes this value's type meta and body (a dynamic position, after its flag).
    #[inline]
    fn write_meta_and_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        Self::write_type_meta(ctx)?;
        ctx.enter()?;
        self.write_body(ctx)?;
        ctx.leave();
        Ok(())
    }

    /// Whether this value takes a reference id when tracking is on (the
    /// type's answer, except for `Value`, whose answer depends on the value).
    fn trackable_instance(&self) -> bool {
        Self::trackable()
    }

    /// Writes this value's type meta (the same for all values of most types).
    fn write_type_meta_of<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        Self::write_type_meta(ctx)
    }

    /// Writes the body where the schema declares the type (a struct field or
    /// declared element): collections mark their element type as declared.
    fn write_field_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        self.write_body(ctx)
    }

    /// Writes the body as wire type `id` when a field declares another
    /// encoding than the type's default (`i32` as fixed `INT32`, a numeric
    /// `Vec` as a `LIST`). The default ignores `id`.
    fn write_as<'a>(&'a self, id: TypeId, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        let _ = id;
        self.write_field_body(ctx)
    }

    /// Writes the value as a leaf field of wire type `id` (a primitive or a
    /// string: no flag, no type meta) through a writer the caller keeps
    /// across several fields. Derived code calls it only for fields the
    /// runtime confirmed to be such leaves; other types keep this default,
    /// an error.
    #[doc(hidden)]
    #[inline(always)]
    fn write_leaf(&self, id: TypeId, w: &mut Writer<'_>) -> Result<()> {
        let _ = w;
        Err(not_a_leaf::<Self>(id))
    }

    /// The most bytes [`write_run`](Self::write_run) writes, whatever the
    /// wire type: derived code reserves the sum over a run of fixed-size
    /// fields once. Zero for types that are not such fields.
    #[doc(hidden)]
    const RUN_MAX: usize = 0;

    /// [`write_leaf`](Self::write_leaf) for a fixed-size leaf (a number or a
    /// bool) into bytes reserved for a whole run of fields.
    #[doc(hidden)]
    #[inline(always)]
    fn write_run(&self, id: TypeId, r: &mut Run<'_>) -> Result<()> {
        let _ = r;
        Err(not_a_leaf::<Self>(id))
    }
}

#[cold]
fn not_a_leaf<T: ?Sized>(id: TypeId) -> Error {
    Error::encode(format!(
        "{} is not a leaf field of wire type {id}",
        std::any::type_name::<T>()
    ))
}

/// Reads a value; `'de` is the lifetime of the stream and buffers it may borrow.
pub trait Deserialize<'de>: ForyType + Sized {
    /// Whether a value of wire type `type_id` can be read as `Self`.
    fn accepts(type_id: TypeId) -> bool {
        type_id == Self::type_id()
    }

    /// Reads this type's type meta (one byte for internal types; structs and
    /// enums read their id, names or TypeDef).
    fn read_meta(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
        read_internal_meta::<Self>(ctx)
    }

    /// Reads the body of a value whose wire type id is `type_id`.
    fn read_body(ctx: &mut ReadContext<'de>, type_id: TypeId) -> Result<Self>;

    /// Reads what follows a non-null flag (`Rc`/`Arc` resolve references here).
    fn read_after_flag(ctx: &mut ReadContext<'de>, flag: Flag, type_id: TypeId) -> Result<Self> {
        match flag {
            Flag::Ref(_) => Err(Error::TypeMismatch {
                expected: std::any::type_name::<Self>().into(),
                found: "a shared reference (read it as Rc/Arc)".into(),
                offset: ctx.reader().pos(),
            }),
            _ => Self::read_body(ctx, type_id),
        }
    }

    /// Reads type meta and body at a dynamic position, after a non-null flag.
    #[inline]
    fn read_meta_and_body(ctx: &mut ReadContext<'de>, flag: Flag) -> Result<Self> {
        let id = Self::read_meta(ctx)?;
        ctx.enter()?;
        let v = Self::read_after_flag(ctx, flag, id);
        ctx.leave();
        v
    }

    /// Reads a body into a new shared `Rc` that takes reference slot `slot`.
    /// The default reads first and shares after; `RefCell<T>` shares a
    /// placeholder first so the body can refer back to it (cycles).
    fn read_into_rc(ctx: &mut ReadContext<'de>, slot: usize, id: TypeId) -> Result<Rc<Self>>
    where
        Self: 'static,
    {
        let v = Rc::new(Self::read_body(ctx, id)?);
        ctx.set_ref(slot, Rc::new(v.clone()));
        Ok(v)
    }

    /// Reads a leaf field of wire type `id` (a primitive or a string: no
    /// flag, no type meta); the counterpart of [`Serialize::write_leaf`].
    #[doc(hidden)]
    #[inline(always)]
    fn read_leaf(r: &mut Reader<'de>, id: TypeId) -> Result<Self> {
        let _ = r;
        Err(not_a_leaf::<Self>(id))
    }

    /// The value of a null, for nullable types (`Option`).
    fn from_null(ctx: &ReadContext<'de>) -> Result<Self> {
        Err(Error::TypeMismatch {
            expected: std::any::type_name::<Self>().into(),
            found: "null".into(),
            offset: ctx.r.pos(),
        })
    }
}

/// Reads the type meta at a dynamic position and checks `T` accepts it.
pub fn read_type_meta<'de, T: Deserialize<'de>>(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
    T::read_meta(ctx)
}

/// The default one-byte type meta check.
pub fn read_internal_meta<'de, T: Deserialize<'de>>(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
    let pos = ctx.reader().pos();
    let id = ctx.reader().u8()?;
    if !T::accepts(id) {
        return Err(Error::TypeMismatch {
            expected: std::any::type_name::<T>().into(),
            found: crate::wire::type_id::name(id as u32)
                .unwrap_or("an unknown type id")
                .into(),
            offset: pos,
        });
    }
    Ok(id)
}

/// Reads flag + type meta + body (a root or dynamic position).
#[inline]
pub fn read_full<'de, T: Deserialize<'de>>(ctx: &mut ReadContext<'de>) -> Result<T> {
    match ctx.read_flag()? {
        None => T::from_null(ctx),
        Some(Flag::Ref(id)) => T::read_after_flag(ctx, Flag::Ref(id), T::type_id()),
        Some(flag) => T::read_meta_and_body(ctx, flag),
    }
}

/// Writes flag + type meta + body (a root or dynamic position).
#[inline]
pub fn write_full<'a, T: Serialize>(v: &'a T, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
    if v.write_flag(ctx)? {
        v.write_meta_and_body(ctx)?;
    }
    Ok(())
}
