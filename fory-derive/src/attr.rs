//! `#[fory(...)]` attributes on types, fields and variants.
//!
//! Parsing never stops at the first mistake: an unknown key, a key without
//! its value or a value of the wrong kind is recorded in the [`Ctxt`] and the
//! rest of the attribute is still read, so every mistake is reported at once.

use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Lit, LitStr};

use crate::ctxt::Ctxt;
use crate::symbol::*;

/// Field tag ids are written in 29 bits (the TypeDef field header).
const MAX_TAG_ID: u64 = (1 << 29) - 1;

/// Type-level attributes.
#[derive(Default)]
pub struct TypeAttrs {
    /// `id = N`, with the span of the `id` key.
    pub id: Option<(u32, Span)>,
    /// `name = "ns.Type"`, with the span of the `name` key.
    pub name: Option<(String, Span)>,
    /// `crate = "path"`.
    pub krate: Option<syn::Path>,
    /// `bound = "..."` or `bound(serialize = "...", deserialize = "...")`:
    /// where-predicates replacing the inferred ones.
    pub bound: Bounds,
}

/// Where-predicates given by `bound`, each replacing the bounds the derive
/// would infer for its impls (`None`: infer).
#[derive(Default)]
pub struct Bounds {
    /// `bound = "..."`: every impl (the type-level traits too).
    pub all: Option<Vec<syn::WherePredicate>>,
    /// `bound(serialize = "...")`: the `Serialize` impl.
    pub serialize: Option<Vec<syn::WherePredicate>>,
    /// `bound(deserialize = "...")`: the `Deserialize<'de>` impl.
    pub deserialize: Option<Vec<syn::WherePredicate>>,
}

impl Bounds {
    /// Whether `bound(serialize = ..., deserialize = ...)` was given.
    pub fn split(&self) -> bool {
        self.serialize.is_some() || self.deserialize.is_some()
    }
    /// The predicates for the `Serialize` impl.
    pub fn for_serialize(&self) -> Option<&[syn::WherePredicate]> {
        self.serialize.as_deref().or(self.all.as_deref())
    }
    /// The predicates for the `Deserialize` impl.
    pub fn for_deserialize(&self) -> Option<&[syn::WherePredicate]> {
        self.deserialize.as_deref().or(self.all.as_deref())
    }
}

/// `"T: Trait, U: Other"` as where-predicates (an empty string: none), or an
/// error at the literal.
fn predicates(cx: &Ctxt, s: &LitStr) -> Option<Vec<syn::WherePredicate>> {
    use syn::parse::Parser;
    let parser =
        syn::punctuated::Punctuated::<syn::WherePredicate, syn::Token![,]>::parse_terminated;
    match parser.parse_str(&s.value()) {
        Ok(p) => Some(p.into_iter().collect()),
        Err(e) => {
            cx.error_spanned_by(
                s,
                format!("`bound` takes where-predicates, like \"T: fory_core::Serialize\": {e}"),
            );
            None
        }
    }
}

/// `bound = "..."` or `bound(serialize = "...", deserialize = "...")`.
fn parse_bound(cx: &Ctxt, meta: &ParseNestedMeta<'_>, out: &mut Bounds) -> syn::Result<()> {
    let given_before = out.all.is_some() || out.serialize.is_some() || out.deserialize.is_some();
    if meta.input.peek(syn::token::Paren) {
        if given_before && out.all.is_some() {
            cx.syn_error(syn::Error::new(
                key_span(meta),
                "`bound(...)` cannot be combined with `bound = \"...\"`",
            ));
        }
        return meta.parse_nested_meta(|inner| {
            let (slot, key) = if inner.path.is_ident(SERIALIZE) {
                (&mut out.serialize, SERIALIZE)
            } else if inner.path.is_ident(DESERIALIZE) {
                (&mut out.deserialize, DESERIALIZE)
            } else {
                return unknown(cx, &inner, "bound", "`serialize` or `deserialize`");
            };
            if let Some(s) = str_value(cx, &inner, key, "T: Trait")? {
                if let Some(p) = predicates(cx, &s) {
                    set_once(cx, &inner, slot, p, &format!("bound({key})"));
                }
            }
            Ok(())
        });
    }
    if let Some(s) = str_value(cx, meta, BOUND, "T: Trait")? {
        if let Some(p) = predicates(cx, &s) {
            if given_before {
                cx.syn_error(syn::Error::new(
                    key_span(meta),
                    if out.all.is_some() {
                        "duplicate fory attribute `bound`"
                    } else {
                        "`bound = \"...\"` cannot be combined with `bound(...)`"
                    },
                ));
            } else {
                out.all = Some(p);
            }
        }
    }
    Ok(())
}

