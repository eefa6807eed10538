//! The parsed shape of the deriving type.

use crate::attr::{FieldAttrs, TypeAttrs, VariantAttrs};
use crate::ctxt::Ctxt;

pub struct Container<'a> {
    pub ident: &'a syn::Ident,
    pub generics: &'a syn::Generics,
    pub attrs: TypeAttrs,
    pub data: Data<'a>,
}

pub enum Data<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

pub struct Field<'a> {
    pub ident: &'a syn::Ident,
    pub ty: &'a syn::Type,
    pub attrs: FieldAttrs,
    /// The field as written (for spans in generated code).
    #[allow(dead_code)]
    pub original: &'a syn::Field,
}

impl Field<'_> {
    /// The name written on the wire.
    pub fn wire_name(&self) -> String {
        self.attrs.rename.clone().unwrap_or_else(|| {
            let s = self.ident.to_string();
            s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
        })
    }

    /// Where the wire name is written: the `rename` value, or the field's name.
    pub fn name_span(&self) -> proc_macro2::Span {
        self.attrs.rename_span.unwrap_or_else(|| self.ident.span())
    }
}

pub struct Variant<'a> {
    pub ident: &'a syn::Ident,
    pub attrs: VariantAttrs,
    pub original: &'a syn::Variant,
}

impl Variant<'_> {
    /// An explicit discriminant (`A = 5`) when it is a non-negative integer literal.
    pub fn discriminant(&self) -> Option<u32> {
        match &self.original.discriminant {
            Some((
                _,
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }),
            )) => i.base10_parse().ok(),
            _ => None,
        }
    }

    /// The number written on the wire: `#[fory(value = N)]`, else the
    /// discriminant (pyfory writes an int enum's value), else the position.
    pub fn wire_value(&self, position: usize) -> u32 {
        self.attrs
            .value
            .or_else(|| self.discriminant())
            .unwrap_or(position as u32)
    }
}

impl<'a> Container<'a> {
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Container<'a>> {
        let attrs = TypeAttrs::parse(cx, &input.attrs);
        let data = match &input.data {
            syn::Data::Struct(s) => match &s.fields {
                syn::Fields::Named(named) => Data::Struct(
                    named
                        .named
                        .iter()
                        .filter_map(|f| {
                            Some(Field {
                                ident: f.ident.as_ref()?,
                                ty: &f.ty,
                                attrs: FieldAttrs::parse(cx, &f.attrs),
                                original: f,
                            })
                        })
                        .collect(),
                ),
                syn::Fields::Unit => Data::Struct(Vec::new()),
                syn::Fields::Unnamed(u) => {
                    cx.error_spanned_by(
                        u,
                        "#[derive(Fory)] needs named fields; tuple structs are not supported",
                    );
                    return None;
                }
            },
            syn::Data::Enum(e) => Data::Enum(
                e.variants
                    .iter()
                    .map(|v| Variant {
                        ident: &v.ident,
                        attrs: VariantAttrs::parse(cx, &v.attrs),
                        original: v,
                    })
                    .collect(),
            ),
            syn::Data::Union(u) => {
                cx.error_spanned_by(u.union_token, "#[derive(Fory)] does not support unions");
                return None;
            }
        };
        Some(Container {
            ident: &input.ident,
            generics: &input.generics,
            attrs,
            data,
        })
    }
}
