//! Scalars, strings, buffers, `Option`, `Box`, `Rc`, `Arc`.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use half::{bf16, f16};

use super::{Deserialize, Flag, ForyType, ReadContext, Serialize, WriteContext};
use crate::error::{Error, Result};
use crate::wire::ref_flag;
use crate::wire::type_id::{self as tid, TypeId};

fn is_int(id: TypeId) -> bool {
    (tid::INT8..=tid::TAGGED_UINT64).contains(&id)
}

/// Reads any integer encoding as i128.
fn read_any_int(r: &mut crate::wire::Reader<'_>, id: TypeId) -> Result<i128> {
    Ok(match id {
        tid::INT8 => r.i8()? as i128,
        tid::INT16 => r.i16()? as i128,
        tid::INT32 => r.i32()? as i128,
        tid::VARINT32 => r.var_i32()? as i128,
        tid::INT64 => r.i64()? as i128,
        tid::VARINT64 => r.var_i64()? as i128,
        tid::TAGGED_INT64 => r.tagged_i64()? as i128,
        tid::UINT8 => r.u8()? as i128,
        tid::UINT16 => r.u16()? as i128,
        tid::UINT32 => r.u32()? as i128,
        tid::VAR_UINT32 => r.var_u32()? as i128,
        tid::UINT64 => r.u64()? as i128,
        tid::VAR_UINT64 => r.var_u64()? as i128,
        tid::TAGGED_UINT64 => r.tagged_u64()? as i128,
        other => return Err(Error::type_id(r.pos(), "an integer", other as u32)),
    })
}

/// Writes an integer in the encoding `id` names, checking that it fits.
fn write_int_as(v: i128, id: TypeId, w: &mut impl IntSink) -> Result<()> {
    let out_of_range = || {
        Error::encode(format!(
            "{v} does not fit {}",
            tid::name(id as u32).unwrap_or("the field's encoding")
        ))
    };
    match id {
        tid::INT8 => w.i8(i8::try_from(v).map_err(|_| out_of_range())?),
        tid::INT16 => w.i16(i16::try_from(v).map_err(|_| out_of_range())?),
        tid::INT32 => w.i32(i32::try_from(v).map_err(|_| out_of_range())?),
        tid::VARINT32 => w.var_i32(i32::try_from(v).map_err(|_| out_of_range())?),
        tid::INT64 => w.i64(i64::try_from(v).map_err(|_| out_of_range())?),
        tid::VARINT64 => w.var_i64(i64::try_from(v).map_err(|_| out_of_range())?),
        tid::TAGGED_INT64 => w.tagged_i64(i64::try_from(v).map_err(|_| out_of_range())?),
        tid::UINT8 => w.u8(u8::try_from(v).map_err(|_| out_of_range())?),
        tid::UINT16 => w.u16(u16::try_from(v).map_err(|_| out_of_range())?),
        tid::UINT32 => w.u32(u32::try_from(v).map_err(|_| out_of_range())?),
        tid::VAR_UINT32 => w.var_u32(u32::try_from(v).map_err(|_| out_of_range())?),
        tid::UINT64 => w.u64(u64::try_from(v).map_err(|_| out_of_range())?),
        tid::VAR_UINT64 => w.var_u64(u64::try_from(v).map_err(|_| out_of_range())?),
        tid::TAGGED_UINT64 => w.tagged_u64(u64::try_from(v).map_err(|_| out_of_range())?),
        _ => return Err(out_of_range()),
    }
    Ok(())
}

/// Where integers are written: a [`Writer`](crate::wire::Writer) or a
/// [`Run`] of reserved bytes (the same methods, one set of conversions).
trait IntSink {
    fn i8(&mut self, v: i8);
    fn i16(&mut self, v: i16);
    fn i32(&mut self, v: i32);
    fn var_i32(&mut self, v: i32);
    fn i64(&mut self, v: i64);
    fn var_i64(&mut self, v: i64);
    fn tagged_i64(&mut self, v: i64);
    fn u8(&mut self, v: u8);
    fn u16(&mut self, v: u16);
    fn u32(&mut self, v: u32);
    fn var_u32(&mut self, v: u32);
    fn u64(&mut self, v: u64);
    fn var_u64(&mut self, v: u64);
    fn tagged_u64(&mut self, v: u64);
}

