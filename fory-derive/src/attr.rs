//! `#[fory(...)]` attributes on types, fields and variants.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitInt, LitStr};

use crate::ctxt::Ctxt;
use crate::symbol::*;

/// Type-level attributes.
#[derive(Default)]
pub struct TypeAttrs {
    pub id: Option<(u32, proc_macro2::Span)>,
    pub name: Option<(String, proc_macro2::Span)>,
    pub krate: Option<syn::Path>,
}

/// Field-level attributes.
#[derive(Default)]
pub struct FieldAttrs {
    pub tag: Option<u32>,
    pub skip: bool,
    pub nullable: bool,
    pub track_ref: bool,
    pub rename: Option<String>,
}

/// Variant-level attributes.
#[derive(Default)]
pub struct VariantAttrs {
    pub value: Option<u32>,
}

fn set_once<T>(cx: &Ctxt, meta: &ParseNestedMeta<'_>, slot: &mut Option<T>, v: T, key: &str) {
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, format!("duplicate fory attribute `{key}`"));
    }
    *slot = Some(v);
}

fn set_flag(cx: &Ctxt, meta: &ParseNestedMeta<'_>, flag: &mut bool, key: &str) {
    if *flag {
        cx.error_spanned_by(&meta.path, format!("duplicate fory attribute `{key}`"));
    }
    *flag = true;
}

fn int<T: std::str::FromStr>(meta: &ParseNestedMeta<'_>) -> syn::Result<T>
where
    T::Err: std::fmt::Display,
{
    let lit: LitInt = meta.value()?.parse()?;
    lit.base10_parse()
}

fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

fn each_fory_attr(
    cx: &Ctxt,
    attrs: &[Attribute],
    mut f: impl FnMut(&ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(FORY)) {
        if let Err(e) = attr.parse_nested_meta(|meta| f(&meta)) {
            cx.syn_error(e);
        }
    }
}

impl TypeAttrs {
    pub fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = TypeAttrs::default();
        each_fory_attr(cx, attrs, |meta| {
            if meta.path.is_ident(ID) {
                let v: u32 = int(meta)?;
                set_once(
                    cx,
                    meta,
                    &mut out.id,
                    (
                        v,
                        meta.path
                            .get_ident()
                            .map_or_else(proc_macro2::Span::call_site, |i| i.span()),
                    ),
                    ID,
                );
            } else if meta.path.is_ident(NAME) {
                let s = string(meta)?;
                set_once(cx, meta, &mut out.name, (s.value(), s.span()), NAME);
            } else if meta.path.is_ident(CRATE) {
                let s = string(meta)?;
                let p: syn::Path = s.parse()?;
                set_once(cx, meta, &mut out.krate, p, CRATE);
            } else {
                let key = meta
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                return Err(meta.error(format!(
                    "unknown fory type attribute `{key}` (expected `id`, `name` or `crate`)"
                )));
            }
            Ok(())
        });
        out
    }
}

impl FieldAttrs {
    pub fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = FieldAttrs::default();
        each_fory_attr(cx, attrs, |meta| {
            if meta.path.is_ident(ID) {
                let v: u32 = int(meta)?;
                if v >= 1 << 29 {
                    return Err(meta.error("a field tag id must be below 2^29"));
                }
                set_once(cx, meta, &mut out.tag, v, ID);
            } else if meta.path.is_ident(SKIP) {
                set_flag(cx, meta, &mut out.skip, SKIP);
            } else if meta.path.is_ident(NULLABLE) {
                set_flag(cx, meta, &mut out.nullable, NULLABLE);
            } else if meta.path.is_ident(REF) {
                set_flag(cx, meta, &mut out.track_ref, REF);
            } else if meta.path.is_ident(RENAME) {
                let s = string(meta)?;
                if s.value().is_empty() {
                    return Err(meta.error("a field name cannot be empty"));
                }
                set_once(cx, meta, &mut out.rename, s.value(), RENAME);
            } else {
                let key = meta
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                return Err(meta.error(format!(
                    "unknown fory field attribute `{key}` (expected `id`, `skip`, `nullable`, `ref` or `rename`)"
                )));
            }
            Ok(())
        });
        out
    }
}

impl VariantAttrs {
    pub fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = VariantAttrs::default();
        each_fory_attr(cx, attrs, |meta| {
            if meta.path.is_ident(VALUE) {
                let v: u32 = int(meta)?;
                set_once(cx, meta, &mut out.value, v, VALUE);
            } else {
                let key = meta
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                return Err(meta.error(format!(
                    "unknown fory variant attribute `{key}` (expected `value`)"
                )));
            }
            Ok(())
        });
        out
    }
}
