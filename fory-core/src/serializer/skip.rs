//! Skipping values the local type does not know (unknown fields in
//! compatible mode), guided by TypeDef wire types and in-stream type meta.

use super::structs::{read_shared_typedef, TypeDefRef};
use super::{Flag, ReadContext};
use crate::dynamic::layout::{wire_plan, FieldPlan};
use crate::error::{Error, Result};
use crate::wire::meta_string;
use crate::wire::type_id::{self as tid};
use crate::wire::typedef::WireType;
use crate::wire::{list_header as lh, map_header as mh};

enum Meta<'de> {
    Wire(WireType),
    Compat(TypeDefRef<'de>),
}

fn leaf(id: u8) -> WireType {
    WireType {
        type_id: id as u32,
        nullable: false,
        track_ref: false,
        children: vec![],
    }
}

/// Skips one field framed per `plan` with wire type `wt`.
pub fn skip_field(ctx: &mut ReadContext<'_>, wt: &WireType, plan: &FieldPlan) -> Result<()> {
    if plan.primitive {
        if plan.nullable && ctx.read_flag()?.is_none() {
            return Ok(());
        }
        return skip_body(ctx, &Meta::Wire(wt.clone()));
    }
    if plan.runtime_ref || plan.nullable {
        match ctx.read_flag()? {
            None | Some(Flag::Ref(_)) => return Ok(()),
            Some(_) => {}
        }
    }
    ctx.enter()?;
    let r = if plan.dynamic {
        let m = read_meta(ctx)?;
        skip_body(ctx, &m)
    } else {
        skip_body(ctx, &Meta::Wire(wt.clone()))
    };
    ctx.leave();
    r
}

fn read_meta<'de>(ctx: &mut ReadContext<'de>) -> Result<Meta<'de>> {
    let pos = ctx.reader().pos();
    let id = ctx.reader().u8()?;
    Ok(match id {
        tid::ENUM => {
            ctx.reader().var_u32()?;
            Meta::Wire(leaf(tid::ENUM))
        }
        tid::NAMED_ENUM => {
            if ctx.config().compatible {
                read_shared_typedef(ctx)?;
            } else {
                meta_string::read_inline_names(&mut ctx.meta_strings, &mut ctx.r)?;
            }
            Meta::Wire(leaf(tid::ENUM))
        }
        tid::COMPATIBLE_STRUCT | tid::NAMED_COMPATIBLE_STRUCT => {
            Meta::Compat(read_shared_typedef(ctx)?)
        }
        tid::STRUCT | tid::NAMED_STRUCT => {
            return Err(Error::invalid(
                pos,
                "cannot skip a schema-consistent struct of an unknown type",
            ))
        }
        id if id <= tid::FLOAT64_ARRAY
            && !matches!(
                id,
                tid::UNKNOWN | tid::FLOAT8 | tid::ARRAY | tid::FLOAT8_ARRAY
            )
            && !tid::is_user_kind(id) =>
        {
            Meta::Wire(leaf(id))
        }
        other => {
            return Err(Error::type_id(
                pos,
                "a type that can be skipped",
                other as u32,
            ))
        }
    })
}

fn skip_body(ctx: &mut ReadContext<'_>, m: &Meta<'_>) -> Result<()> {
    let wt = match m {
        Meta::Compat(remote) => {
            for f in &remote.def.fields {
                skip_field(ctx, &f.ty, &wire_plan(&f.ty))?;
            }
            return Ok(());
        }
        Meta::Wire(w) => w,
    };
    let r = ctx.reader();
    match wt.type_id as u8 {
        tid::BOOL | tid::INT8 | tid::UINT8 => {
            r.u8()?;
        }
        tid::INT16 | tid::UINT16 | tid::FLOAT16 | tid::BFLOAT16 => {
            r.u16()?;
        }
        tid::INT32 | tid::UINT32 | tid::FLOAT32 => {
            r.u32()?;
        }
        tid::INT64 | tid::UINT64 | tid::FLOAT64 => {
            r.u64()?;
        }
        tid::VARINT32 | tid::VAR_UINT32 | tid::ENUM => {
            r.var_u32()?;
        }
        tid::VARINT64 | tid::VAR_UINT64 | tid::DATE => {
            r.var_u64()?;
        }
        tid::TAGGED_INT64 | tid::TAGGED_UINT64 => {
            r.tagged_u64()?;
        }
        tid::STRING => {
            crate::wire::string::read_string(r)?;
        }
        tid::TIMESTAMP => {
            r.u64()?;
            r.u32()?;
        }
        tid::DURATION => {
            r.var_u64()?;
            r.i32()?;
        }
        tid::DECIMAL => {
            crate::wire::decimal::read_decimal(r)?;
        }
        tid::NONE => {}
        tid::BINARY => {
            ctx.read_buffer()?;
        }
        tid::LIST | tid::SET => skip_collection(ctx, wt.children.first())?,
        tid::MAP => skip_map(ctx, wt.children.first(), wt.children.get(1))?,
        id if tid::array_elem_size(id).is_some() => {
            let len = r.var_u32()? as u64;
            let len = r.ensure("array byte length", len)?;
            r.take(len)?;
        }
        tid::UNKNOWN => {
            let m = read_meta(ctx)?;
            skip_body(ctx, &m)?;
        }
        other => {
            return Err(Error::type_id(
                r.pos(),
                "a type that can be skipped",
                other as u32,
            ))
        }
    }
    Ok(())
}

