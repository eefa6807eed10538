//! Validation of the parsed type: conflicts the attributes cannot express.

use std::collections::HashMap;

use syn::spanned::Spanned;

use crate::ast::{Container, Data, Field, Variant};
use crate::ctxt::Ctxt;
use crate::symbol::{ARRAY, BYTES, LIST, SKIP};

pub fn check(cx: &Ctxt, c: &Container<'_>) {
    check_registration(cx, c);
    check_lifetimes(cx, c);
    match &c.data {
        Data::Struct(fields) => check_fields(cx, fields),
        Data::Enum(variants) => check_variants(cx, c, variants),
    }
}

/// `id` and `name` are two ways to register the type: only one may be given.
fn check_registration(cx: &Ctxt, c: &Container<'_>) {
    if let (Some(_), Some((_, span))) = (&c.attrs.id, &c.attrs.name) {
        cx.syn_error(syn::Error::new(
            *span,
            "fory attributes `id` and `name` cannot be used together: register the type either by numeric id or by name",
        ));
    }
}

/// Deserialized values borrow from the input with the type's one lifetime.
fn check_lifetimes(cx: &Ctxt, c: &Container<'_>) {
    for extra in c.generics.lifetimes().skip(1) {
        cx.error_spanned_by(
            &extra.lifetime,
            format!(
                "#[derive(Fory)] supports at most one lifetime parameter (the one deserialized values borrow from); remove `{}`",
                extra.lifetime
            ),
        );
    }
}

fn check_fields(cx: &Ctxt, fields: &[Field<'_>]) {
    let mut names: HashMap<String, &syn::Ident> = HashMap::new();
    let mut tags: HashMap<u32, &syn::Ident> = HashMap::new();
    for f in fields {
        if f.attrs.skip {
            // A skipped field is not written: the other attributes would do nothing.
            for (key, span) in f.attrs.keys.iter().filter(|(k, _)| *k != SKIP) {
                cx.syn_error(syn::Error::new(
                    *span,
                    format!(
                        "`{key}` has no effect on a skipped field: `#[fory(skip)]` takes no other fory attribute"
                    ),
                ));
            }
            continue;
        }
        let shapes: Vec<&(&'static str, proc_macro2::Span)> = f
            .attrs
            .keys
            .iter()
            .filter(|(k, _)| [ARRAY, LIST, BYTES].contains(k))
            .collect();
        for (key, span) in shapes.iter().skip(1) {
            cx.syn_error(syn::Error::new(
                *span,
                format!(
                    "`{key}` conflicts with `{}`: a field has one wire shape",
                    shapes[0].0
                ),
            ));
        }
        let name = f.wire_name();
        if let Some(prev) = names.insert(name.clone(), f.ident) {
            cx.syn_error(syn::Error::new(
                f.name_span(),
                format!(
                    "field `{}` has the wire name `{name}`, already used by field `{prev}`",
                    f.ident
                ),
            ));
        }
        if let (Some(t), Some(span)) = (f.attrs.tag, f.attrs.tag_span) {
            if let Some(prev) = tags.insert(t, f.ident) {
                cx.syn_error(syn::Error::new(
                    span,
                    format!("tag id {t} is already used by field `{prev}`"),
                ));
            }
        }
    }
}

fn check_variants(cx: &Ctxt, c: &Container<'_>, variants: &[Variant<'_>]) {
    if variants.is_empty() {
        cx.error_spanned_by(
            c.ident,
            "#[derive(Fory)] needs at least one variant: a value of an empty enum cannot exist",
        );
    }
    let mut values: HashMap<u32, &syn::Ident> = HashMap::new();
    let union = variants
        .iter()
        .any(|v| !matches!(v.original.fields, syn::Fields::Unit));
    for (i, v) in variants.iter().enumerate() {
        if union {
            // a data-carrying enum is an xlang UNION: every case carries exactly one value
            match &v.original.fields {
                syn::Fields::Unnamed(u) if u.unnamed.len() == 1 => {}
                syn::Fields::Unit => cx.error_spanned_by(
                    v.ident,
                    format!(
                        "`{}` carries no value: in a data-carrying enum (an xlang UNION) every variant carries exactly one, like `{}(T)`",
                        v.ident, v.ident
                    ),
                ),
                fields => cx.error_spanned_by(
                    fields,
                    format!(
                        "`{}` must carry exactly one unnamed value, like `{}(T)`: xlang UNION cases hold one value",
                        v.ident, v.ident
                    ),
                ),
            }
        }
        if v.attrs.value.is_none()
            && v.original.discriminant.is_some()
            && v.discriminant().is_none()
        {
            if let Some((_, expr)) = &v.original.discriminant {
                cx.error_spanned_by(
                    expr,
                    "the wire value must be a non-negative integer literal; write `#[fory(value = N)]` for other discriminants",
                );
            }
        }
        let (value, span, explicit) = match (
            v.attrs.value,
            v.attrs.value_span,
            v.discriminant(),
            &v.original.discriminant,
        ) {
            (Some(value), Some(span), _, _) => (value, span, true),
            (None, _, Some(d), Some((_, expr))) => (d, expr.span(), true),
            _ => (v.wire_value(i), v.ident.span(), false),
        };
        if let Some(prev) = values.insert(value, v.ident) {
            let msg = if explicit {
                format!("wire value {value} is already used by variant `{prev}`")
            } else {
                format!(
                    "variant `{}` has wire value {value} (its position, as it has no `#[fory(value = ...)]`), already used by variant `{prev}`",
                    v.ident
                )
            };
            cx.syn_error(syn::Error::new(span, msg));
        }
    }
}