macro_rules! int_sink {
    ($t:ty) => {
        impl IntSink for $t {
            #[inline(always)]
            fn i8(&mut self, v: i8) {
                <$t>::i8(self, v)
            }
            #[inline(always)]
            fn i16(&mut self, v: i16) {
                <$t>::i16(self, v)
            }
            #[inline(always)]
            fn i32(&mut self, v: i32) {
                <$t>::i32(self, v)
            }
            #[inline(always)]
            fn var_i32(&mut self, v: i32) {
                <$t>::var_i32(self, v)
            }
            #[inline(always)]
            fn i64(&mut self, v: i64) {
                <$t>::i64(self, v)
            }
            #[inline(always)]
            fn var_i64(&mut self, v: i64) {
                <$t>::var_i64(self, v)
            }
            #[inline(always)]
            fn tagged_i64(&mut self, v: i64) {
                <$t>::tagged_i64(self, v)
            }
            #[inline(always)]
            fn u8(&mut self, v: u8) {
                <$t>::u8(self, v)
            }
            #[inline(always)]
            fn u16(&mut self, v: u16) {
                <$t>::u16(self, v)
            }
            #[inline(always)]
            fn u32(&mut self, v: u32) {
                <$t>::u32(self, v)
            }
            #[inline(always)]
            fn var_u32(&mut self, v: u32) {
                <$t>::var_u32(self, v)
            }
            #[inline(always)]
            fn u64(&mut self, v: u64) {
                <$t>::u64(self, v)
            }
            #[inline(always)]
            fn var_u64(&mut self, v: u64) {
                <$t>::var_u64(self, v)
            }
            #[inline(always)]
            fn tagged_u64(&mut self, v: u64) {
                <$t>::tagged_u64(self, v)
            }
        }
    };
}
int_sink!(crate::wire::Writer<'_>);
int_sink!(crate::wire::Run<'_>);

/// The elements of a dense array from its little-endian bytes (a trailing
/// partial element is ignored; callers check the length first): one
/// allocation and one copy, without zero-filling the vector first as
/// `bytemuck::pod_collect_to_vec` does.
#[cfg(target_endian = "little")]
fn pod_vec_from_le_bytes<T: bytemuck::Pod>(bytes: &[u8]) -> Vec<T> {
    let size = std::mem::size_of::<T>();
    if size == 0 {
        return Vec::new();
    }
    let n = bytes.len() / size;
    let mut v = Vec::<T>::with_capacity(n);
    // SAFETY: the vector owns room for `n` elements, `n * size` bytes, and
    // `bytes` holds at least that many; the copy is bytewise, so neither
    // side's alignment matters, and the regions cannot overlap (the vector
    // was just allocated). `T: Pod` makes any bytes a valid `T`, so all `n`
    // elements are initialised before `set_len`.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr().cast::<u8>(), n * size);
        v.set_len(n);
    }
    v
}

macro_rules! dense_fns {
    ($t:ty, $n:expr, |$b:ident| $from:expr, |$x:ident| $to:expr) => {
        #[inline]
        fn write_dense(items: &[Self], w: &mut crate::wire::Writer<'_>) {
            // little-endian targets: the elements are the wire bytes
            #[cfg(target_endian = "little")]
            w.bytes(bytemuck::cast_slice(items));
            #[cfg(not(target_endian = "little"))]
            {
                w.reserve(items.len() * $n);
                for $x in items {
                    w.bytes(&$to);
                }
            }
        }
        #[inline]
        fn borrow_dense(bytes: &[u8]) -> Option<&[Self]> {
            // the wire bytes are the elements on little-endian hosts; the cast
            // fails on a misaligned start or a partial trailing element
            #[cfg(target_endian = "little")]
            return bytemuck::try_cast_slice(bytes).ok();
            #[cfg(not(target_endian = "little"))]
            {
                let _ = bytes;
                None
            }
        }
        fn read_dense(bytes: &[u8]) -> Vec<Self> {
            #[cfg(target_endian = "little")]
            {
                // copies once into aligned storage, whatever the input alignment
                pod_vec_from_le_bytes(bytes)
            }
            #[cfg(not(target_endian = "little"))]
            bytes
                .chunks_exact($n)
                .map(|c| {
                    let mut $b = [0u8; $n];
                    $b.copy_from_slice(c);
                    $from
                })
                .collect()
        }
    };
}

macro_rules! int_impl {
    ($t:ty, $id:expr, $array:expr, $write:ident $(, $extra:item)*) => {
        impl ForyType for $t {
            fn type_id() -> TypeId {
                $id
            }
            fn dense_array_type() -> Option<TypeId> {
                $array
            }
            $($extra)*
            dense_fns!($t, std::mem::size_of::<$t>(), |b| <$t>::from_le_bytes(b), |x| x.to_le_bytes());
        }
        impl Serialize for $t {
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                ctx.writer().$write(*self);
                Ok(())
            }
            #[inline(always)]
            fn write_as<'a>(&'a self, id: TypeId, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                self.write_leaf(id, &mut ctx.writer())
            }
            #[inline(always)]
            fn write_leaf(&self, id: TypeId, w: &mut crate::wire::Writer<'_>) -> Result<()> {
                if id == $id {
                    // the type's own encoding: no conversion
                    w.$write(*self);
                    return Ok(());
                }
                write_int_as(*self as i128, id, w)
            }
            // any integer encoding: a varuint64 or a tagged int64 at most
            const RUN_MAX: usize = 9;
            #[inline(always)]
            fn write_run(&self, id: TypeId, r: &mut crate::wire::Run<'_>) -> Result<()> {
                if id == $id {
                    r.$write(*self);
                    return Ok(());
                }
                write_int_as(*self as i128, id, r)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn accepts(id: TypeId) -> bool {
                is_int(id)
            }
            #[inline(always)]
            fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
                Self::read_leaf(ctx.reader(), id)
            }
            #[inline(always)]
            fn read_leaf(r: &mut crate::wire::Reader<'de>, id: TypeId) -> Result<Self> {
                if id == $id {
                    return r.$write();
                }
                let pos = r.pos();
                let v = read_any_int(r, id)?;
                <$t>::try_from(v).map_err(|_| Error::invalid(pos, format!("{v} does not fit {}", stringify!($t))))
            }
        }
    };
}

