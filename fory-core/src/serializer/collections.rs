//! `Vec`, `VecDeque`, sets and maps.
//!
//! `Vec<T>` of a numeric `T` is a dense `*_ARRAY` (`Vec<u8>` is BINARY, a
//! buffer object); any other `Vec<T>` is a LIST. Readers take either form.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::Hash;

use super::{read_type_meta, Deserialize, Flag, ForyType, ReadContext, Serialize, WriteContext};
use crate::error::{Error, Result};
use crate::limits::Limit;
use crate::schema::{FieldType, TypeExpr};
use crate::wire::type_id::{self as tid, TypeId};
use crate::wire::{list_header as lh, map_header as mh};

fn tracking<T: ForyType>(ctx: &WriteContext<'_, '_>) -> bool {
    T::always_tracked() || (ctx.config().ref_tracking && T::trackable())
}

/// Writes LIST/SET elements: length, header, type meta once, then elements.
pub(crate) fn write_elems<'a, T: Serialize + 'a>(
    ctx: &mut WriteContext<'a, '_>,
    len: usize,
    items: impl Iterator<Item = &'a T> + Clone,
    declared: bool,
) -> Result<()> {
    let declared = declared && T::declarable();
    let n = u32::try_from(len).map_err(|_| Error::encode("collection longer than 2^32"))?;
    ctx.writer().var_u32(n);
    if len == 0 {
        return Ok(());
    }
    let has_null = items.clone().any(|i| i.is_none());
    let track = tracking::<T>(ctx);
    if T::heterogeneous() {
        // every element carries its own type meta (pyfory's mixed-type lists)
        let mut header = 0;
        if has_null {
            header |= lh::HAS_NULL;
        }
        if track {
            header |= lh::TRACKING_REF;
        }
        ctx.writer().u8(header);
        ctx.enter()?;
        for item in items {
            if track {
                if !item.write_flag(ctx)? {
                    continue;
                }
            } else if has_null {
                if item.is_none() {
                    ctx.writer().u8(crate::wire::ref_flag::NULL);
                    continue;
                }
                ctx.writer().u8(crate::wire::ref_flag::NOT_NULL);
            }
            item.write_meta_and_body(ctx)?;
        }
        ctx.leave();
        return Ok(());
    }
    let mut header = lh::SAME_TYPE;
    if has_null {
        header |= lh::HAS_NULL;
    }
    if track {
        header |= lh::TRACKING_REF;
    }
    if declared {
        header |= lh::DECL_ELEMENT_TYPE;
    }
    ctx.writer().u8(header);
    if !declared {
        T::write_type_meta(ctx)?;
    }
    ctx.enter()?;
    for item in items {
        if (track || has_null) && !item.write_flag(ctx)? {
            continue;
        }
        if declared {
            item.write_field_body(ctx)?;
        } else {
            item.write_body(ctx)?;
        }
    }
    ctx.leave();
    Ok(())
}

/// Reads LIST/SET elements as `T`, obeying whatever header the writer chose.
pub(crate) fn read_elems<'de, T: Deserialize<'de>>(
    ctx: &mut ReadContext<'de>,
    mut push: impl FnMut(T),
) -> Result<usize> {
    let len = ctx.reader().var_u32()? as u64;
    if len == 0 {
        return Ok(0);
    }
    let len = ctx.reader().check_len(Limit::CollectionLength, len)?;
    ctx.reader().charge_n(len, std::mem::size_of::<T>())?;
    let hpos = ctx.reader().pos();
    let h = ctx.reader().u8()?;
    if h & lh::RESERVED != 0 {
        return Err(Error::InvalidFlag {
            what: "collection header",
            found: h,
            offset: hpos,
        });
    }
    let flags = h & (lh::TRACKING_REF | lh::HAS_NULL) != 0;
    let same = if h & lh::DECL_ELEMENT_TYPE != 0 {
        Some(T::type_id())
    } else if h & lh::SAME_TYPE != 0 {
        Some(read_type_meta::<T>(ctx)?)
    } else {
        None
    };
    ctx.enter()?;
    for _ in 0..len {
        let flag = if flags {
            match ctx.read_flag()? {
                None => {
                    push(T::from_null(ctx)?);
                    continue;
                }
                Some(f) => f,
            }
        } else {
            Flag::Value
        };
        if let Flag::Ref(_) = flag {
            push(T::read_after_flag(ctx, flag, T::type_id())?);
            continue;
        }
        match same {
            Some(id) => push(T::read_after_flag(ctx, flag, id)?),
            None => push(T::read_meta_and_body(ctx, flag)?),
        }
    }
    ctx.leave();
    Ok(len)
}

