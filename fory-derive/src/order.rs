//! The wire order of a struct's fields, worked out at compile time from the
//! field types as written, so the generated code can read and write the
//! fields in straight lines.
//!
//! The order is a guess: the macro sees type names, not types (an alias of
//! `i32` looks like any other name). The runtime computes the real order from
//! the schema and takes the straight-line code only when the two agree,
//! falling back to its field loop otherwise, so a wrong guess costs speed,
//! never correctness.
//!
//! The rule mirrors `fory_core::dynamic::layout::field_order`: non-nullable
//! primitives, then nullable primitives (each by fixed-before-compressed,
//! size descending, type id, identifier), then every other field by
//! identifier (tag ids first, then snake_case names).

use crate::ast::Field;

/// The STRING wire type id (a leaf that is not fixed-size).
pub const STRING: u8 = tid::STRING;

/// xlang type ids of the primitives (the spec's numbering).
mod tid {
    pub const BOOL: u8 = 1;
    pub const INT8: u8 = 2;
    pub const INT16: u8 = 3;
    pub const INT32: u8 = 4;
    pub const VARINT32: u8 = 5;
    pub const INT64: u8 = 6;
    pub const VARINT64: u8 = 7;
    pub const TAGGED_INT64: u8 = 8;
    pub const UINT8: u8 = 9;
    pub const UINT16: u8 = 10;
    pub const UINT32: u8 = 11;
    pub const VAR_UINT32: u8 = 12;
    pub const UINT64: u8 = 13;
    pub const VAR_UINT64: u8 = 14;
    pub const TAGGED_UINT64: u8 = 15;
    pub const FLOAT32: u8 = 19;
    pub const FLOAT64: u8 = 20;
    pub const STRING: u8 = 21;
}

/// The default type id of a primitive Rust type name.
fn primitive_id(name: &str) -> Option<u8> {
    Some(match name {
        "bool" => tid::BOOL,
        "i8" => tid::INT8,
        "i16" => tid::INT16,
        "i32" => tid::VARINT32,
        "i64" => tid::VARINT64,
        "u8" => tid::UINT8,
        "u16" => tid::UINT16,
        "u32" => tid::VAR_UINT32,
        "u64" => tid::VAR_UINT64,
        "f32" => tid::FLOAT32,
        "f64" => tid::FLOAT64,
        _ => return None,
    })
}

/// `#[fory(encoding = ...)]` applied to a default integer id.
fn with_encoding(id: u8, encoding: Option<&str>) -> u8 {
    let signed64 = matches!(id, tid::VARINT64);
    let unsigned64 = matches!(id, tid::VAR_UINT64);
    match encoding {
        Some("fixed") => match id {
            tid::VARINT32 => tid::INT32,
            tid::VAR_UINT32 => tid::UINT32,
            _ if signed64 => tid::INT64,
            _ if unsigned64 => tid::UINT64,
            _ => id,
        },
        Some("tagged") if signed64 => tid::TAGGED_INT64,
        Some("tagged") if unsigned64 => tid::TAGGED_UINT64,
        _ => id,
    }
}

/// The single identifier of a path type without generics (`i32`,
/// `core::primitive::i32`).
fn path_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if !matches!(last.arguments, syn::PathArguments::None) {
        return None;
    }
    let prefix_ok = p.path.segments.len() == 1
        || p.path
            .segments
            .iter()
            .take(p.path.segments.len() - 1)
            .all(|s| matches!(s.ident.to_string().as_str(), "core" | "std" | "primitive"));
    prefix_ok.then(|| last.ident.to_string())
}

/// `Option<T>` → `T`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    match a.args.first()? {
        syn::GenericArgument::Type(t) if a.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// The primitive type id and nullability of a field, when it is a primitive.
pub fn primitive(f: &Field<'_>) -> Option<(u8, bool)> {
    if f.attrs.list || f.attrs.array || f.attrs.bytes {
        return None;
    }
    let (ty, nullable) = match option_inner(f.ty) {
        Some(inner) => (inner, true),
        None => (f.ty, f.attrs.nullable),
    };
    let id = primitive_id(&path_ident(ty)?)?;
    Some((with_encoding(id, f.attrs.encoding.as_deref()), nullable))
}

fn is_compressed(id: u8) -> bool {
    matches!(
        id,
        tid::VARINT32
            | tid::VAR_UINT32
            | tid::VARINT64
            | tid::VAR_UINT64
            | tid::TAGGED_INT64
            | tid::TAGGED_UINT64
    )
}

fn size(id: u8) -> usize {
    match id {
        tid::BOOL | tid::INT8 | tid::UINT8 => 1,
        tid::INT16 | tid::UINT16 => 2,
        tid::INT32 | tid::VARINT32 | tid::UINT32 | tid::VAR_UINT32 | tid::FLOAT32 => 4,
        _ => 8,
    }
}