int_impl!(i8, tid::INT8, Some(tid::INT8_ARRAY), i8);
int_impl!(i16, tid::INT16, Some(tid::INT16_ARRAY), i16);
int_impl!(i32, tid::VARINT32, Some(tid::INT32_ARRAY), var_i32);
int_impl!(i64, tid::VARINT64, Some(tid::INT64_ARRAY), var_i64);
int_impl!(
    u8,
    tid::UINT8,
    Some(tid::BINARY),
    u8,
    fn slice_as_bytes(items: &[u8]) -> Option<&[u8]> {
        Some(items)
    }
);
int_impl!(u16, tid::UINT16, Some(tid::UINT16_ARRAY), u16);
int_impl!(u32, tid::VAR_UINT32, Some(tid::UINT32_ARRAY), var_u32);
int_impl!(u64, tid::VAR_UINT64, Some(tid::UINT64_ARRAY), var_u64);

macro_rules! float_impl {
    ($t:ty, $id:expr, $array:expr, |$w:ident, $v:ident| $write:expr, |$r:ident| $read:expr) => {
        impl ForyType for $t {
            fn type_id() -> TypeId {
                $id
            }
            fn dense_array_type() -> Option<TypeId> {
                Some($array)
            }
            dense_fns!(
                $t,
                std::mem::size_of::<$t>(),
                |b| <$t>::from_le_bytes(b),
                |x| x.to_le_bytes()
            );
        }
        impl Serialize for $t {
            #[inline]
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                self.write_leaf($id, &mut ctx.writer())
            }
            #[inline(always)]
            fn write_as<'a>(&'a self, _id: TypeId, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                self.write_body(ctx)
            }
            #[inline(always)]
            fn write_leaf(&self, _id: TypeId, $w: &mut crate::wire::Writer<'_>) -> Result<()> {
                let $v = *self;
                $write;
                Ok(())
            }
            const RUN_MAX: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn write_run(&self, _id: TypeId, $w: &mut crate::wire::Run<'_>) -> Result<()> {
                let $v = *self;
                $write;
                Ok(())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            #[inline]
            fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
                Self::read_leaf(ctx.reader(), id)
            }
            #[inline(always)]
            fn read_leaf($r: &mut crate::wire::Reader<'de>, _id: TypeId) -> Result<Self> {
                $read
            }
        }
    };
}