impl<T: ForyType> ForyType for Vec<T> {
    fn type_id() -> TypeId {
        T::dense_array_type().unwrap_or(tid::LIST)
    }
    fn field_type() -> FieldType {
        match T::dense_array_type() {
            Some(id) => FieldType::new(TypeExpr::Scalar(id)),
            None => FieldType::new(TypeExpr::List(Box::new(T::field_type()))),
        }
    }
}

trait VecExt {
    fn write_vec<'a>(&'a self, ctx: &mut WriteContext<'a, '_>, declared: bool) -> Result<()>;
}

impl<T: Serialize> VecExt for Vec<T> {
    #[inline]
    fn write_vec<'a>(&'a self, ctx: &mut WriteContext<'a, '_>, declared: bool) -> Result<()> {
        if let Some(bytes) = T::slice_as_bytes(self) {
            return ctx.write_buffer(bytes);
        }
        if let Some(id) = T::dense_array_type() {
            return write_dense_array(ctx, self, id);
        }
        write_elems(ctx, self.len(), self.iter(), declared)
    }
}

/// Writes `items` as the dense `*_ARRAY` body `id`: byte length, then the
/// little-endian elements.
#[inline]
fn write_dense_array<T: ForyType>(
    ctx: &mut WriteContext<'_, '_>,
    items: &[T],
    id: TypeId,
) -> Result<()> {
    let size = tid::array_elem_size(id).unwrap_or(1);
    let n =
        u32::try_from(items.len() * size).map_err(|_| Error::encode("array larger than 4 GiB"))?;
    let mut w = ctx.writer();
    w.var_u32(n);
    T::write_dense(items, &mut w);
    Ok(())
}

/// Reads the framing of a dense `*_ARRAY` body whose elements are `size`
/// bytes: the byte length, checked against the stream and the element
/// size, then the element bytes themselves, borrowed from the stream.
#[inline(always)]
fn read_dense_array_bytes<'de>(ctx: &mut ReadContext<'de>, size: usize) -> Result<&'de [u8]> {
    let pos = ctx.reader().pos();
    let len = ctx.reader().var_u32()? as u64;
    let len = ctx.reader().ensure("array byte length", len)?;
    if len % size != 0 {
        return Err(Error::invalid(
            pos,
            format!("array byte length {len} is not a multiple of {size}"),
        ));
    }
    ctx.reader()
        .check_limit(Limit::CollectionLength, (len / size) as u64)?;
    ctx.reader().take(len)
}

impl<T: Serialize> Serialize for Vec<T> {
    #[inline]
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        self.write_vec(ctx, false)
    }
    #[inline]
    fn write_field_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        self.write_vec(ctx, true)
    }
    #[inline]
    fn write_as<'a>(&'a self, id: TypeId, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        if id == tid::UINT8_ARRAY {
            if let Some(bytes) = T::slice_as_bytes(self) {
                // `#[fory(array)] Vec<u8>`: a dense array, not a buffer object
                let n = u32::try_from(bytes.len())
                    .map_err(|_| Error::encode("array larger than 4 GiB"))?;
                let mut w = ctx.writer();
                w.var_u32(n);
                w.bytes(bytes);
                return Ok(());
            }
        }
        if (id == tid::LIST || id == tid::SET) && T::dense_array_type().is_some() {
            // a numeric vector declared as a list (`#[fory(list)]`, pyfory `List[Int32]`)
            return write_elems(ctx, self.len(), self.iter(), true);
        }
        self.write_vec(ctx, true)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Vec<T> {
    fn accepts(id: TypeId) -> bool {
        id == tid::LIST || id == tid::SET || T::dense_array_type() == Some(id)
    }
    #[inline]
    fn read_after_flag(ctx: &mut ReadContext<'de>, flag: super::Flag, id: TypeId) -> Result<Self> {
        match flag {
            super::Flag::Ref(_) => Err(Error::TypeMismatch {
                expected: std::any::type_name::<Self>().into(),
                found: "a shared reference (read it as Rc/Arc)".into(),
                offset: ctx.reader().pos(),
            }),
            _ => Self::read_body(ctx, id),
        }
    }
    #[inline]
    fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
        if id == tid::BINARY {
            let b = ctx.read_buffer()?;
            ctx.reader()
                .check_limit(Limit::CollectionLength, b.len() as u64)?;
            ctx.reader().charge(b.len())?;
            return Ok(T::read_dense(b));
        }
        if let Some(size) = tid::array_elem_size(id) {
            let bytes = read_dense_array_bytes(ctx, size)?;
            ctx.reader().charge(bytes.len())?;
            return Ok(T::read_dense(bytes));
        }
        let mut out = Vec::new();
        read_elems(ctx, |v| out.push(v))?;
        Ok(out)
    }
}

