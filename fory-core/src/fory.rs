//! The entry point: configuration, registered schemas, serialize / deserialize.

use bytes::Bytes;

use crate::dynamic::decode::{Decoder, InputBuffer};
use crate::dynamic::encode::Encoder;
use crate::dynamic::Config;
use crate::error::{Error, Result};
use crate::oob::{BufferObject, Placement};
use std::sync::Arc;

use crate::registry::Registry;
use crate::schema::{Schema, TypeDecl};
use crate::serializer::structs::{ForyEnum, ForyStruct};
use crate::serializer::{read_full, write_full, Deserialize, ReadContext, Serialize, WriteContext};
use crate::value::Value;
use crate::wire::{header, Reader};

/// [`Fory::serialize`] starts its output vector at the size of the instance's
/// previous result, but at most this many bytes (past it, the vector grows).
pub const MAX_INITIAL_CAPACITY: usize = 64 * 1024;

/// Bytes [`Fory::serialize`] adds to the previous result's size for the
/// next one's starting capacity.
pub const OUTPUT_SLACK: usize = 256;

/// A configured Fory instance. Cheap to clone and share (`Send + Sync`).
#[derive(Debug, Clone)]
pub struct Fory {
    cfg: Config,
    reg: Arc<Registry>,
    /// A registration problem found at build time, reported by every call.
    broken: Option<Error>,
}

impl Default for Fory {
    fn default() -> Self {
        Fory::builder().build()
    }
}

/// Builds a [`Fory`].
#[derive(Debug, Clone, Default)]
pub struct ForyBuilder {
    cfg: Config,
    schema: Schema,
}

impl ForyBuilder {
    /// Reference tracking (default off, as in pyfory).
    pub fn ref_tracking(mut self, on: bool) -> Self {
        self.cfg.ref_tracking = on;
        self
    }

    /// Compatible mode (default on, as in pyfory xlang).
    pub fn compatible(mut self, on: bool) -> Self {
        self.cfg.compatible = on;
        self
    }

    /// Deepest nesting accepted (default 100); a shorthand for that one
    /// field of [`ForyBuilder::limits`].
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.cfg.limits.max_depth = depth;
        self
    }

    /// Resource limits for decoding (see [`Limits`](crate::Limits); the
    /// defaults are safe for untrusted input).
    pub fn limits(mut self, limits: crate::limits::Limits) -> Self {
        self.cfg.limits = limits;
        self
    }

    /// Uses `schema` for user types.
    pub fn schema(mut self, schema: Schema) -> Self {
        self.schema = schema;
        self
    }

    /// Registers one struct or enum description.
    pub fn register(mut self, decl: TypeDecl) -> Result<Self> {
        self.schema.add(decl)?;
        Ok(self)
    }

    /// Registers a struct type (derived or hand-written [`ForyStruct`]).
    pub fn register_struct<T: ForyStruct>(mut self) -> Result<Self> {
        self.schema.add(TypeDecl::Struct(T::decl()?))?;
        Ok(self)
    }

    /// Registers an extension type (plugin handlers: n-dimensional arrays,
    /// pickle buffers), so that duplicate ids or names are detected.
    pub fn register_ext(mut self, decl: crate::schema::ExtDecl) -> Result<Self> {
        self.schema.add(TypeDecl::Ext(decl))?;
        Ok(self)
    }

    /// Registers a data-carrying enum (xlang UNION).
    pub fn register_union<T: crate::serializer::structs::ForyUnion>(mut self) -> Result<Self> {
        self.schema.add(TypeDecl::Ext(crate::schema::ExtDecl {
            name: T::NAME.to_string(),
            registration: T::registration(),
        }))?;
        Ok(self)
    }

    /// Registers every type that submitted itself at compile time (derived
    /// types with an `id` or a `name`, plugin handlers). Two types claiming
    /// the same id or name are an error naming both.
    pub fn register_all(mut self) -> Result<Self> {
        for r in crate::registry::compile_time_registrations() {
            if self.schema.get(r.name).is_some() {
                continue;
            }
            self = (r.register)(self)?;
        }
        Ok(self)
    }

    /// Registers a unit enum type (derived or hand-written [`ForyEnum`]).
    pub fn register_enum<T: ForyEnum>(mut self) -> Result<Self> {
        self.schema.add(TypeDecl::Enum(T::decl()))?;
        Ok(self)
    }

    /// The configured instance. A schema that refers to undeclared types
    /// makes every later call return that error.
    pub fn build(self) -> Fory {
        let built = self
            .schema
            .validate()
            .and_then(|_| Registry::new(self.schema.clone(), self.cfg));
        match built {
            Ok(reg) => Fory {
                cfg: self.cfg,
                reg: Arc::new(reg),
                broken: None,
            },
            Err(e) => Fory {
                cfg: self.cfg,
                reg: Arc::new(Registry::new(Schema::new(), self.cfg).unwrap_or_default()),
                broken: Some(e),
            },
        }
    }
}