/// Field-level attributes.
#[derive(Default)]
pub struct FieldAttrs {
    pub tag: Option<u32>,
    pub skip: bool,
    pub nullable: bool,
    pub track_ref: bool,
    pub rename: Option<String>,
    /// Span of the `id` value, for "tag id also used by" errors.
    pub tag_span: Option<Span>,
    /// Span of the `rename` value, for "field name also used by" errors.
    pub rename_span: Option<Span>,
    /// Every key given, in order, with its span (duplicates left out).
    pub keys: Vec<(&'static str, Span)>,
    /// `encoding = "fixed" | "varint" | "tagged"` for integer fields.
    pub encoding: Option<String>,
    /// `array`: a numeric vector as a dense `*_ARRAY` (`Vec<u8>` as UINT8_ARRAY).
    pub array: bool,
    /// `list`: a numeric vector as a LIST.
    pub list: bool,
    /// `bytes`: BINARY.
    pub bytes: bool,
    /// `default = "path"`: the function giving the value of a missing field.
    pub default: Option<syn::ExprPath>,
}

/// Variant-level attributes.
#[derive(Default)]
pub struct VariantAttrs {
    pub value: Option<u32>,
    /// Span of the `value` value, for "wire value also used by" errors.
    pub value_span: Option<Span>,
}

/// The key as written, `a::b` for a path.
fn key_string(meta: &ParseNestedMeta<'_>) -> String {
    meta.path.to_token_stream().to_string().replace(' ', "")
}

fn key_span(meta: &ParseNestedMeta<'_>) -> Span {
    meta.path.span()
}

/// Consumes whatever follows a key (`= expr` or `(...)`) so that parsing can
/// go on with the next key after an error.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.input.parse::<syn::Token![=]>()?;
        meta.input.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren)
        || meta.input.peek(syn::token::Bracket)
        || meta.input.peek(syn::token::Brace)
    {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// The expression after `key =`, or an error (recorded) when there is none.
fn value_expr(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if !meta.input.peek(syn::Token![=]) {
        cx.syn_error(syn::Error::new(
            key_span(meta),
            format!("fory attribute `{key}` needs a value: `{key} = {example}`"),
        ));
        skip_value(meta)?;
        return Ok(None);
    }
    meta.input.parse::<syn::Token![=]>()?;
    // A value passed through `macro_rules!` arrives wrapped in an invisible group.
    let mut expr = meta.input.parse::<Expr>()?;
    while let Expr::Group(g) = expr {
        expr = *g.expr;
    }
    Ok(Some(expr))
}

/// `key = <integer literal>` within `0..=max`. Records an error and returns
/// `None` for anything else.
fn int_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    what: &str,
    max: u64,
) -> syn::Result<Option<(u32, Span)>> {
    let Some(expr) = value_expr(cx, meta, key, "7")? else {
        return Ok(None);
    };
    let range = || format!("{what} must be an integer from 0 to {max}");
    let lit = match &expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(lit), ..
        }) => lit,
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) if matches!(
            &**inner,
            Expr::Lit(syn::ExprLit {
                lit: Lit::Int(_),
                ..
            })
        ) =>
        {
            cx.error_spanned_by(&expr, format!("{}, found {}", range(), expr_string(&expr)));
            return Ok(None);
        }
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) if s.value().trim().parse::<u64>().is_ok() => {
            cx.error_spanned_by(
                &expr,
                format!(
                    "{what} must be an integer literal, not a string: `{key} = {}`",
                    s.value().trim()
                ),
            );
            return Ok(None);
        }
        _ => {
            cx.error_spanned_by(
                &expr,
                format!("{what} must be an integer literal, like `{key} = 7`"),
            );
            return Ok(None);
        }
    };
    match lit.base10_parse::<u64>() {
        Ok(v) if v <= max => Ok(Some((v as u32, lit.span()))),
        _ => {
            cx.error_spanned_by(lit, format!("{}, found {}", range(), lit.base10_digits()));
            Ok(None)
        }
    }
}