float_impl!(
    f32,
    tid::FLOAT32,
    tid::FLOAT32_ARRAY,
    |w, v| w.f32(v),
    |r| r.f32()
);
float_impl!(
    f64,
    tid::FLOAT64,
    tid::FLOAT64_ARRAY,
    |w, v| w.f64(v),
    |r| r.f64()
);
float_impl!(
    f16,
    tid::FLOAT16,
    tid::FLOAT16_ARRAY,
    |w, v| w.u16(v.to_bits()),
    |r| Ok(f16::from_bits(r.u16()?))
);
float_impl!(
    bf16,
    tid::BFLOAT16,
    tid::BFLOAT16_ARRAY,
    |w, v| w.u16(v.to_bits()),
    |r| Ok(bf16::from_bits(r.u16()?))
);

impl ForyType for bool {
    fn type_id() -> TypeId {
        tid::BOOL
    }
    fn dense_array_type() -> Option<TypeId> {
        Some(tid::BOOL_ARRAY)
    }
    #[inline]
    fn write_dense(items: &[Self], w: &mut crate::wire::Writer<'_>) {
        // bools are bytes 0 or 1: one copy
        w.bytes(bytemuck::cast_slice::<bool, u8>(items));
    }
    #[inline]
    fn borrow_dense(bytes: &[u8]) -> Option<&[Self]> {
        // bytes that are all 0 or 1 (what writers put there) are bools in place
        bytemuck::checked::try_cast_slice(bytes).ok()
    }
    fn read_dense(bytes: &[u8]) -> Vec<Self> {
        bytes.iter().map(|&b| b != 0).collect()
    }
}
impl Serialize for bool {
    #[inline]
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        ctx.writer().u8(*self as u8);
        Ok(())
    }
    #[inline(always)]
    fn write_as<'a>(&'a self, _id: TypeId, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        self.write_body(ctx)
    }
    #[inline(always)]
    fn write_leaf(&self, _id: TypeId, w: &mut crate::wire::Writer<'_>) -> Result<()> {
        w.u8(*self as u8);
        Ok(())
    }
    const RUN_MAX: usize = 1;
    #[inline(always)]
    fn write_run(&self, _id: TypeId, r: &mut crate::wire::Run<'_>) -> Result<()> {
        r.u8(*self as u8);
        Ok(())
    }
}
impl<'de> Deserialize<'de> for bool {
    #[inline]
    fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
        Self::read_leaf(ctx.reader(), id)
    }
    #[inline(always)]
    fn read_leaf(r: &mut crate::wire::Reader<'de>, _id: TypeId) -> Result<Self> {
        let pos = r.pos();
        match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(Error::InvalidFlag {
                what: "bool",
                found: b,
                offset: pos,
            }),
        }
    }
}

