//! Validation of the parsed type: conflicts the attributes cannot express.

use std::collections::HashMap;

use crate::ast::{Container, Data};
use crate::ctxt::Ctxt;

pub fn check(cx: &Ctxt, c: &Container<'_>) {
    if let (Some(_), Some((_, span))) = (&c.attrs.id, &c.attrs.name) {
        cx.syn_error(syn::Error::new(
            *span,
            "use either `id` or `name`, not both",
        ));
    }
    if c.generics.lifetimes().count() > 1 {
        cx.error_spanned_by(
            c.generics,
            "#[derive(Fory)] supports at most one lifetime parameter (the input's)",
        );
    }
    match &c.data {
        Data::Struct(fields) => {
            let mut names = HashMap::new();
            let mut tags = HashMap::new();
            for f in fields.iter().filter(|f| !f.attrs.skip) {
                if let Some(prev) = names.insert(f.wire_name(), f.ident) {
                    cx.error_spanned_by(
                        f.original,
                        format!("field name `{}` is also used by `{prev}`", f.wire_name()),
                    );
                }
                if let Some(t) = f.attrs.tag {
                    if let Some(prev) = tags.insert(t, f.ident) {
                        cx.error_spanned_by(
                            f.original,
                            format!("tag id {t} is also used by `{prev}`"),
                        );
                    }
                }
            }
            for f in fields.iter().filter(|f| f.attrs.skip) {
                if f.attrs.tag.is_some()
                    || f.attrs.nullable
                    || f.attrs.track_ref
                    || f.attrs.rename.is_some()
                {
                    cx.error_spanned_by(
                        f.original,
                        "a skipped field takes no other fory attribute",
                    );
                }
            }
        }
        Data::Enum(variants) => {
            if variants.is_empty() {
                cx.error_spanned_by(c.ident, "#[derive(Fory)] needs at least one variant");
            }
            let mut values = HashMap::new();
            for (i, v) in variants.iter().enumerate() {
                if !matches!(v.original.fields, syn::Fields::Unit) {
                    cx.error_spanned_by(
                        &v.original.fields,
                        "only unit variants are supported (data-carrying enums are not yet)",
                    );
                }
                let value = v.attrs.value.unwrap_or(i as u32);
                if let Some(prev) = values.insert(value, v.ident) {
                    cx.error_spanned_by(
                        v.original,
                        format!("wire value {value} is also used by `{prev}`"),
                    );
                }
            }
        }
    }
}