fn expr_string(expr: &Expr) -> String {
    expr.to_token_stream().to_string().replace(' ', "")
}

/// `key = "<string>"`. Records an error and returns `None` for anything else.
fn str_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let quoted = format!("\"{example}\"");
    let Some(expr) = value_expr(cx, meta, key, &quoted)? else {
        return Ok(None);
    };
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(s)),
        other => {
            cx.error_spanned_by(
                &other,
                format!("fory attribute `{key}` takes a string literal, like `{key} = {quoted}`"),
            );
            Ok(None)
        }
    }
}

/// A flag key (`skip`, `nullable`, `ref`): no value allowed.
fn flag(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<()> {
    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
        cx.syn_error(syn::Error::new(
            meta.input.span(),
            format!("fory attribute `{key}` takes no value: write `#[fory({key})]`"),
        ));
        skip_value(meta)?;
    }
    Ok(())
}

/// Records `v` in `slot`, or a "duplicate" error at the key when it is set.
fn set_once<T>(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<T>,
    v: T,
    key: &str,
) -> bool {
    if slot.is_some() {
        cx.syn_error(syn::Error::new(
            key_span(meta),
            format!("duplicate fory attribute `{key}`"),
        ));
        return false;
    }
    *slot = Some(v);
    true
}

fn set_flag(cx: &Ctxt, meta: &ParseNestedMeta<'_>, slot: &mut bool, key: &str) -> bool {
    if *slot {
        cx.syn_error(syn::Error::new(
            key_span(meta),
            format!("duplicate fory attribute `{key}`"),
        ));
        return false;
    }
    *slot = true;
    true
}