/// STRING for every string type: the same type id and the same writer.
macro_rules! string_type {
    ($($ty:ty),*) => {$(
        impl ForyType for $ty {
            fn type_id() -> TypeId {
                tid::STRING
            }
        }
        impl Serialize for $ty {
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                crate::wire::string::write_string(&mut ctx.writer(), self);
                Ok(())
            }
            #[inline(always)]
            fn write_leaf(&self, _id: TypeId, w: &mut crate::wire::Writer<'_>) -> Result<()> {
                crate::wire::string::write_string(w, self);
                Ok(())
            }
        }
    )*};
}
string_type!(String, &str, Cow<'_, str>);

impl<'de> Deserialize<'de> for String {
    fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
        crate::wire::string::read_string(ctx.reader())
    }
    #[inline(always)]
    fn read_leaf(r: &mut crate::wire::Reader<'de>, _id: TypeId) -> Result<Self> {
        crate::wire::string::read_string(r)
    }
}

/// `&str` borrows the stream: no copy. Strings pyfory writes as ASCII
/// Latin-1, and UTF-8 strings, borrow; a string that needs transcoding
/// (Latin-1 past ASCII, UTF-16) is an [`Error::TypeMismatch`]: read such
/// fields as `Cow<str>`, which borrows when it can.
impl<'de> Deserialize<'de> for &'de str {
    fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
        crate::wire::string::read_str(ctx.reader())
    }
    #[inline(always)]
    fn read_leaf(r: &mut crate::wire::Reader<'de>, _id: TypeId) -> Result<Self> {
        crate::wire::string::read_str(r)
    }
}

/// `Cow<str>` borrows the stream when the string is UTF-8 there already
/// (ASCII Latin-1 or UTF-8) and owns a transcoded copy otherwise.
impl<'de> Deserialize<'de> for Cow<'de, str> {
    fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
        crate::wire::string::read_str_cow(ctx.reader())
    }
    #[inline(always)]
    fn read_leaf(r: &mut crate::wire::Reader<'de>, _id: TypeId) -> Result<Self> {
        crate::wire::string::read_str_cow(r)
    }
}

/// `&[u8]` is BINARY, read zero-copy from the stream or from an out-of-band buffer.
impl ForyType for &[u8] {
    fn type_id() -> TypeId {
        tid::BINARY
    }
}
impl Serialize for &[u8] {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        ctx.write_buffer(self)
    }
}
impl<'de> Deserialize<'de> for &'de [u8] {
    fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
        ctx.read_buffer()
    }
}

impl ForyType for Cow<'_, [u8]> {
    fn type_id() -> TypeId {
        tid::BINARY
    }
}
impl Serialize for Cow<'_, [u8]> {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        ctx.write_buffer(self)
    }
}
impl<'de> Deserialize<'de> for Cow<'de, [u8]> {
    fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
        Ok(Cow::Borrowed(ctx.read_buffer()?))
    }
}

impl ForyType for Bytes {
    fn type_id() -> TypeId {
        tid::BINARY
    }
}
impl Serialize for Bytes {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        ctx.write_buffer(self)
    }
}
/// `Bytes` shares an out-of-band buffer supplied as `Bytes` (no copy); other
/// sources are copied once.
impl<'de> Deserialize<'de> for Bytes {
    fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
        match ctx.read_buffer_ref()? {
            super::BufferRef::OutOfBand(i, b) => match ctx.shared_buffer(i) {
                Some(shared) => Ok(shared.clone()),
                None => {
                    ctx.reader().charge(b.len())?;
                    Ok(Bytes::copy_from_slice(b))
                }
            },
            super::BufferRef::InBand(b) => {
                ctx.reader().charge(b.len())?;
                Ok(Bytes::copy_from_slice(b))
            }
        }
    }
}

