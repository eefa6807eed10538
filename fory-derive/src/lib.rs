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