/// `Cow<[T]>` of a numeric or bool `T` is the dense `*_ARRAY` a `Vec<T>` is
/// (or a LIST under `#[fory(list)]`). Reading borrows the elements from the
/// stream when they are aligned for `T` on a little-endian host, and makes
/// one aligned copy otherwise (`Cow::Owned`); in-band bytes sit at any
/// offset, so which one happens depends on where the array lands. Bools
/// always borrow unless a byte is neither 0 nor 1 (then the copy reads
/// any non-zero byte as `true`, as `Vec<bool>` does).
macro_rules! dense_cow {
    ($($t:ty),*) => {$(
        impl ForyType for Cow<'_, [$t]> {
            fn type_id() -> TypeId {
                <Vec<$t> as ForyType>::type_id()
            }
            fn field_type() -> FieldType {
                <Vec<$t> as ForyType>::field_type()
            }
        }
        impl Serialize for Cow<'_, [$t]> {
            #[inline]
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                write_dense_array::<$t>(ctx, self, Self::type_id())
            }
            #[inline]
            fn write_as<'a>(&'a self, id: TypeId, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                if id == tid::LIST || id == tid::SET {
                    return write_elems(ctx, self.len(), self.iter(), true);
                }
                self.write_body(ctx)
            }
        }
        impl<'de> Deserialize<'de> for Cow<'de, [$t]> {
            fn accepts(id: TypeId) -> bool {
                <Vec<$t> as Deserialize<'de>>::accepts(id)
            }
            #[inline]
            fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
                if <$t>::dense_array_type() != Some(id) {
                    return Ok(Cow::Owned(Vec::<$t>::read_body(ctx, id)?));
                }
                let bytes = read_dense_array_bytes(ctx, std::mem::size_of::<$t>())?;
                if let Some(items) = <$t>::borrow_dense(bytes) {
                    return Ok(Cow::Borrowed(items));
                }
                ctx.reader().charge(bytes.len())?;
                Ok(Cow::Owned(<$t>::read_dense(bytes)))
            }
        }
    )*};
}
dense_cow!(
    bool,
    i8,
    i16,
    i32,
    i64,
    u16,
    u32,
    u64,
    half::f16,
    half::bf16,
    f32,
    f64
);

impl<T: ForyType> ForyType for VecDeque<T> {
    fn type_id() -> TypeId {
        tid::LIST
    }
    fn field_type() -> FieldType {
        FieldType::new(TypeExpr::List(Box::new(T::field_type())))
    }
}
impl<T: Serialize> Serialize for VecDeque<T> {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        write_elems(ctx, self.len(), self.iter(), false)
    }
    fn write_field_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        write_elems(ctx, self.len(), self.iter(), true)
    }
}
impl<'de, T: Deserialize<'de>> Deserialize<'de> for VecDeque<T> {
    fn accepts(id: TypeId) -> bool {
        id == tid::LIST || id == tid::SET
    }
    fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
        let mut out = VecDeque::new();
        read_elems(ctx, |v| out.push_back(v))?;
        Ok(out)
    }
}

macro_rules! set_impl {
    ($set:ident, $($bound:path),*) => {
        impl<T: ForyType> ForyType for $set<T> {
            fn type_id() -> TypeId {
                tid::SET
            }
            fn field_type() -> FieldType {
                FieldType::new(TypeExpr::Set(Box::new(T::field_type())))
            }
        }
        impl<T: Serialize> Serialize for $set<T> {
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                write_elems(ctx, self.len(), self.iter(), false)
            }
            fn write_field_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                write_elems(ctx, self.len(), self.iter(), true)
            }
        }
        impl<'de, T: Deserialize<'de> $(+ $bound)*> Deserialize<'de> for $set<T> {
            fn accepts(id: TypeId) -> bool {
                id == tid::LIST || id == tid::SET
            }
            fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
                let mut out = $set::new();
                read_elems(ctx, |v| {
                    out.insert(v);
                })?;
                Ok(out)
            }
        }
    };
}