impl<T: ForyType> ForyType for Option<T> {
    fn type_id() -> TypeId {
        T::type_id()
    }
    fn field_type() -> crate::schema::FieldType {
        let mut t = T::field_type();
        t.nullable = true;
        t
    }
    fn declarable() -> bool {
        T::declarable()
    }
    fn heterogeneous() -> bool {
        T::heterogeneous()
    }
    fn trackable() -> bool {
        T::trackable()
    }
    fn always_tracked() -> bool {
        T::always_tracked()
    }
}
impl<T: Serialize> Serialize for Option<T> {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        match self {
            Some(v) => v.write_body(ctx),
            None => Err(Error::encode("None where a body is expected")),
        }
    }
    fn write_flag(&self, ctx: &mut WriteContext<'_, '_>) -> Result<bool> {
        match self {
            None => {
                ctx.writer().u8(ref_flag::NULL);
                Ok(false)
            }
            Some(v) => v.write_flag(ctx),
        }
    }
    fn write_type_meta(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
        T::write_type_meta(ctx)
    }
    fn is_none(&self) -> bool {
        self.is_none()
    }
    fn write_field_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        match self {
            Some(v) => v.write_field_body(ctx),
            None => Err(Error::encode("None where a body is expected")),
        }
    }
    fn write_meta_and_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        match self {
            Some(v) => v.write_meta_and_body(ctx),
            None => Err(Error::encode("None where a value is expected")),
        }
    }
    fn write_type_meta_of<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        match self {
            Some(v) => v.write_type_meta_of(ctx),
            None => T::write_type_meta(ctx),
        }
    }
}
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Option<T> {
    fn accepts(id: TypeId) -> bool {
        T::accepts(id) || id == tid::NONE
    }
    fn read_meta(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
        T::read_meta(ctx)
    }
    fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
        if id == tid::NONE {
            return Ok(None);
        }
        T::read_body(ctx, id).map(Some)
    }
    fn read_after_flag(ctx: &mut ReadContext<'de>, flag: Flag, id: TypeId) -> Result<Self> {
        if id == tid::NONE {
            return Ok(None);
        }
        T::read_after_flag(ctx, flag, id).map(Some)
    }
    fn from_null(_ctx: &ReadContext<'de>) -> Result<Self> {
        Ok(None)
    }
    fn read_meta_and_body(ctx: &mut ReadContext<'de>, flag: Flag) -> Result<Self> {
        T::read_meta_and_body(ctx, flag).map(Some)
    }
}

impl<T: ForyType> ForyType for Box<T> {
    fn type_id() -> TypeId {
        T::type_id()
    }
    fn field_type() -> crate::schema::FieldType {
        T::field_type()
    }
    fn declarable() -> bool {
        T::declarable()
    }
    fn trackable() -> bool {
        T::trackable()
    }
}
impl<T: Serialize> Serialize for Box<T> {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        (**self).write_body(ctx)
    }
    fn write_field_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        (**self).write_field_body(ctx)
    }
    fn write_meta_and_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        (**self).write_meta_and_body(ctx)
    }
    fn write_type_meta_of<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        (**self).write_type_meta_of(ctx)
    }
    fn write_type_meta(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
        T::write_type_meta(ctx)
    }
}
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Box<T> {
    fn accepts(id: TypeId) -> bool {
        T::accepts(id)
    }
    fn read_meta(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
        T::read_meta(ctx)
    }
    fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
        T::read_body(ctx, id).map(Box::new)
    }
}

