//! Code generation. Everything reaches the runtime through one hidden path
//! (`<crate>::__private`), overridable with `#[fory(crate = "...")]`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_quote, Generics, Lifetime};

use crate::ast::{Container, Data, Field, Variant};

pub fn expand(c: &Container<'_>) -> TokenStream {
    let krate: syn::Path = c
        .attrs
        .krate
        .clone()
        .unwrap_or_else(|| parse_quote!(::fory_core));
    let body = match &c.data {
        Data::Struct(fields) => gen_struct(c, fields),
        Data::Enum(variants)
            if variants
                .iter()
                .any(|v| !matches!(v.original.fields, syn::Fields::Unit)) =>
        {
            gen_union(c, variants)
        }
        Data::Enum(variants) => gen_enum(c, variants),
    };
    quote! {
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate::__private as __p;
            #body
        };
    }
}

/// Types with an explicit `id` or `name` (and no generics) submit themselves
/// to the compile-time registry.
fn submission(c: &Container<'_>, register: TokenStream, method: &str) -> TokenStream {
    let method = format_ident!("{}", method);
    let explicit = c.attrs.id.is_some() || c.attrs.name.is_some();
    if !explicit || !c.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = c.ident;
    quote! {
        __p::inventory::submit! {
            __p::TypeRegistration::new(
                <#ident as #register>::NAME,
                |__b| __b.#method::<#ident>(),
            )
        }
    }
}