fn unknown(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: &str, expected: &str) -> syn::Result<()> {
    cx.syn_error(syn::Error::new(
        key_span(meta),
        format!(
            "unknown fory {kind} attribute `{}` (expected {expected})",
            key_string(meta)
        ),
    ));
    skip_value(meta)
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
                if let Some((v, _)) = int_value(cx, meta, ID, "a type id", u32::MAX.into())? {
                    set_once(cx, meta, &mut out.id, (v, key_span(meta)), ID);
                }
            } else if meta.path.is_ident(NAME) {
                if let Some(s) = str_value(cx, meta, NAME, "example.Point")? {
                    let name = s.value();
                    if name.is_empty() {
                        cx.error_spanned_by(&s, "a type name cannot be empty");
                    } else if name.ends_with('.') {
                        cx.error_spanned_by(
                            &s,
                            "a type name cannot end with `.`: the part after the last `.` is the type name, the part before it the namespace",
                        );
                    } else {
                        set_once(cx, meta, &mut out.name, (name, key_span(meta)), NAME);
                    }
                }
            } else if meta.path.is_ident(CRATE) {
                if let Some(s) = str_value(cx, meta, CRATE, "fory_core")? {
                    match s.parse_with(syn::Path::parse_mod_style) {
                        Ok(p) => {
                            set_once(cx, meta, &mut out.krate, p, CRATE);
                        }
                        Err(_) => cx.error_spanned_by(
                            &s,
                            format!(
                                "`crate` must be a path to fory_core, like \"fory_core\" or \"crate::reexport\"; {:?} is not a path",
                                s.value()
                            ),
                        ),
                    }
                }
            } else if meta.path.is_ident(BOUND) {
                parse_bound(cx, meta, &mut out.bound)?;
            } else {
                unknown(cx, meta, "type", "`id`, `name`, `crate` or `bound`")?;
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
            let span = key_span(meta);
            let fresh = if meta.path.is_ident(ID) {
                match int_value(cx, meta, ID, "a field tag id", MAX_TAG_ID)? {
                    Some((v, vspan)) => {
                        let fresh = set_once(cx, meta, &mut out.tag, v, ID);
                        if fresh {
                            out.tag_span = Some(vspan);
                        }
                        fresh.then_some(ID)
                    }
                    None => None,
                }
            } else if meta.path.is_ident(SKIP) {
                flag(cx, meta, SKIP)?;
                set_flag(cx, meta, &mut out.skip, SKIP).then_some(SKIP)
            } else if meta.path.is_ident(NULLABLE) {
                flag(cx, meta, NULLABLE)?;
                set_flag(cx, meta, &mut out.nullable, NULLABLE).then_some(NULLABLE)
            } else if meta.path.is_ident(REF) {
                flag(cx, meta, REF)?;
                set_flag(cx, meta, &mut out.track_ref, REF).then_some(REF)
            } else if meta.path.is_ident(RENAME) {
                match str_value(cx, meta, RENAME, "wire_name")? {
                    Some(s) if s.value().is_empty() => {
                        cx.error_spanned_by(&s, "a field name cannot be empty");
                        None
                    }
                    Some(s) => {
                        let fresh = set_once(cx, meta, &mut out.rename, s.value(), RENAME);
                        if fresh {
                            out.rename_span = Some(s.span());
                        }
                        fresh.then_some(RENAME)
                    }
                    None => None,
                }
            } else if meta.path.is_ident(ENCODING) {
                match str_value(cx, meta, ENCODING, "fixed")? {
                    Some(s) if !matches!(s.value().as_str(), "fixed" | "varint" | "tagged") => {
                        cx.error_spanned_by(
                            &s,
                            format!("unknown encoding {:?}: expected \"fixed\", \"varint\" or \"tagged\"", s.value()),
                        );
                        None
                    }
                    Some(s) => set_once(cx, meta, &mut out.encoding, s.value(), ENCODING)
                        .then_some(ENCODING),
                    None => None,
                }
            } else if meta.path.is_ident(ARRAY) {
                flag(cx, meta, ARRAY)?;
                set_flag(cx, meta, &mut out.array, ARRAY).then_some(ARRAY)
            } else if meta.path.is_ident(LIST) {
                flag(cx, meta, LIST)?;
                set_flag(cx, meta, &mut out.list, LIST).then_some(LIST)
            } else if meta.path.is_ident(BYTES) {
                flag(cx, meta, BYTES)?;
                set_flag(cx, meta, &mut out.bytes, BYTES).then_some(BYTES)
            } else if meta.path.is_ident(DEFAULT) {
                match str_value(cx, meta, DEFAULT, "path::to::function")? {
                    Some(s) => match s.parse::<syn::ExprPath>() {
                        Ok(p) => {
                            set_once(cx, meta, &mut out.default, p, DEFAULT).then_some(DEFAULT)
                        }
                        Err(_) => {
                            cx.error_spanned_by(&s, format!("`default` must name a function, like `default = \"path::to::function\"`, found {:?}", s.value()));
                            None
                        }
                    },
                    None => None,
                }
            } else {
                unknown(
                    cx,
                    meta,
                    "field",
                    "`id`, `skip`, `nullable`, `ref`, `rename`, `encoding`, `array`, `list`, `bytes` or `default`",
                )?;
                None
            };
            if let Some(key) = fresh {
                out.keys.push((key, span));
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
                if let Some((v, vspan)) =
                    int_value(cx, meta, VALUE, "a wire value", u32::MAX.into())?
                {
                    if set_once(cx, meta, &mut out.value, v, VALUE) {
                        out.value_span = Some(vspan);
                    }
                }
            } else {
                unknown(cx, meta, "variant", "`value`")?;
            }
            Ok(())
        });
        out
    }
}