impl Fory {
    /// A builder with pyfory's xlang defaults (compatible, no ref tracking).
    pub fn builder() -> ForyBuilder {
        ForyBuilder::default()
    }

    #[inline(always)]
    fn check(&self) -> Result<()> {
        match &self.broken {
            Some(e) => Err(Self::broken_error(e)),
            None => Ok(()),
        }
    }

    #[cold]
    #[inline(never)]
    fn broken_error(e: &Error) -> Error {
        e.clone()
    }

    /// The wire settings.
    pub fn config(&self) -> Config {
        self.cfg
    }

    /// The registered user types.
    pub fn schema(&self) -> &Schema {
        self.reg.schema()
    }

    /// Whether the derived code of struct `name` runs its straight-line
    /// path with this instance: `Some(true)` when the wire order the derive
    /// worked out at compile time matched the schema's, `Some(false)` when
    /// it fell back to its field loop (a field type the macro could not
    /// see through, such as an alias of `i32`), `None` before the struct's
    /// first use or for a struct without derived code. A diagnostic for
    /// tests and profiling; the bytes are the same either way.
    pub fn straight_line(&self, name: &str) -> Option<bool> {
        self.reg.compiled(name).ok()?.static_order_used()
    }

    /// Serializes a dynamic value.
    pub fn serialize_value(&self, v: &Value) -> Result<Vec<u8>> {
        self.check()?;
        let mut enc = Encoder::new(Vec::new(), self.reg.schema(), self.cfg, None);
        enc.write_root(v)?;
        Ok(enc.out)
    }

    /// Serializes a dynamic value, offering every buffer object to `callback`.
    pub fn serialize_value_with_callback<'v>(
        &self,
        v: &'v Value,
        mut callback: impl FnMut(BufferObject<'v>) -> Placement,
    ) -> Result<Vec<u8>> {
        self.check()?;
        let cb: &mut dyn FnMut(BufferObject<'v>) -> Placement = &mut callback;
        let mut enc = Encoder::new(Vec::new(), self.reg.schema(), self.cfg, Some(cb));
        enc.write_root(v)?;
        Ok(enc.out)
    }

    /// Deserializes a stream written without a buffer callback.
    pub fn deserialize_value(&self, data: &[u8]) -> Result<Value> {
        self.check()?;
        Decoder::new(data, self.reg.schema(), self.cfg, None)?.read_root()
    }

    /// Deserializes a stream written with a buffer callback, consuming
    /// `buffers` in order (binary values copy out of borrowed buffers).
    pub fn deserialize_value_with_buffers<B: AsRef<[u8]>>(
        &self,
        data: &[u8],
        buffers: &[B],
    ) -> Result<Value> {
        self.check()?;
        let bufs: Vec<InputBuffer<'_>> = buffers
            .iter()
            .map(|b| InputBuffer::Borrowed(b.as_ref()))
            .collect();
        Decoder::new(data, self.reg.schema(), self.cfg, Some(&bufs))?.read_root()
    }

    /// Like [`Fory::deserialize_value_with_buffers`], but binary values share
    /// the supplied `Bytes` instead of copying them.
    pub fn deserialize_value_with_shared_buffers(
        &self,
        data: &[u8],
        buffers: &[Bytes],
    ) -> Result<Value> {
        self.check()?;
        let bufs: Vec<InputBuffer<'_>> = buffers
            .iter()
            .map(|b| InputBuffer::Shared(b.clone()))
            .collect();
        Decoder::new(data, self.reg.schema(), self.cfg, Some(&bufs))?.read_root()
    }
}

impl Fory {
    /// Serializes a typed value.
    ///
    /// The output vector starts at the size of this instance's previous
    /// result plus [`OUTPUT_SLACK`] (at most [`MAX_INITIAL_CAPACITY`]), so
    /// values of a steady size get one allocation, no regrowth and no copy
    /// (the slack covers what runs of fields reserve for their worst case);
    /// a result much smaller than its vector (after a larger one) is shrunk
    /// to fit.
    pub fn serialize<T: Serialize>(&self, value: &T) -> Result<Vec<u8>> {
        let hint = self
            .reg
            .out_len_hint
            .load(std::sync::atomic::Ordering::Relaxed);
        let mut out = Vec::with_capacity((hint + OUTPUT_SLACK).min(MAX_INITIAL_CAPACITY));
        self.serialize_into(value, &mut out)?;
        let len = out.len();
        if len != hint {
            self.reg
                .out_len_hint
                .store(len, std::sync::atomic::Ordering::Relaxed);
        }
        if out.capacity() > 2 * (len + OUTPUT_SLACK) {
            out.shrink_to_fit();
        }
        Ok(out)
    }