/// The schema's snake_case form of a field name (as `fory_core::schema::to_snake_case`).
pub fn to_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            out.push(c);
            prev = Some(c);
            continue;
        }
        if c.is_uppercase() {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_lower_digit = prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            let prev_upper = prev.is_some_and(|p| p.is_uppercase());
            if !out.is_empty()
                && !out.ends_with('_')
                && (prev_lower_digit || (prev_upper && next_lower))
            {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

fn ident_key(f: &Field<'_>) -> (u8, u32, String, String) {
    match f.attrs.tag {
        Some(t) => (0, t, String::new(), String::new()),
        None => {
            let name = f.wire_name();
            (1, 0, to_snake_case(&name), name)
        }
    }
}

/// Indices into `fields` (the fields on the wire, in declaration order), in
/// the guessed wire order.
pub fn wire_order(fields: &[&Field<'_>]) -> Vec<usize> {
    let mut prims = Vec::new();
    let mut nullable_prims = Vec::new();
    let mut others = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        match primitive(f) {
            Some((id, false)) => prims.push((i, id)),
            Some((id, true)) => nullable_prims.push((i, id)),
            None => others.push(i),
        }
    }
    let prim_key = |&(i, id): &(usize, u8)| {
        (
            is_compressed(id),
            std::cmp::Reverse(size(id)),
            id,
            ident_key(fields[i]),
        )
    };
    prims.sort_by_key(prim_key);
    nullable_prims.sort_by_key(prim_key);
    others.sort_by_key(|&i| ident_key(fields[i]));
    prims
        .into_iter()
        .chain(nullable_prims)
        .map(|(i, _)| i)
        .chain(others)
        .collect()
}

/// A field the generated code can write and read without framing, by its
/// wire type id: a non-nullable primitive, or a plain `String`, `&str` or
/// `Cow<str>` (no flag, no type meta: a leaf). The runtime confirms each
/// against the field's plan.
pub fn simple(f: &Field<'_>) -> Option<u8> {
    match primitive(f) {
        Some((id, false)) => return Some(id),
        Some((_, true)) => return None,
        None => {}
    }
    if f.attrs.nullable || f.attrs.track_ref || f.attrs.list || f.attrs.array || f.attrs.bytes {
        return None;
    }
    string_like(f.ty).then_some(tid::STRING)
}

/// `String`, `&str` or `Cow<str>`, spelled plainly or through
/// `std`/`alloc` paths.
fn string_like(ty: &syn::Type) -> bool {
    let p = match ty {
        syn::Type::Reference(r) => {
            return r.mutability.is_none() && is_plain(&r.elem, "str", &[]);
        }
        syn::Type::Path(p) => p,
        _ => return false,
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident == "Cow" {
        let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
            return false;
        };
        let mut args = a.args.iter();
        return matches!(
            (args.next(), args.next(), args.next()),
            (Some(syn::GenericArgument::Lifetime(_)), Some(syn::GenericArgument::Type(t)), None)
                if is_plain(t, "str", &[])
        ) && std_path(p, &["std", "alloc", "borrow"]);
    }
    is_plain(ty, "String", &["std", "alloc", "string"])
}

/// Whether `ty` is the path `name` without arguments, alone or behind
/// `prefixes` segments only.
fn is_plain(ty: &syn::Type, name: &str, prefixes: &[&str]) -> bool {
    let syn::Type::Path(p) = ty else {
        return false;
    };
    p.path.segments.last().is_some_and(|last| {
        last.ident == name
            && matches!(last.arguments, syn::PathArguments::None)
            && std_path(p, prefixes)
    })
}

/// Whether every segment of `p` before the last is one of `prefixes`.
fn std_path(p: &syn::TypePath, prefixes: &[&str]) -> bool {
    p.qself.is_none()
        && p.path
            .segments
            .iter()
            .take(p.path.segments.len() - 1)
            .all(|s| prefixes.iter().any(|x| s.ident == x))
}

#[cfg(test)]
mod tests {
    use super::string_like;

    fn ty(s: &str) -> syn::Type {
        syn::parse_str(s).unwrap()
    }

    #[test]
    fn string_leaves() {
        for yes in [
            "String",
            "std::string::String",
            "alloc::string::String",
            "&str",
            "&'a str",
            "&'de str",
            "Cow<'a, str>",
            "std::borrow::Cow<'a, str>",
            "alloc::borrow::Cow<'static, str>",
        ] {
            assert!(string_like(&ty(yes)), "{yes}");
        }
        for no in [
            "&mut str",
            "&String",
            "&[u8]",
            "Cow<'a, [u8]>",
            "Cow<'a, String>",
            "Cow<str>",
            "mine::Cow<'a, str>",
            "mine::String",
            "Option<String>",
            "Box<str>",
            "String<u8>",
            "<T as Tr>::String",
        ] {
            assert!(!string_like(&ty(no)), "{no}");
        }
    }
}