set_impl!(HashSet, Eq, Hash);
set_impl!(BTreeSet, Ord);

/// Writes MAP entries in chunks of at most 255; null keys or values get
/// their own one-entry chunks.
fn write_entries<'a, K: Serialize + 'a, V: Serialize + 'a>(
    ctx: &mut WriteContext<'a, '_>,
    len: usize,
    entries: impl Iterator<Item = (&'a K, &'a V)>,
    declared: bool,
) -> Result<()> {
    let kdecl = declared && K::declarable();
    let vdecl = declared && V::declarable();
    let n = u32::try_from(len).map_err(|_| Error::encode("map larger than 2^32"))?;
    ctx.writer().var_u32(n);
    let ktrack_all = tracking::<K>(ctx);
    let vtrack_all = tracking::<V>(ctx);
    let refs_on = ctx.config().ref_tracking;
    let mut ktrack = ktrack_all;
    let mut vtrack = vtrack_all;
    let mut chunk_at: Option<usize> = None;
    let mut chunk_len = 0u8;
    ctx.enter()?;
    for (k, v) in entries {
        if k.is_none() || v.is_none() {
            chunk_at = None;
            let header = match (k.is_none(), v.is_none()) {
                (true, true) => mh::KEY_HAS_NULL | mh::VALUE_HAS_NULL,
                (true, false) if vdecl => mh::KEY_HAS_NULL | mh::VALUE_DECL_TYPE,
                (true, false) => mh::KEY_HAS_NULL | mh::TRACKING_VALUE_REF,
                _ if kdecl => mh::VALUE_HAS_NULL | mh::KEY_DECL_TYPE,
                _ => mh::VALUE_HAS_NULL | mh::TRACKING_KEY_REF,
            };
            ctx.writer().u8(header);
            if !k.is_none() {
                if kdecl {
                    k.write_field_body(ctx)?;
                } else {
                    super::write_full(k, ctx)?;
                }
            }
            if !v.is_none() {
                if vdecl {
                    v.write_field_body(ctx)?;
                } else {
                    super::write_full(v, ctx)?;
                }
            }
            continue;
        }
        let chunk_limit = if K::heterogeneous() || V::heterogeneous() {
            1
        } else {
            mh::MAX_CHUNK as u8
        };
        let at = match chunk_at {
            Some(at) if chunk_len < chunk_limit => at,
            _ => {
                // a heterogeneous side decides tracking per value (chunks hold one entry)
                if K::heterogeneous() {
                    ktrack = refs_on && k.trackable_instance();
                }
                if V::heterogeneous() {
                    vtrack = refs_on && v.trackable_instance();
                }
                let mut header = 0;
                if ktrack {
                    header |= mh::TRACKING_KEY_REF;
                }
                if vtrack {
                    header |= mh::TRACKING_VALUE_REF;
                }
                if kdecl {
                    header |= mh::KEY_DECL_TYPE;
                }
                if vdecl {
                    header |= mh::VALUE_DECL_TYPE;
                }
                ctx.writer().u8(header);
                let at = ctx.writer().len();
                ctx.writer().u8(0);
                if !kdecl {
                    k.write_type_meta_of(ctx)?;
                }
                if !vdecl {
                    v.write_type_meta_of(ctx)?;
                }
                chunk_at = Some(at);
                chunk_len = 0;
                at
            }
        };
        chunk_len += 1;
        ctx.writer().bytes_mut()[at] = chunk_len;
        if !ktrack || k.write_flag(ctx)? {
            if kdecl {
                k.write_field_body(ctx)?;
            } else {
                k.write_body(ctx)?;
            }
        }
        if !vtrack || v.write_flag(ctx)? {
            if vdecl {
                v.write_field_body(ctx)?;
            } else {
                v.write_body(ctx)?;
            }
        }
    }
    ctx.leave();
    Ok(())
}

fn read_side<'de, T: Deserialize<'de>>(
    ctx: &mut ReadContext<'de>,
    track: bool,
    id: TypeId,
) -> Result<T> {
    if track {
        return match ctx.read_flag()? {
            None => T::from_null(ctx),
            Some(f) => T::read_after_flag(ctx, f, id),
        };
    }
    T::read_body(ctx, id)
}