    /// Serializes a typed value, appending to `out`.
    #[inline]
    pub fn serialize_into<T: Serialize>(&self, value: &T, out: &mut Vec<u8>) -> Result<()> {
        self.check()?;
        let mut ctx = WriteContext::new(std::mem::take(out), &self.cfg, &self.reg, None);
        ctx.writer().u8(header::XLANG);
        write_full(value, &mut ctx)?;
        *out = ctx.finish();
        Ok(())
    }

    /// Serializes a typed value, offering every buffer object to `callback`
    /// (which borrows the value's memory: nothing is copied for out-of-band buffers).
    pub fn serialize_with_callback<'a, T: Serialize>(
        &self,
        value: &'a T,
        mut callback: impl FnMut(BufferObject<'a>) -> Placement,
    ) -> Result<Vec<u8>> {
        self.check()?;
        let cb: &mut dyn FnMut(BufferObject<'a>) -> Placement = &mut callback;
        let mut ctx = WriteContext::new(Vec::new(), &self.cfg, &self.reg, Some(cb));
        ctx.writer().u8(header::XLANG | header::OUT_OF_BAND);
        write_full(value, &mut ctx)?;
        Ok(ctx.finish())
    }

    /// Deserializes a typed value from a stream written without a callback.
    ///
    /// The value may borrow from `data` (`&'de [u8]`, `&'de str` fields).
    /// The instance is borrowed for the same lifetime: the read uses its
    /// registry in place, without reference counting per call or per struct.
    /// Owned types (`T: for<'a> Deserialize<'a>`) are unaffected.
    pub fn deserialize<'de, T: Deserialize<'de>>(&'de self, data: &'de [u8]) -> Result<T> {
        self.deserialize_inner(data, None, &[])
    }

    /// Deserializes a typed value, consuming out-of-band `buffers` in order.
    /// Borrowed fields (`&[u8]`, `Cow<[u8]>`) point into the buffers.
    pub fn deserialize_with_buffers<'de, T: Deserialize<'de>, B: AsRef<[u8]>>(
        &'de self,
        data: &'de [u8],
        buffers: &'de [B],
    ) -> Result<T> {
        let bufs: Vec<&'de [u8]> = buffers.iter().map(|b| b.as_ref()).collect();
        self.deserialize_inner(data, Some(bufs), &[])
    }

    /// Like [`Fory::deserialize_with_buffers`] with `Bytes` buffers: `Bytes`
    /// fields share them (reference-counted, no copy); borrowed fields point into them.
    pub fn deserialize_with_shared_buffers<'de, T: Deserialize<'de>>(
        &'de self,
        data: &'de [u8],
        buffers: &'de [Bytes],
    ) -> Result<T> {
        let bufs: Vec<&'de [u8]> = buffers.iter().map(|b| b.as_ref()).collect();
        self.deserialize_inner(data, Some(bufs), buffers)
    }

    #[inline]
    fn deserialize_inner<'de, T: Deserialize<'de>>(
        &'de self,
        data: &'de [u8],
        buffers: Option<Vec<&'de [u8]>>,
        shared: &'de [Bytes],
    ) -> Result<T> {
        self.check()?;
        let extra = match &buffers {
            Some(b) => {
                self.cfg.limits.check_buffers(b.len())?;
                b.iter().fold(0usize, |n, b| n.saturating_add(b.len()))
            }
            None => 0,
        };
        let mut r = Reader::with_limits(data, self.cfg.limits, extra);
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
                    "the stream was written with a buffer callback: pass its out-of-band buffers",
                ))
            }
            (false, true) => {
                return Err(Error::oob(
                    "buffers were supplied for a stream written without a buffer callback",
                ))
            }
            _ => {}
        }
        let mut ctx = ReadContext::new(
            r,
            &self.cfg,
            oob,
            buffers.unwrap_or_default(),
            shared,
            &self.reg,
        );
        let v = read_full::<T>(&mut ctx)?;
        ctx.finish()?;
        Ok(v)
    }
}
