//! `#[derive(Fory)]`: pyfory-compatible serialization for user structs and
//! unit enums. Use it through `fory_core` (feature `derive`, on by default):
//!
//! ```ignore
//! use fory_core::Fory;
//!
//! #[derive(Fory, Debug, Default, PartialEq)]
//! #[fory(name = "example.Point")]
//! struct Point { x: i32, y: i32 }
//! ```
//!
//! The macro runs parse → check → generate; every mistake is reported at
//! once, with its span, and the macro never panics on user input.
//!
//! # Attributes
//!
//! On the type:
//! - `id = N` or `name = "ns.Type"`: how the type is registered (such types
//!   also submit themselves to the compile-time registry);
//! - `crate = "path"`: where `fory_core` is, when it is re-exported;
//! - `bound = "T: Trait, ..."`: where-predicates replacing the inferred
//!   bounds (`T: ForyType` / `Serialize` / `Deserialize<'de> + Default` on
//!   every type parameter) of every impl; `bound = ""` for none;
//! - `bound(serialize = "...", deserialize = "...")`: the same for the
//!   `Serialize` and the `Deserialize<'de>` impl alone (in `deserialize`,
//!   `'de` is the input lifetime, or the type's own lifetime when it has
//!   one); the type-level impls then require `FieldType: ForyType` of every
//!   field type that mentions a type parameter.
//!
//! On fields: `id = N` (tag id), `skip`, `nullable`, `ref`, `rename = "..."`,
//! `encoding = "fixed" | "varint" | "tagged"`, `array`, `list`, `bytes`,
//! `default = "path"`. On unit variants: `value = N` (the wire value).
//!
//! # Borrowed fields
//!
//! A type with one lifetime parameter may hold fields that borrow from the
//! input: `&'a str`, `Cow<'a, str>`, `&'a [u8]`, `Cow<'a, [u8]>`, and
//! `Cow<'a, [T]>` for numeric or bool `T` (see the `fory_core` crate docs
//! for when each borrows). `String`, `&str` and `Cow<str>` fields are all
//! written and read as string leaves, with the same bytes.

mod ast;
mod attr;
mod check;
mod ctxt;
mod generate;
mod order;
mod symbol;

use proc_macro::TokenStream;

/// Derives `ForyType`, `Serialize`, `Deserialize` and `ForyStruct` (structs)
/// or `ForyEnum` (unit enums). See the crate docs for the `#[fory(...)]` attributes.
#[proc_macro_derive(Fory, attributes(fory))]
pub fn derive_fory(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand(input: &syn::DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let cx = ctxt::Ctxt::new();
    let container = ast::Container::from_ast(&cx, input);
    if let Some(c) = &container {
        check::check(&cx, c);
    }
    cx.check()?;
    let Some(c) = container else {
        return Err(syn::Error::new_spanned(input, "could not parse the type"));
    };
    Ok(generate::expand(&c))
}