fn read_entries<'de, K: Deserialize<'de>, V: Deserialize<'de>>(
    ctx: &mut ReadContext<'de>,
    mut push: impl FnMut(K, V),
) -> Result<()> {
    let total = ctx.reader().var_u32()? as u64;
    let total = ctx.reader().check_len(Limit::CollectionLength, total)?;
    ctx.reader()
        .charge_n(total, std::mem::size_of::<(K, V)>())?;
    let mut done = 0usize;
    ctx.enter()?;
    while done < total {
        let hpos = ctx.reader().pos();
        let h = ctx.reader().u8()?;
        if h & mh::RESERVED != 0 {
            return Err(Error::InvalidFlag {
                what: "map chunk header",
                found: h,
                offset: hpos,
            });
        }
        let (kt, vt) = (
            h & mh::TRACKING_KEY_REF != 0,
            h & mh::TRACKING_VALUE_REF != 0,
        );
        let (kd, vd) = (h & mh::KEY_DECL_TYPE != 0, h & mh::VALUE_DECL_TYPE != 0);
        if h & (mh::KEY_HAS_NULL | mh::VALUE_HAS_NULL) != 0 {
            let k = if h & mh::KEY_HAS_NULL != 0 {
                K::from_null(ctx)?
            } else if kd {
                read_side(ctx, kt, K::type_id())?
            } else {
                read_null_entry_side::<K>(ctx, kt)?
            };
            let v = if h & mh::VALUE_HAS_NULL != 0 {
                V::from_null(ctx)?
            } else if vd {
                read_side(ctx, vt, V::type_id())?
            } else {
                read_null_entry_side::<V>(ctx, vt)?
            };
            push(k, v);
            done += 1;
            continue;
        }
        let spos = ctx.reader().pos();
        let size = ctx.reader().u8()? as usize;
        if size == 0 || done + size > total {
            return Err(Error::invalid(
                spos,
                format!(
                    "map chunk size {size} does not fit {} remaining entries",
                    total - done
                ),
            ));
        }
        let kid = if kd {
            K::type_id()
        } else {
            read_type_meta::<K>(ctx)?
        };
        let vid = if vd {
            V::type_id()
        } else {
            read_type_meta::<V>(ctx)?
        };
        for _ in 0..size {
            let k = read_side(ctx, kt, kid)?;
            let v = read_side(ctx, vt, vid)?;
            push(k, v);
        }
        done += size;
    }
    ctx.leave();
    Ok(())
}

fn read_null_entry_side<'de, T: Deserialize<'de>>(
    ctx: &mut ReadContext<'de>,
    track: bool,
) -> Result<T> {
    if track {
        return super::read_full(ctx);
    }
    let id = read_type_meta::<T>(ctx)?;
    T::read_body(ctx, id)
}

macro_rules! map_impl {
    ($map:ident, $($bound:path),*) => {
        impl<K: ForyType, V: ForyType> ForyType for $map<K, V> {
            fn type_id() -> TypeId {
                tid::MAP
            }
            fn field_type() -> FieldType {
                FieldType::new(TypeExpr::Map(Box::new(K::field_type()), Box::new(V::field_type())))
            }
        }
        impl<K: Serialize, V: Serialize> Serialize for $map<K, V> {
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                write_entries(ctx, self.len(), self.iter(), false)
            }
            fn write_field_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                write_entries(ctx, self.len(), self.iter(), true)
            }
        }
        impl<'de, K: Deserialize<'de> $(+ $bound)*, V: Deserialize<'de>> Deserialize<'de> for $map<K, V> {
            fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
                let mut out = $map::new();
                read_entries(ctx, |k, v| {
                    out.insert(k, v);
                })?;
                Ok(out)
            }
        }
    };
}

map_impl!(HashMap, Eq, Hash);
map_impl!(BTreeMap, Ord);