fn skip_collection(ctx: &mut ReadContext<'_>, elem: Option<&WireType>) -> Result<()> {
    let len = ctx.reader().var_u32()? as u64;
    if len == 0 {
        return Ok(());
    }
    let len = ctx
        .reader()
        .check_len(crate::limits::Limit::CollectionLength, len)?;
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
        Some(Meta::Wire(elem.cloned().ok_or_else(|| {
            Error::invalid(hpos, "declared element type without a TypeDef")
        })?))
    } else if h & lh::SAME_TYPE != 0 {
        Some(read_meta(ctx)?)
    } else {
        None
    };
    for _ in 0..len {
        if flags {
            match ctx.read_flag()? {
                None | Some(Flag::Ref(_)) => continue,
                Some(_) => {}
            }
        }
        match &same {
            Some(m) => skip_body(ctx, m)?,
            None => {
                let m = read_meta(ctx)?;
                skip_body(ctx, &m)?;
            }
        }
    }
    Ok(())
}

fn skip_side(ctx: &mut ReadContext<'_>, track: bool, m: &Meta) -> Result<()> {
    if track {
        match ctx.read_flag()? {
            None | Some(Flag::Ref(_)) => return Ok(()),
            Some(_) => {}
        }
    }
    skip_body(ctx, m)
}

fn skip_map(ctx: &mut ReadContext<'_>, k: Option<&WireType>, v: Option<&WireType>) -> Result<()> {
    let total = ctx.reader().var_u32()? as u64;
    let total = ctx
        .reader()
        .check_len(crate::limits::Limit::CollectionLength, total)?;
    let mut done = 0;
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
        let decl = |d: bool, t: Option<&WireType>| -> Result<Option<Meta>> {
            if !d {
                return Ok(None);
            }
            Ok(Some(Meta::Wire(t.cloned().ok_or_else(|| {
                Error::invalid(hpos, "declared map type without a TypeDef")
            })?)))
        };
        let kd = decl(h & mh::KEY_DECL_TYPE != 0, k)?;
        let vd = decl(h & mh::VALUE_DECL_TYPE != 0, v)?;
        let (kt, vt) = (
            h & mh::TRACKING_KEY_REF != 0,
            h & mh::TRACKING_VALUE_REF != 0,
        );
        if h & (mh::KEY_HAS_NULL | mh::VALUE_HAS_NULL) != 0 {
            for (null, track, d) in [
                (h & mh::KEY_HAS_NULL != 0, kt, &kd),
                (h & mh::VALUE_HAS_NULL != 0, vt, &vd),
            ] {
                if null {
                    continue;
                }
                match d {
                    Some(m) => skip_side(ctx, track, m)?,
                    None => {
                        if track {
                            match ctx.read_flag()? {
                                None | Some(Flag::Ref(_)) => continue,
                                Some(_) => {}
                            }
                        }
                        let m = read_meta(ctx)?;
                        skip_body(ctx, &m)?;
                    }
                }
            }
            done += 1;
            continue;
        }
        let spos = ctx.reader().pos();
        let size = ctx.reader().u8()? as usize;
        if size == 0 || done + size > total {
            return Err(Error::invalid(
                spos,
                format!("map chunk size {size} does not fit"),
            ));
        }
        let km = match kd {
            Some(m) => m,
            None => read_meta(ctx)?,
        };
        let vm = match vd {
            Some(m) => m,
            None => read_meta(ctx)?,
        };
        for _ in 0..size {
            skip_side(ctx, kt, &km)?;
            skip_side(ctx, vt, &vm)?;
        }
        done += size;
    }
    Ok(())
}