macro_rules! shared_impl {
    ($rc:ident, $name:literal) => {
        /// Reference-tracked when the instance tracks references: the same
        /// allocation twice is written once, then as a back-reference (`fe id`).
        /// Without tracking (pyfory's `ref=False`) it is written by value, as
        /// pyfory would, so a reader in that mode never sees a back-reference.
        impl<T: ForyType> ForyType for $rc<T> {
            fn type_id() -> TypeId {
                T::type_id()
            }
            fn field_type() -> crate::schema::FieldType {
                T::field_type()
            }
            fn declarable() -> bool {
                T::declarable()
            }
            fn trackable() -> bool {
                true
            }
        }
        impl<T: Serialize> Serialize for $rc<T> {
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                (**self).write_body(ctx)
            }
            fn write_field_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                (**self).write_field_body(ctx)
            }
            fn write_flag(&self, ctx: &mut WriteContext<'_, '_>) -> Result<bool> {
                if !ctx.config().ref_tracking {
                    ctx.writer().u8(ref_flag::NOT_NULL);
                    return Ok(true);
                }
                Ok(ctx.write_ref($rc::as_ptr(self) as *const u8 as usize))
            }
            fn write_type_meta(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
                T::write_type_meta(ctx)
            }
        }
        impl<'de, T: Deserialize<'de> + 'static> Deserialize<'de> for $rc<T> {
            fn accepts(id: TypeId) -> bool {
                T::accepts(id)
            }
            fn read_meta(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
                T::read_meta(ctx)
            }
            fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
                T::read_body(ctx, id).map($rc::new)
            }
            fn read_after_flag(ctx: &mut ReadContext<'de>, flag: Flag, id: TypeId) -> Result<Self> {
                match flag {
                    Flag::Ref(r) => {
                        let pos = ctx.reader().pos();
                        let any = ctx.get_ref(r).ok_or_else(|| Error::invalid(pos, format!("reference {r} points at an object still being read or untracked")))?;
                        let holder = any.downcast::<$rc<T>>().map_err(|_| Error::TypeMismatch {
                            expected: $name.into(),
                            found: "a reference to another type".into(),
                            offset: pos,
                        })?;
                        Ok((*holder).clone())
                    }
                    Flag::NewRef(slot) => $rc::read_new(ctx, slot, id),
                    Flag::Value => T::read_body(ctx, id).map($rc::new),
                }
            }
        }
    };
}

shared_impl!(Rc, "Rc<T>");
shared_impl!(Arc, "Arc<T>");

trait ReadNew<'de, T>: Sized {
    fn read_new(ctx: &mut ReadContext<'de>, slot: usize, id: TypeId) -> Result<Self>;
}

impl<'de, T: Deserialize<'de> + 'static> ReadNew<'de, T> for Rc<T> {
    fn read_new(ctx: &mut ReadContext<'de>, slot: usize, id: TypeId) -> Result<Self> {
        T::read_into_rc(ctx, slot, id)
    }
}

impl<'de, T: Deserialize<'de> + 'static> ReadNew<'de, T> for Arc<T> {
    fn read_new(ctx: &mut ReadContext<'de>, slot: usize, id: TypeId) -> Result<Self> {
        let v = Arc::new(T::read_body(ctx, id)?);
        ctx.set_ref(slot, Rc::new(v.clone()));
        Ok(v)
    }
}

/// `RefCell<T>` is transparent on the wire. Inside an `Rc` it makes cyclic
/// graphs readable: the shared cell exists (holding `T::default()`) before
/// its body is read, so the body can refer back to it.
impl<T: ForyType> ForyType for std::cell::RefCell<T> {
    fn type_id() -> TypeId {
        T::type_id()
    }
    fn field_type() -> crate::schema::FieldType {
        T::field_type()
    }
    fn trackable() -> bool {
        T::trackable()
    }
    fn declarable() -> bool {
        T::declarable()
    }
}