fn name_and_registration(c: &Container<'_>) -> (TokenStream, TokenStream) {
    let ident = c.ident;
    let ident_s = ident.to_string();
    match (&c.attrs.id, &c.attrs.name) {
        (_, Some((name, _))) => (quote!(#name), quote!(__p::Registration::by_name(#name))),
        (Some((id, _)), None) => (
            quote!(::core::concat!(::core::module_path!(), "::", #ident_s)),
            quote!(__p::Registration::Id(#id)),
        ),
        (None, None) => (
            quote!(::core::concat!(::core::module_path!(), "::", #ident_s)),
            quote!(__p::Registration::Name {
                namespace: ::core::module_path!().replace("::", "."),
                typename: ::std::string::String::from(#ident_s),
            }),
        ),
    }
}

/// Generics with `bounds` added to every type parameter.
fn bounded(generics: &Generics, bounds: &[syn::TypeParamBound]) -> Generics {
    let mut g = generics.clone();
    for p in g.type_params_mut() {
        for b in bounds {
            p.bounds.push(b.clone());
        }
    }
    g
}

/// The generics of one impl with its bounds: the where-predicates `given` by
/// `#[fory(bound = ...)]` when there are some, else `inferred` on every type
/// parameter.
fn impl_generics(
    generics: &Generics,
    inferred: &[syn::TypeParamBound],
    given: Option<&[syn::WherePredicate]>,
) -> Generics {
    match given {
        Some(preds) => {
            let mut g = generics.clone();
            g.make_where_clause()
                .predicates
                .extend(preds.iter().cloned());
            g
        }
        None => bounded(generics, inferred),
    }
}

/// The where-predicates of the type-level impls (`ForyType`, `ForyStruct`,
/// ...): `bound = "..."` when given; with only `bound(serialize = ...,
/// deserialize = ...)`, `FieldType: ForyType` for every value type that
/// mentions a type parameter (what those impls use); else `None` (infer
/// `T: ForyType` on every type parameter).
fn type_level_bounds(
    c: &Container<'_>,
    value_types: &[&syn::Type],
) -> Option<Vec<syn::WherePredicate>> {
    let bound = &c.attrs.bound;
    if let Some(all) = &bound.all {
        return Some(all.clone());
    }
    if !bound.split() {
        return None;
    }
    let params: Vec<String> = c
        .generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    fn mentions(tokens: TokenStream, params: &[String]) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => params.iter().any(|p| i == p),
            proc_macro2::TokenTree::Group(g) => mentions(g.stream(), params),
            _ => false,
        })
    }
    let mut seen = Vec::new();
    Some(
        value_types
            .iter()
            .filter(|ty| mentions(quote!(#ty), &params))
            .filter(|ty| {
                let key = quote!(#ty).to_string();
                let fresh = !seen.contains(&key);
                seen.push(key);
                fresh
            })
            .map(|ty| parse_quote!(#ty: __p::ForyType))
            .collect(),
    )
}

/// The generics of a type's three kinds of impl, each with its bounds.
struct ImplGenerics {
    /// The type-level impls (`ForyType`, `ForyStruct`, `ForyUnion`).
    ty: Generics,
    /// `Serialize`.
    ser: Generics,
    /// `Deserialize<'de>`, with `'de` added when the type has no lifetime.
    de: Generics,
    /// The `'de` of the `Deserialize` impl.
    de_lifetime: Lifetime,
}

/// [`ImplGenerics`] for a type holding `value_types`: the bounds given by
/// `#[fory(bound ...)]`, else the inferred ones (`Default` too for
/// deserialized structs, whose missing fields take their default).
fn impl_generics_all(c: &Container<'_>, value_types: &[&syn::Type], default: bool) -> ImplGenerics {
    let bound = &c.attrs.bound;
    let type_bounds = type_level_bounds(c, value_types);
    let ty = impl_generics(
        c.generics,
        &[parse_quote!(__p::ForyType)],
        type_bounds.as_deref(),
    );
    let ser = impl_generics(
        c.generics,
        &[parse_quote!(__p::Serialize)],
        bound.for_serialize(),
    );
    let (g_de, de, _) = de_generics(c.generics);
    let mut inferred: Vec<syn::TypeParamBound> = vec![parse_quote!(__p::Deserialize<#de>)];
    if default {
        inferred.push(parse_quote!(::core::default::Default));
    }
    let de_g = impl_generics(&g_de, &inferred, bound.for_deserialize());
    ImplGenerics {
        ty,
        ser,
        de: de_g,
        de_lifetime: de,
    }
}

/// The lifetime deserialized values borrow from: the type's own, or a fresh `'de`.
fn de_generics(generics: &Generics) -> (Generics, Lifetime, bool) {
    if let Some(lt) = generics.lifetimes().next() {
        return (generics.clone(), lt.lifetime.clone(), false);
    }
    let de = Lifetime::new("'de", Span::call_site());
    let mut g = generics.clone();
    g.params.insert(0, parse_quote!(#de));
    (g, de, true)
}

fn gen_struct(c: &Container<'_>, fields: &[Field<'_>]) -> TokenStream {
    let ident = c.ident;
    let (name, registration) = name_and_registration(c);
    let (_, ty_generics, _) = c.generics.split_for_impl();
    let wire: Vec<&Field<'_>> = fields.iter().filter(|f| !f.attrs.skip).collect();

    let decls = wire.iter().map(|f| {
        let ty = f.ty;
        let fname = f.wire_name();
        let nullable = f.attrs.nullable;
        let track_ref = f.attrs.track_ref;
        let tag = match f.attrs.tag {
            Some(t) => quote!(::core::option::Option::Some(#t)),
            None => quote!(::core::option::Option::None),
        };
        let encoding = f.attrs.encoding.as_ref().map(|e| quote!(let ty = __p::structs::with_encoding(ty, #e, #fname)?;));
        let list = f.attrs.list.then(|| quote!(let ty = __p::structs::as_list(ty, #fname)?;));
        let array = f.attrs.array.then(|| quote!(let ty = __p::structs::as_array(ty, #fname)?;));
        let bytes = f.attrs.bytes.then(|| quote!(let ty = __p::structs::as_bytes(ty, #fname)?;));
        quote_spanned! {ty.span()=> {
            let ty = <#ty as __p::ForyType>::field_type();
            #encoding
            #list
            #array
            #bytes
            let mut ty = ty;
            if #nullable { ty.nullable = true; }
            __p::FieldDecl { name: ::std::string::String::from(#fname), ty, track_ref: #track_ref, tag_id: #tag }
        }}
    });

    let writes = wire.iter().enumerate().map(|(i, f)| {
        let fi = f.ident;
        let span = f.ty.span();
        quote_spanned!(span=> #i => __p::structs::write_field(&self.#fi, &__c.plans[#i], __ctx)?,)
    });

    let locals: Vec<_> = (0..wire.len()).map(|i| format_ident!("__f{}", i)).collect();
    let local_decls = wire.iter().zip(&locals).map(|(f, l)| {
        let ty = f.ty;
        quote_spanned!(ty.span()=> let mut #l: ::core::option::Option<#ty> = ::core::option::Option::None;)
    });
    let consistent_reads = wire.iter().zip(&locals).enumerate().map(|(i, (_, l))| {
        quote!(#i => #l = ::core::option::Option::Some(__p::structs::read_field(__ctx, &__c.plans[#i])?),)
    });
    let compat_reads = wire.iter().zip(&locals).enumerate().map(|(i, (_, l))| {
        quote!(::core::option::Option::Some(#i) => #l = ::core::option::Option::Some(__p::structs::read_field(__ctx, &__rf.plan)?),)
    });
    // the straight-line code, in the wire order guessed at compile time
    let order = crate::order::wire_order(&wire);
    let n_wire = wire.len();
    // fields written without framing, as guessed: (field, wire type id);
    // the runtime confirms them all (else the field loop runs), the others
    // (and any past the 64th) go through their plan
    let simple: Vec<(usize, u8)> = wire
        .iter()
        .enumerate()
        .filter_map(|(i, f)| crate::order::simple(f).map(|id| (i, id)))
        .filter(|&(i, _)| i < 64)
        .collect();
    let simple_id = |i: usize| simple.iter().find(|p| p.0 == i).map(|p| p.1);
    let simple_pairs = simple.iter().map(|(i, id)| quote!((#i, #id)));
    let static_guess = quote!(&[#(#order),*], &[#(#simple_pairs),*]);
    // the straight-line path runs when the runtime confirms every guess
    let (_, de0, _) = de_generics(c.generics);
    // consecutive leaves share one writer; consecutive fixed-size leaves
    // (numbers, bools) write into bytes reserved once for all of them
    let mut static_writes = Vec::new();
    let mut run: Vec<(usize, u8)> = Vec::new();
    let flush = |run: &mut Vec<(usize, u8)>, out: &mut Vec<TokenStream>| {
        let leaves = std::mem::take(run);
        if leaves.is_empty() {
            return;
        }
        let mut parts = Vec::new();
        let mut fixed: Vec<(usize, u8)> = Vec::new();
        let flush_fixed = |fixed: &mut Vec<(usize, u8)>, parts: &mut Vec<TokenStream>| {
            if fixed.is_empty() {
                return;
            }
            let tys = fixed.iter().map(|&(i, _)| wire[i].ty);
            let writes = fixed.iter().map(|&(i, id)| {
                let fi = wire[i].ident;
                quote_spanned!(wire[i].ty.span()=> __p::Serialize::write_run(&self.#fi, #id, __r)?;)
            });
            parts.push(quote!({
                const __MAX: usize = 0 #(+ <#tys as __p::Serialize>::RUN_MAX)*;
                __w.run(__MAX, |__r| -> __p::Result<()> {
                    #(#writes)*
                    ::core::result::Result::Ok(())
                })?;
            }));
            fixed.clear();
        };
        for (i, id) in leaves {
            if id == crate::order::STRING {
                flush_fixed(&mut fixed, &mut parts);
                let fi = wire[i].ident;
                parts.push(quote_spanned!(wire[i].ty.span()=>
                    __p::Serialize::write_leaf(&self.#fi, #id, &mut __w)?;
                ));
            } else {
                fixed.push((i, id));
            }
        }
        flush_fixed(&mut fixed, &mut parts);
        out.push(quote!({
            let mut __w = __ctx.writer();
            #(#parts)*
        }));
    };
    for &i in &order {
        let fi = wire[i].ident;
        let span = wire[i].ty.span();
        match simple_id(i) {
            Some(id) => run.push((i, id)),
            None => {
                flush(&mut run, &mut static_writes);
                static_writes.push(quote_spanned!(span=> __p::structs::write_field(&self.#fi, &__plans[#i], __ctx)?;));
            }
        }
    }
    flush(&mut run, &mut static_writes);
    // the straight-line read: locals in wire order, then the value; leaves
    // in a row read through one reader borrow
    let mut static_reads = Vec::new();
    let mut in_run = false;
    for &i in &order {
        let ty = wire[i].ty;
        let l = &locals[i];
        let span = ty.span();
        match simple_id(i) {
            Some(id) => {
                if !in_run {
                    static_reads.push(quote!(let __r = __ctx.reader();));
                    in_run = true;
                }
                static_reads.push(quote_spanned! {span=>
                    let #l: #ty = <#ty as __p::Deserialize<#de0>>::read_leaf(__r, #id)?;
                });
            }
            None => {
                in_run = false;
                static_reads.push(quote_spanned! {span=>
                    let #l: #ty = __p::structs::read_field(__ctx, &__plans[#i])?;
                });
            }
        }
    }
    // the value's field initialisers: skipped fields default, wire field
    // `i` (its local `__f{i}`) as `wire_init` makes it
    let field_inits = |wire_init: &dyn Fn(&Field<'_>, &syn::Ident) -> TokenStream| {
        let mut wi = 0usize;
        fields
            .iter()
            .map(|f| {
                let fi = f.ident;
                if f.attrs.skip {
                    quote!(#fi: ::core::default::Default::default(),)
                } else {
                    let init = wire_init(f, &locals[wi]);
                    wi += 1;
                    quote!(#fi: #init,)
                }
            })
            .collect::<Vec<_>>()
    };
    let static_inits = field_inits(&|_, l| quote!(#l));
    let inits = field_inits(&|f, l| match &f.attrs.default {
        Some(path) => quote_spanned!(f.ty.span()=> #l.unwrap_or_else(#path)),
        None => quote_spanned!(f.ty.span()=> #l.unwrap_or_default()),
    });

    let value_types: Vec<&syn::Type> = wire.iter().map(|f| f.ty).collect();
    let ImplGenerics {
        ty: g_type,
        ser: g_ser,
        de: g_de,
        de_lifetime: de,
    } = impl_generics_all(c, &value_types, true);
    let (ig_type, _, wc_type) = g_type.split_for_impl();
    let (ig_ser, _, wc_ser) = g_ser.split_for_impl();
    let (ig_de, _, wc_de) = g_de.split_for_impl();

    let submit = submission(c, quote!(__p::ForyStruct), "register_struct");
    quote! {
        #submit

        impl #ig_type __p::ForyStruct for #ident #ty_generics #wc_type {
            const NAME: &'static str = #name;
            fn type_cache() -> ::core::option::Option<&'static __p::TypeCache> {
                static __CACHE: __p::TypeCache = __p::TypeCache::new();
                ::core::option::Option::Some(&__CACHE)
            }
            fn decl() -> __p::Result<__p::StructDecl> {
                ::core::result::Result::Ok(__p::StructDecl {
                    name: ::std::string::String::from(<Self as __p::ForyStruct>::NAME),
                    registration: #registration,
                    fields: ::std::vec![#(#decls),*],
                })
            }
        }

        impl #ig_type __p::ForyType for #ident #ty_generics #wc_type {
            fn type_id() -> __p::TypeId {
                __p::type_id::STRUCT
            }
            fn field_type() -> __p::FieldType {
                __p::FieldType::new(__p::TypeExpr::Named(::std::string::String::from(<Self as __p::ForyStruct>::NAME)))
            }
            fn trackable() -> bool {
                true
            }
            fn declarable() -> bool {
                false
            }
        }

        impl #ig_ser __p::Serialize for #ident #ty_generics #wc_ser {
            fn write_type_meta(__ctx: &mut __p::WriteContext<'_, '_>) -> __p::Result<()> {
                __p::structs::write_struct_meta::<Self>(__ctx)
            }
            fn write_body<'__fory_a>(&'__fory_a self, __ctx: &mut __p::WriteContext<'__fory_a, '_>) -> __p::Result<()> {
                let __c = __p::structs::begin_write::<Self>(__ctx)?;
                if let ::core::option::Option::Some(__plans) = __c.static_plans::<#n_wire>(#static_guess) {
                    #(#static_writes)*
                } else {
                    for &__i in __c.layout.order.iter() {
                        match __i {
                            #(#writes)*
                            _ => {}
                        }
                    }
                }
                ::core::result::Result::Ok(())
            }
        }

        impl #ig_de __p::Deserialize<#de> for #ident #ty_generics #wc_de {
            fn accepts(__id: __p::TypeId) -> bool {
                __p::type_id::is_struct(__id)
            }
            fn read_meta(__ctx: &mut __p::ReadContext<#de>) -> __p::Result<__p::TypeId> {
                __p::structs::read_struct_meta::<Self>(__ctx)
            }
            fn read_body(__ctx: &mut __p::ReadContext<#de>, _: __p::TypeId) -> __p::Result<Self> {
                let __plan = __p::structs::begin_read::<Self>(__ctx)?;
                if let __p::ReadPlan::Consistent(__c) = &__plan {
                    if let ::core::option::Option::Some(__plans) = __c.static_plans::<#n_wire>(#static_guess) {
                        #(#static_reads)*
                        return ::core::result::Result::Ok(#ident { #(#static_inits)* });
                    }
                }
                #(#local_decls)*
                match __plan {
                    __p::ReadPlan::Consistent(__c) => {
                        for &__i in __c.layout.order.iter() {
                            match __i {
                                #(#consistent_reads)*
                                _ => {}
                            }
                        }
                    }
                    __p::ReadPlan::Compatible(__m) => {
                        for __rf in __m.iter() {
                            match __rf.local {
                                #(#compat_reads)*
                                _ => __p::structs::skip_field(__ctx, __rf)?,
                            }
                        }
                    }
                }
                ::core::result::Result::Ok(#ident { #(#inits)* })
            }
        }
    }
}

fn gen_enum(c: &Container<'_>, variants: &[Variant<'_>]) -> TokenStream {
    let ident = c.ident;
    let (name, registration) = name_and_registration(c);
    let (_, ty_generics, _) = c.generics.split_for_impl();
    let values: Vec<u32> = variants
        .iter()
        .enumerate()
        .map(|(i, v)| v.wire_value(i))
        .collect();
    let decl_variants = variants.iter().zip(&values).enumerate().map(|(i, (v, value))| {
        let vname = v.ident.to_string();
        let i = i as u32;
        quote!(__p::Variant { name: ::std::string::String::from(#vname), ordinal: #i, wire_value: #value })
    });
    let to_wire = variants.iter().zip(&values).map(|(v, value)| {
        let vi = v.ident;
        quote!(#ident::#vi => #value,)
    });
    let from_wire = variants.iter().zip(&values).map(|(v, value)| {
        let vi = v.ident;
        quote!(#value => ::core::result::Result::Ok(#ident::#vi),)
    });
    // unit variants hold no values: nothing is inferred, given bounds apply
    let bound = &c.attrs.bound;
    let type_bounds = type_level_bounds(c, &[]);
    let g_type = impl_generics(c.generics, &[], type_bounds.as_deref());
    let (ig_type, _, wc_type) = g_type.split_for_impl();
    let g_ser = impl_generics(c.generics, &[], bound.for_serialize());
    let (ig_ser, _, wc_ser) = g_ser.split_for_impl();
    let (g_de, de, _) = de_generics(c.generics);
    let g_de = impl_generics(&g_de, &[], bound.for_deserialize());
    let (ig_de, _, wc_de) = g_de.split_for_impl();
    let submit = submission(c, quote!(__p::ForyEnum), "register_enum");
    quote! {
        #submit

        impl #ig_type __p::ForyEnum for #ident #ty_generics #wc_type {
            const NAME: &'static str = #name;
            fn type_cache() -> ::core::option::Option<&'static __p::TypeCache> {
                static __CACHE: __p::TypeCache = __p::TypeCache::new();
                ::core::option::Option::Some(&__CACHE)
            }
            fn decl() -> __p::EnumDecl {
                __p::EnumDecl {
                    name: ::std::string::String::from(<Self as __p::ForyEnum>::NAME),
                    registration: #registration,
                    variants: ::std::vec![#(#decl_variants),*],
                }
            }
        }

        impl #ig_type __p::ForyType for #ident #ty_generics #wc_type {
            fn type_id() -> __p::TypeId {
                __p::type_id::ENUM
            }
            fn field_type() -> __p::FieldType {
                __p::FieldType::new(__p::TypeExpr::Named(::std::string::String::from(<Self as __p::ForyEnum>::NAME)))
            }
        }

        impl #ig_ser __p::Serialize for #ident #ty_generics #wc_ser {
            fn write_type_meta(__ctx: &mut __p::WriteContext<'_, '_>) -> __p::Result<()> {
                __p::structs::write_enum_meta::<Self>(__ctx)
            }
            fn write_body<'__fory_a>(&'__fory_a self, __ctx: &mut __p::WriteContext<'__fory_a, '_>) -> __p::Result<()> {
                let __v: u32 = match self { #(#to_wire)* };
                __ctx.writer().var_u32(__v);
                ::core::result::Result::Ok(())
            }
        }

        impl #ig_de __p::Deserialize<#de> for #ident #ty_generics #wc_de {
            fn accepts(__id: __p::TypeId) -> bool {
                __id == __p::type_id::ENUM || __id == __p::type_id::NAMED_ENUM
            }
            fn read_meta(__ctx: &mut __p::ReadContext<#de>) -> __p::Result<__p::TypeId> {
                __p::structs::read_enum_meta::<Self>(__ctx)
            }
            fn read_body(__ctx: &mut __p::ReadContext<#de>, _: __p::TypeId) -> __p::Result<Self> {
                let __pos = __ctx.reader().pos();
                match __ctx.reader().var_u32()? {
                    #(#from_wire)*
                    __other => ::core::result::Result::Err(__p::Error::invalid(
                        __pos,
                        ::std::format!("{} has no variant with value {}", <Self as __p::ForyEnum>::NAME, __other),
                    )),
                }
            }
        }
    }
}

/// A data-carrying enum: an xlang UNION. Each case is a case id followed by
/// its value with a ref flag and type meta.
fn gen_union(c: &Container<'_>, variants: &[Variant<'_>]) -> TokenStream {
    let ident = c.ident;
    let (name, registration) = name_and_registration(c);
    let (_, ty_generics, _) = c.generics.split_for_impl();
    let cases: Vec<(u32, &Variant<'_>, &syn::Type)> = variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match &v.original.fields {
            syn::Fields::Unnamed(u) if u.unnamed.len() == 1 => {
                Some((v.wire_value(i), v, &u.unnamed[0].ty))
            }
            _ => None,
        })
        .collect();
    let writes = cases.iter().map(|(case, v, _)| {
        let vi = v.ident;
        quote!(#ident::#vi(__v) => __p::structs::write_union_case(#case, __v, __ctx),)
    });
    let reads = cases.iter().map(|(case, v, ty)| {
        let vi = v.ident;
        quote_spanned!(ty.span()=> #case => ::core::result::Result::Ok(#ident::#vi(__p::structs::read_union_value::<#ty>(__ctx)?)),)
    });
    let value_types: Vec<&syn::Type> = cases.iter().map(|(_, _, ty)| *ty).collect();
    let ImplGenerics {
        ty: g_type,
        ser: g_ser,
        de: g_de,
        de_lifetime: de,
    } = impl_generics_all(c, &value_types, false);
    let (ig_type, _, wc_type) = g_type.split_for_impl();
    let (ig_ser, _, wc_ser) = g_ser.split_for_impl();
    let (ig_de, _, wc_de) = g_de.split_for_impl();
    let submit = submission(c, quote!(__p::ForyUnion), "register_union");
    quote! {
        #submit

        impl #ig_type __p::ForyUnion for #ident #ty_generics #wc_type {
            const NAME: &'static str = #name;
            fn registration() -> __p::Registration {
                #registration
            }
        }

        impl #ig_type __p::ForyType for #ident #ty_generics #wc_type {
            fn type_id() -> __p::TypeId {
                __p::type_id::TYPED_UNION
            }
            fn field_type() -> __p::FieldType {
                __p::FieldType::new(__p::TypeExpr::Any)
            }
            fn trackable() -> bool {
                false
            }
            fn declarable() -> bool {
                false
            }
        }

        impl #ig_ser __p::Serialize for #ident #ty_generics #wc_ser {
            fn write_type_meta(__ctx: &mut __p::WriteContext<'_, '_>) -> __p::Result<()> {
                __p::structs::write_opaque_meta(
                    __ctx,
                    <Self as __p::ForyUnion>::NAME,
                    &<Self as __p::ForyUnion>::registration(),
                    __p::OpaqueKind::Union,
                )
            }
            fn write_body<'__fory_a>(&'__fory_a self, __ctx: &mut __p::WriteContext<'__fory_a, '_>) -> __p::Result<()> {
                match self { #(#writes)* }
            }
        }

        impl #ig_de __p::Deserialize<#de> for #ident #ty_generics #wc_de {
            fn accepts(__id: __p::TypeId) -> bool {
                __id == __p::type_id::TYPED_UNION || __id == __p::type_id::NAMED_UNION || __id == __p::type_id::UNION
            }
            fn read_meta(__ctx: &mut __p::ReadContext<#de>) -> __p::Result<__p::TypeId> {
                __p::structs::read_opaque_meta(
                    __ctx,
                    <Self as __p::ForyUnion>::NAME,
                    &<Self as __p::ForyUnion>::registration(),
                    __p::OpaqueKind::Union,
                )
            }
            fn read_body(__ctx: &mut __p::ReadContext<#de>, _: __p::TypeId) -> __p::Result<Self> {
                let (__case, __pos) = __p::structs::read_union_case(__ctx)?;
                match __case {
                    #(#reads)*
                    __other => ::core::result::Result::Err(__p::Error::invalid(
                        __pos,
                        ::std::format!("{} has no case {}", <Self as __p::ForyUnion>::NAME, __other),
                    )),
                }
            }
        }
    }
}
