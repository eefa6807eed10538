//! The registered user types of a [`Fory`](crate::Fory) instance, with their
//! layouts precomputed for its configuration.

use std::sync::Arc;

use crate::dynamic::layout::{field_plan, FieldPlan, StructLayout};
use crate::dynamic::Config;
use crate::error::{Error, Result};
use crate::schema::{Schema, TypeDecl};

/// A struct's layout plus the per-field plans derived code uses.
#[derive(Debug)]
pub struct CompiledStruct {
    /// Field order, hash, TypeDef.
    pub layout: StructLayout,
    /// How each field (by declaration index) is framed.
    pub plans: Vec<FieldPlan>,
}

/// Schema plus compiled struct layouts.
#[derive(Debug, Default)]
pub struct Registry {
    schema: Schema,
    compiled: rustc_hash::FxHashMap<String, Arc<CompiledStruct>>,
}

impl Registry {
    /// Compiles every struct of `schema` for `cfg`.
    pub fn new(schema: Schema, cfg: Config) -> Result<Registry> {
        let mut compiled = rustc_hash::FxHashMap::default();
        for t in schema.types() {
            if let TypeDecl::Struct(s) = &**t {
                let decl = Arc::new(s.clone());
                let layout =
                    StructLayout::new(&schema, decl.clone(), cfg.ref_tracking, cfg.compatible)?;
                let plans = s
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| field_plan(&schema, cfg, f, layout.runtime_ref[i]))
                    .collect();
                compiled.insert(s.name.clone(), Arc::new(CompiledStruct { layout, plans }));
            }
        }
        Ok(Registry { schema, compiled })
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The compiled layout of the struct called `name`.
    pub fn compiled(&self, name: &str) -> Result<&Arc<CompiledStruct>> {
        self.compiled.get(name).ok_or_else(|| {
            Error::encode(format!(
                "struct {name} is not registered with this Fory instance"
            ))
        })
    }
}

/// A type that registers itself at compile time (`#[derive(Fory)]` with an
/// `id` or a `name`, and plugin crates). Collected with `inventory`; see
/// [`ForyBuilder::register_all`](crate::ForyBuilder::register_all).
pub struct TypeRegistration {
    /// The type's registered full name (for ordering and error messages).
    pub name: &'static str,
    /// Adds the type to a builder.
    pub register: fn(crate::ForyBuilder) -> Result<crate::ForyBuilder>,
}

impl TypeRegistration {
    /// A registration entry (const, so it can be submitted statically).
    pub const fn new(
        name: &'static str,
        register: fn(crate::ForyBuilder) -> Result<crate::ForyBuilder>,
    ) -> Self {
        TypeRegistration { name, register }
    }
}

inventory::collect!(TypeRegistration);

/// Every type registered at compile time, sorted by name (inventory's own
/// order is unspecified).
pub fn compile_time_registrations() -> Vec<&'static TypeRegistration> {
    let mut all: Vec<&'static TypeRegistration> =
        inventory::iter::<TypeRegistration>.into_iter().collect();
    all.sort_by_key(|r| r.name);
    all
}