impl<T: Serialize> Serialize for std::cell::RefCell<T> {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        let guard = self
            .try_borrow()
            .map_err(|_| Error::encode("a RefCell is mutably borrowed while serializing"))?;
        // The borrow ends with this call, so buffer objects inside cannot be
        // handed to the callback: they are written in-band.
        ctx.with_detached(|c| guard.write_body(c))
    }
    fn write_type_meta(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
        T::write_type_meta(ctx)
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for std::cell::RefCell<T> {
    fn accepts(id: TypeId) -> bool {
        T::accepts(id)
    }
    fn read_meta(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
        T::read_meta(ctx)
    }
    fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
        T::read_body(ctx, id).map(std::cell::RefCell::new)
    }
    fn read_into_rc(ctx: &mut ReadContext<'de>, slot: usize, id: TypeId) -> Result<Rc<Self>>
    where
        Self: 'static,
    {
        let cell = Rc::new(std::cell::RefCell::new(T::default()));
        ctx.set_ref(slot, Rc::new(cell.clone()));
        let v = T::read_body(ctx, id)?;
        *cell.borrow_mut() = v;
        Ok(cell)
    }
}

/// `rc::Weak<T>`: written as the reference it points at (a back-reference
/// when the target was written before), or null when the target is gone.
/// Read back as a weak pointer to the shared object the stream names; the
/// graph that holds the strong references must be part of the same value.
impl<T: ForyType> ForyType for std::rc::Weak<T> {
    fn type_id() -> TypeId {
        T::type_id()
    }
    fn field_type() -> crate::schema::FieldType {
        let mut t = T::field_type();
        t.nullable = true;
        t
    }
    fn trackable() -> bool {
        true
    }
    fn declarable() -> bool {
        T::declarable()
    }
}

impl<T: Serialize> Serialize for std::rc::Weak<T> {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        match self.upgrade() {
            Some(rc) => ctx.with_detached(|c| rc.write_body(c)),
            None => Err(Error::encode("a dangling Weak where a body is expected")),
        }
    }
    fn write_flag(&self, ctx: &mut WriteContext<'_, '_>) -> Result<bool> {
        match self.upgrade() {
            None => {
                ctx.writer().u8(ref_flag::NULL);
                Ok(false)
            }
            Some(rc) => rc.write_flag(ctx),
        }
    }
    fn write_type_meta(ctx: &mut WriteContext<'_, '_>) -> Result<()> {
        T::write_type_meta(ctx)
    }
    fn is_none(&self) -> bool {
        self.strong_count() == 0
    }
}

impl<'de, T: Deserialize<'de> + 'static> Deserialize<'de> for std::rc::Weak<T> {
    fn accepts(id: TypeId) -> bool {
        T::accepts(id)
    }
    fn read_meta(ctx: &mut ReadContext<'de>) -> Result<TypeId> {
        T::read_meta(ctx)
    }
    fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
        Rc::<T>::read_body(ctx, id).map(|rc| Rc::downgrade(&rc))
    }
    fn read_after_flag(ctx: &mut ReadContext<'de>, flag: Flag, id: TypeId) -> Result<Self> {
        Rc::<T>::read_after_flag(ctx, flag, id).map(|rc| Rc::downgrade(&rc))
    }
    fn from_null(_ctx: &ReadContext<'de>) -> Result<Self> {
        Ok(std::rc::Weak::new())
    }
}

#[cfg(test)]
mod dense_tests {
    use super::*;

    #[test]
    fn pod_vec_from_unaligned_bytes() {
        let vals: Vec<f64> = vec![1.5, -0.0, f64::MAX, 3.25];
        let raw: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
        for offset in 0..8 {
            // the same bytes at every alignment, with a partial tail
            let mut buf = vec![0xeeu8; offset];
            buf.extend_from_slice(&raw);
            buf.push(0x11);
            let got: Vec<f64> = pod_vec_from_le_bytes(&buf[offset..]);
            assert_eq!(got, vals);
            let ints: Vec<u32> = pod_vec_from_le_bytes(&buf[offset..offset + 9]);
            assert_eq!(ints, vec![0, 0x3ff8_0000]);
        }
        assert!(pod_vec_from_le_bytes::<u64>(&[1, 2, 3]).is_empty());
    }
}
