//! `Value` inside typed values: an `any` field of a derived struct, elements
//! of `Vec<Value>`, map values. The typed context lends its state (stream
//! position, reference ids, meta-share and meta-string tables, buffers) to
//! the dynamic codec for the duration of one value, so both agree on every
//! id in the stream.

use std::sync::Arc;

use super::structs::RemoteStruct;
use super::{Deserialize, Flag, ForyType, ReadContext, Serialize, WriteContext};
use crate::dynamic::decode::{self, Decoder, InputBuffer};
use crate::dynamic::encode::{self, Encoder};
use crate::error::{Error, Result};
use crate::schema::{FieldType, TypeExpr};
use crate::value::Value;
use crate::wire::ref_flag;
use crate::wire::type_id::{self as tid, TypeId};

impl<'a> WriteContext<'a, '_> {
    /// Runs `f` with the dynamic encoder continuing this write.
    pub(crate) fn with_value_encoder<R>(
        &mut self,
        f: impl FnOnce(&mut Encoder<'_, 'a, '_>) -> Result<R>,
    ) -> Result<R> {
        let reg = self.reg;
        let lent = encode::Lent {
            out: std::mem::take(&mut self.out),
            meta_share: std::mem::take(&mut self.meta_share),
            meta_strings: std::mem::take(&mut self.meta_strings),
            next_ref: self.next_ref,
            forced_inband: self.forced_inband,
            depth: self.depth(),
        };
        let cb = self.callback.as_mut().map(|c| {
            &mut **c as &mut dyn FnMut(crate::oob::BufferObject<'a>) -> crate::oob::Placement
        });
        let mut e = Encoder::lent(lent, reg.schema(), *self.cfg, cb);
        let r = f(&mut e);
        let back = e.give_back();
        self.out = back.out;
        self.meta_share = back.meta_share;
        self.meta_strings = back.meta_strings;
        self.next_ref = back.next_ref;
        r
    }
}

impl<'de> ReadContext<'de> {
    /// Runs `f` with the dynamic decoder continuing this read.
    pub(crate) fn with_value_decoder(
        &mut self,
        f: impl FnOnce(&mut Decoder<'de, '_>) -> Result<Value>,
    ) -> Result<Value> {
        let reg = self.reg;
        let bufs: Vec<InputBuffer<'de>> = self
            .buffers
            .iter()
            .enumerate()
            .map(|(i, b)| match self.shared.get(i) {
                Some(s) => InputBuffer::Shared(s.clone()),
                None => InputBuffer::Borrowed(b),
            })
            .collect();
        let known = self.typedefs.len();
        let lent = decode::Lent {
            r: self.r.clone(),
            oob: self.oob,
            next_buffer: self.next_buffer,
            meta_strings: std::mem::take(&mut self.meta_strings),
            typedefs: self.typedefs.iter().map(|t| t.def.clone()).collect(),
            ref_count: self.refs.len() as u32,
            depth: self.depth(),
        };
        let mut d = Decoder::lent(lent, reg.schema(), *self.cfg, &bufs);
        let r = f(&mut d);
        let (back, referenced) = d.give_back(known);
        self.r = back.r;
        self.next_buffer = back.next_buffer;
        self.meta_strings = back.meta_strings;
        for def in back.typedefs {
            self.typedefs
                .push(super::structs::TypeDefRef::Shared(Arc::new(
                    RemoteStruct::new(def),
                )));
        }
        while (self.refs.len() as u32) < back.ref_count {
            self.refs.push(None);
        }
        r.map(|v| decode::prune_shared(v, &referenced))
    }
}

/// `Value` is the `any` type: its wire type is whatever the value is.
impl ForyType for Value {
    fn type_id() -> TypeId {
        tid::UNKNOWN
    }
    fn field_type() -> FieldType {
        FieldType::new(TypeExpr::Any)
    }
    fn trackable() -> bool {
        true
    }
    fn declarable() -> bool {
        false
    }
    fn heterogeneous() -> bool {
        true
    }
}

impl Serialize for Value {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        ctx.with_value_encoder(|e| e.lent_write_body(self))
    }

    fn write_flag(&self, ctx: &mut WriteContext<'_, '_>) -> Result<bool> {
        match self {
            Value::Null => {
                ctx.writer().u8(ref_flag::NULL);
                Ok(false)
            }
            Value::Ref(_) => Err(Error::encode(
                "a Value::Ref cannot stand alone in a typed value",
            )),
            v => {
                if ctx.config().ref_tracking && encode::trackable_type_id(v.unshared().type_id()) {
                    ctx.writer().u8(ref_flag::REF_VALUE);
                    ctx.reserve_ref();
                } else {
                    ctx.writer().u8(ref_flag::NOT_NULL);
                }
                Ok(true)
            }
        }
    }

    fn write_type_meta(_ctx: &mut WriteContext<'_, '_>) -> Result<()> {
        Err(Error::encode(
            "the type meta of a Value depends on the value",
        ))
    }

    fn write_type_meta_of<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        ctx.with_value_encoder(|e| e.lent_write_type_meta(self.unshared()))
    }

    fn write_meta_and_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        ctx.with_value_encoder(|e| e.lent_write(self.unshared(), 0))
    }

    fn is_none(&self) -> bool {
        self.is_null()
    }

    fn trackable_instance(&self) -> bool {
        encode::trackable_type_id(self.unshared().type_id())
    }
}

fn wrap(flag: Flag, v: Value) -> Value {
    match flag {
        Flag::NewRef(slot) => Value::Shared(slot as u32, Box::new(v)),
        _ => v,
    }
}

impl<'de> Deserialize<'de> for Value {
    fn accepts(_id: TypeId) -> bool {
        true
    }

    fn read_meta(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
        let mut rt = None;
        ctx.with_value_decoder(|d| {
            rt = Some(d.lent_read_type_meta()?);
            Ok(Value::Null)
        })?;
        ctx.value_meta = rt;
        Ok(tid::UNKNOWN)
    }

    fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
        let pos = ctx.reader().pos();
        let rt = ctx
            .value_meta
            .clone()
            .ok_or_else(|| Error::invalid(pos, "a Value body without its type meta"))?;
        ctx.with_value_decoder(|d| d.lent_read_body(&rt))
    }

    fn read_after_flag(ctx: &mut ReadContext<'de>, flag: Flag, id: TypeId) -> Result<Self> {
        match flag {
            Flag::Ref(r) => Ok(Value::Ref(r as u32)),
            f => Self::read_body(ctx, id).map(|v| wrap(f, v)),
        }
    }

    fn read_meta_and_body(ctx: &mut ReadContext<'de>, flag: Flag) -> Result<Self> {
        ctx.with_value_decoder(|d| {
            let rt = d.lent_read_type_meta()?;
            d.lent_read_body(&rt)
        })
        .map(|v| wrap(flag, v))
    }

    fn from_null(_ctx: &ReadContext<'de>) -> Result<Self> {
        Ok(Value::Null)
    }
}