/// Tuples are LISTs of mixed types (as in pyfory and the Rust peer):
/// header `00` (or with null / tracking bits), each element with its own type meta.
macro_rules! tuple_impl {
    ($n:expr; $($name:ident $idx:tt),+) => {
        impl<$($name: ForyType),+> ForyType for ($($name,)+) {
            fn type_id() -> TypeId {
                tid::LIST
            }
            fn field_type() -> FieldType {
                FieldType::new(TypeExpr::List(Box::new(FieldType::new(TypeExpr::Any))))
            }
        }
        impl<$($name: Serialize),+> Serialize for ($($name,)+) {
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                let has_null = false $(|| self.$idx.is_none())+;
                let track = false $(|| tracking::<$name>(ctx))+;
                let mut header = 0u8;
                if has_null {
                    header |= lh::HAS_NULL;
                }
                if track {
                    header |= lh::TRACKING_REF;
                }
                {
                    let mut w = ctx.writer();
                    w.var_u32($n);
                    w.u8(header);
                }
                ctx.enter()?;
                $(
                    if (track || has_null) && !self.$idx.write_flag(ctx)? {
                        // null or back-reference: nothing follows
                    } else {
                        $name::write_type_meta(ctx)?;
                        self.$idx.write_body(ctx)?;
                    }
                )+
                ctx.leave();
                Ok(())
            }
        }
        impl<'de, $($name: Deserialize<'de>),+> Deserialize<'de> for ($($name,)+) {
            fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
                let pos = ctx.reader().pos();
                let len = ctx.reader().var_u32()?;
                if len != $n {
                    return Err(Error::invalid(pos, format!("a {}-tuple cannot be read from a list of {len}", $n)));
                }
                let hpos = ctx.reader().pos();
                let h = ctx.reader().u8()?;
                if h & (lh::RESERVED | lh::DECL_ELEMENT_TYPE) != 0 {
                    return Err(Error::InvalidFlag { what: "tuple list header", found: h, offset: hpos });
                }
                let flags = h & (lh::TRACKING_REF | lh::HAS_NULL) != 0;
                let same = if h & lh::SAME_TYPE != 0 {
                    let p = ctx.reader().pos();
                    Some((p, ctx.reader().u8()?))
                } else {
                    None
                };
                ctx.enter()?;
                let v = ($(tuple_elem::<$name>(ctx, flags, same)?,)+);
                ctx.leave();
                Ok(v)
            }
        }
    };
}

fn tuple_elem<'de, T: Deserialize<'de>>(
    ctx: &mut ReadContext<'de>,
    flags: bool,
    same: Option<(usize, TypeId)>,
) -> Result<T> {
    let flag = if flags {
        match ctx.read_flag()? {
            None => return T::from_null(ctx),
            Some(f) => f,
        }
    } else {
        Flag::Value
    };
    if let Flag::Ref(_) = flag {
        return T::read_after_flag(ctx, flag, T::type_id());
    }
    let id = match same {
        Some((pos, id)) => {
            if !T::accepts(id) {
                return Err(Error::TypeMismatch {
                    expected: std::any::type_name::<T>().into(),
                    found: tid::name(id as u32).unwrap_or("an unknown type").into(),
                    offset: pos,
                });
            }
            id
        }
        None => read_type_meta::<T>(ctx)?,
    };
    T::read_after_flag(ctx, flag, id)
}

tuple_impl!(1; A 0);
tuple_impl!(2; A 0, B 1);
tuple_impl!(3; A 0, B 1, C 2);
tuple_impl!(4; A 0, B 1, C 2, D 3);
tuple_impl!(5; A 0, B 1, C 2, D 3, E 4);
tuple_impl!(6; A 0, B 1, C 2, D 3, E 4, F 5);

/// A `Vec<T>` that is always a LIST, also for numeric `T` (whose plain `Vec`
/// is a dense `*_ARRAY`): pyfory's `List[Int32]`, usable at any depth
/// (`BTreeMap<String, List<i32>>`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct List<T>(pub Vec<T>);

impl<T> std::ops::Deref for List<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> std::ops::DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(v: Vec<T>) -> Self {
        List(v)
    }
}

impl<T: ForyType> ForyType for List<T> {
    fn type_id() -> TypeId {
        tid::LIST
    }
    fn field_type() -> FieldType {
        FieldType::new(TypeExpr::List(Box::new(T::field_type())))
    }
}

impl<T: Serialize> Serialize for List<T> {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        write_elems(ctx, self.0.len(), self.0.iter(), false)
    }
    fn write_field_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
        write_elems(ctx, self.0.len(), self.0.iter(), true)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn accepts(id: TypeId) -> bool {
        id == tid::LIST || id == tid::SET || T::dense_array_type() == Some(id)
    }
    fn read_body(ctx: &mut ReadContext<'de>, id: TypeId) -> Result<Self> {
        Vec::<T>::read_body(ctx, id).map(List)
    }
}
