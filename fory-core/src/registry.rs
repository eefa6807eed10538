//! The registered user types of a [`Fory`](crate::Fory) instance, with their
//! layouts precomputed for its configuration.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

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
    /// Whether derived code's compile-time guesses hold (decided on first
    /// use; see [`CompiledStruct::static_plans`]).
    static_order: OnceLock<bool>,
    /// How the struct is registered (a copy of the declaration's, one
    /// pointer hop closer for the type meta written with every value).
    registration: crate::schema::Registration,
    /// Compatible mode: the struct's own TypeDef, encoded and decoded, so a
    /// stream announcing exactly it is recognised by comparing bytes.
    own: Option<(Vec<u8>, crate::serializer::structs::RemoteStruct)>,
    /// Its index among the registry's structs (a context's meta-share slot).
    slot: u32,
}

impl CompiledStruct {
    /// The struct's index in its registry: a dense key for per-stream tables.
    #[inline]
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// The struct's own TypeDef bytes and their decoded form (compatible mode).
    #[inline]
    pub fn own_typedef(&self) -> Option<(&[u8], &crate::serializer::structs::RemoteStruct)> {
        self.own.as_ref().map(|(b, r)| (b.as_slice(), r))
    }

    /// Whether derived code took its straight-line path (`None` before the
    /// first use). See [`CompiledStruct::static_plans`].
    pub fn static_order_used(&self) -> Option<bool> {
        self.static_order.get().copied()
    }

    /// The field plans as an array, when derived code may take its
    /// straight-line path: the wire order it guessed at compile time
    /// (`order`) is the layout's, and every field it guessed to be a leaf
    /// (listed in `simple` with a wire type id; the first 64 fields) really
    /// is one: no null or ref flag, no type meta, that wire type. Leaves are
    /// then written and read without their plans, the other fields through
    /// the plans returned. `None` sends derived code to its field loop.
    /// Decided once per struct and registry.
    #[inline]
    pub fn static_plans<const N: usize>(
        &self,
        order: &[usize; N],
        simple: &[(usize, u8)],
    ) -> Option<&[FieldPlan; N]> {
        // decided: one load (the guesses are only looked at the first time)
        let ok = match self.static_order.get() {
            Some(&ok) => ok,
            None => self.decide_static(order, simple),
        };
        if !ok {
            return None;
        }
        self.plans.as_slice().try_into().ok()
    }

    /// The first-use half of [`static_plans`](Self::static_plans): whether
    /// the guesses hold, remembered.
    #[cold]
    #[inline(never)]
    fn decide_static(&self, order: &[usize], simple: &[(usize, u8)]) -> bool {
        *self.static_order.get_or_init(|| {
            let leaf = |&(i, id): &(usize, u8)| {
                self.plans
                    .get(i)
                    .is_some_and(|p| !p.nullable && !p.runtime_ref && !p.dynamic && p.wire_id == id)
            };
            self.layout.order.as_slice() == order
                && simple.iter().filter(|&&(i, _)| i < 64).all(leaf)
        })
    }

    /// How the struct is registered.
    #[inline]
    pub fn registration(&self) -> &crate::schema::Registration {
        &self.registration
    }
}

/// The types a stream has announced with a TypeDef (meta share), by name,
/// with their index. A stream names few types, so a short list scanned
/// linearly (no hashing, no allocation) serves it; past 16 entries a hash
/// index takes over.
#[derive(Debug, Default)]
pub struct MetaShareTable {
    /// `(name, index, struct slot or NO_SLOT)`, in announcement order. The
    /// entries are `Copy` (owned names live in `owned`), so dropping a table
    /// that never spilled costs nothing per entry.
    entries: smallvec::SmallVec<[(Name, u32, u32); 4]>,
    /// The names that are not `&'static` (from the dynamic encoder).
    owned: Vec<String>,
    index: Option<Box<rustc_hash::FxHashMap<std::borrow::Cow<'static, str>, u32>>>,
    /// How many entries came through [`insert_struct`](Self::insert_struct)
    /// (when all did, a slot not found means "not announced", without
    /// comparing names).
    slotted: usize,
}

/// An entry's name: a `&'static` one, or the index of an owned one.
#[derive(Debug, Clone, Copy)]
enum Name {
    Static(&'static str),
    Owned(usize),
}

/// The slot of an entry that is not a registered struct.
const NO_SLOT: u32 = u32::MAX;

impl MetaShareTable {
    /// The text of an entry's name.
    #[inline]
    fn text(&self, n: Name) -> &str {
        match n {
            Name::Static(s) => s,
            Name::Owned(i) => &self.owned[i],
        }
    }

    /// The index of `name`, when announced.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&u32> {
        match &self.index {
            Some(m) => m.get(name),
            None => self
                .entries
                .iter()
                .find(|(n, _, _)| {
                    let t = self.text(*n);
                    std::ptr::eq(t, name) || t == name
                })
                .map(|(_, i, _)| i),
        }
    }

    /// The index of the registered struct in `slot` ([`CompiledStruct::slot`],
    /// named `name`), when announced: the slots are compared as integers,
    /// and the name only when some entry came from elsewhere (or past 16
    /// entries, where the hash index answers).
    #[inline]
    pub fn get_struct(&self, slot: u32, name: &str) -> Option<u32> {
        if self.index.is_some() {
            // past 16 entries the hash index answers
            return self.get(name).copied();
        }
        if let Some((_, i, _)) = self.entries.iter().find(|e| e.2 == slot) {
            return Some(*i);
        }
        if self.slotted == self.entries.len() {
            return None;
        }
        self.get(name).copied()
    }

    /// Announces the registered struct in `slot` (named `name`): `Ok` with
    /// its index when the stream announced it already, else `Err` with the
    /// index it now has. While every entry is a struct's and there are
    /// fewer than 16, this is a scan of slots and a push, in line.
    #[inline]
    pub fn announce_struct(&mut self, slot: u32, name: &'static str) -> Result<u32, u32> {
        let n = self.entries.len();
        if self.slotted == n && n < 16 {
            if let Some((_, i, _)) = self.entries.iter().find(|e| e.2 == slot) {
                return Ok(*i);
            }
            let idx = n as u32;
            self.entries.push((Name::Static(name), idx, slot));
            self.slotted += 1;
            return Err(idx);
        }
        self.announce_struct_slow(slot, name)
    }

    #[inline(never)]
    fn announce_struct_slow(&mut self, slot: u32, name: &'static str) -> Result<u32, u32> {
        if let Some(i) = self.get_struct(slot, name) {
            return Ok(i);
        }
        let idx = self.len() as u32;
        self.insert_struct(slot, name, idx);
        Err(idx)
    }

    /// How many types were announced.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records `name` with index `idx`.
    pub fn insert(&mut self, name: std::borrow::Cow<'static, str>, idx: u32) {
        let n = match name {
            std::borrow::Cow::Borrowed(s) => Name::Static(s),
            std::borrow::Cow::Owned(s) => {
                self.owned.push(s);
                Name::Owned(self.owned.len() - 1)
            }
        };
        self.insert_named(n, idx, NO_SLOT);
    }

    /// Records the registered struct in `slot`, named `name`, with index `idx`.
    pub fn insert_struct(&mut self, slot: u32, name: &'static str, idx: u32) {
        self.insert_named(Name::Static(name), idx, slot);
        self.slotted += 1;
    }

    fn insert_named(&mut self, name: Name, idx: u32, slot: u32) {
        let key = |t: &MetaShareTable, n: Name| match n {
            Name::Static(s) => std::borrow::Cow::Borrowed(s),
            Name::Owned(i) => std::borrow::Cow::Owned(t.owned[i].clone()),
        };
        if self.index.is_some() {
            let k = key(self, name);
            if let Some(m) = &mut self.index {
                m.insert(k, idx);
            }
        } else if self.entries.len() >= 16 {
            let mut m: rustc_hash::FxHashMap<_, _> = self
                .entries
                .iter()
                .map(|&(n, i, _)| (key(self, n), i))
                .collect();
            m.insert(key(self, name), idx);
            self.index = Some(Box::new(m));
        }
        self.entries.push((name, idx, slot));
    }
}

/// A registered unit enum, as its type meta is written: the registration,
/// and for a named enum in compatible mode its TypeDef, encoded once.
#[derive(Debug)]
pub struct CompiledEnum {
    /// How the enum is registered.
    pub registration: crate::schema::Registration,
    /// The TypeDef bytes of a named enum (compatible mode), else empty.
    pub typedef: Vec<u8>,
}

static NEXT_REGISTRY_ID: AtomicU64 = AtomicU64::new(1);

/// Schema plus compiled struct layouts, and a cache of the TypeDefs seen in
/// streams (decoded once per process, not once per call).
#[derive(Debug, Default)]
pub struct Registry {
    id: u64,
    schema: Schema,
    compiled: Vec<CompiledStruct>,
    index: rustc_hash::FxHashMap<String, usize>,
    enums: Vec<CompiledEnum>,
    enum_index: rustc_hash::FxHashMap<String, usize>,
    typedefs: Mutex<rustc_hash::FxHashMap<u64, Arc<crate::serializer::structs::RemoteStruct>>>,
    /// The length of the last `Fory::serialize` result: the next one's
    /// starting capacity.
    pub(crate) out_len_hint: AtomicUsize,
}

/// Entries a [`TypeCache`] can address per registry.
const INDEX_BITS: u32 = 24;

/// A per-type cache of "which compiled layout is mine in this registry",
/// so derived code finds its layout without hashing its name. One atomic
/// load on the hot path; a miss (another registry) falls back to the name.
#[derive(Debug)]
pub struct TypeCache {
    packed: AtomicU64,
}

impl TypeCache {
    /// An empty cache (const, for a `static` in generated code).
    pub const fn new() -> Self {
        TypeCache {
            packed: AtomicU64::new(0),
        }
    }
}

impl TypeCache {
    /// The index this cache holds for the registry numbered `registry`.
    #[inline]
    fn index_in(&self, registry: u64) -> Option<usize> {
        let packed = self.packed.load(Ordering::Relaxed);
        (packed >> INDEX_BITS == registry).then_some((packed & ((1 << INDEX_BITS) - 1)) as usize)
    }

    /// Remembers index `i` in the registry numbered `registry`.
    fn remember(&self, registry: u64, i: usize) {
        self.packed
            .store((registry << INDEX_BITS) | i as u64, Ordering::Relaxed);
    }
}

/// `items[index[name]]`, or an error naming the `kind` of type missing.
fn by_name<'a, T>(
    index: &rustc_hash::FxHashMap<String, usize>,
    items: &'a [T],
    name: &str,
    kind: &str,
) -> Result<&'a T> {
    index.get(name).map(|&i| &items[i]).ok_or_else(|| {
        Error::encode(format!(
            "{kind} {name} is not registered with this Fory instance"
        ))
    })
}

impl Default for TypeCache {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// Compiles every struct of `schema` for `cfg`.
    pub fn new(schema: Schema, cfg: Config) -> Result<Registry> {
        let mut compiled = Vec::new();
        let mut index = rustc_hash::FxHashMap::default();
        let mut enums = Vec::new();
        let mut enum_index = rustc_hash::FxHashMap::default();
        for t in schema.types() {
            if let TypeDecl::Enum(e) = &**t {
                let typedef = match (&e.registration, cfg.compatible) {
                    (crate::schema::Registration::Name { .. }, true) => {
                        crate::wire::typedef::TypeDef {
                            kind: crate::wire::typedef::TypeDefKind::Other(1),
                            registration: e.registration.clone(),
                            fields: vec![],
                        }
                        .encode()?
                    }
                    _ => Vec::new(),
                };
                enum_index.insert(e.name.clone(), enums.len());
                enums.push(CompiledEnum {
                    registration: e.registration.clone(),
                    typedef,
                });
            }
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
                index.insert(s.name.clone(), compiled.len());
                // recognised without decoding only if decoding it passes this
                // instance's limits (else streams take the checked path and
                // report the limit)
                let own = layout.typedef.as_ref().and_then(|(_, bytes)| {
                    let mut r = crate::wire::Reader::with_limits(bytes, cfg.limits, 0);
                    let def = crate::wire::typedef::TypeDef::decode(&mut r).ok()?;
                    Some((
                        bytes.clone(),
                        crate::serializer::structs::RemoteStruct::new(def),
                    ))
                });
                compiled.push(CompiledStruct {
                    layout,
                    plans,
                    static_order: OnceLock::new(),
                    registration: s.registration.clone(),
                    own,
                    slot: compiled.len() as u32,
                });
            }
        }
        if compiled.len().max(enums.len()) >= 1 << INDEX_BITS {
            return Err(Error::schema("too many struct types in one registry"));
        }
        Ok(Registry {
            id: NEXT_REGISTRY_ID.fetch_add(1, Ordering::Relaxed),
            schema,
            compiled,
            index,
            enums,
            enum_index,
            typedefs: Mutex::new(rustc_hash::FxHashMap::default()),
            out_len_hint: AtomicUsize::new(0),
        })
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The compiled layout of the struct called `name`.
    pub fn compiled(&self, name: &str) -> Result<&CompiledStruct> {
        by_name(&self.index, &self.compiled, name, "struct")
    }

    /// The compiled layout of `name`, remembered in `cache` for this registry.
    #[inline]
    pub fn compiled_cached(&self, cache: &TypeCache, name: &str) -> Result<&CompiledStruct> {
        match cache.index_in(self.id).and_then(|i| self.compiled.get(i)) {
            Some(c) => Ok(c),
            None => self.miss(cache, &self.index, &self.compiled, name, "struct"),
        }
    }

    /// The registered enum `name`, remembered in `cache` for this registry.
    #[inline]
    pub fn enum_cached(&self, cache: &TypeCache, name: &str) -> Result<&CompiledEnum> {
        match cache.index_in(self.id).and_then(|i| self.enums.get(i)) {
            Some(e) => Ok(e),
            None => self.miss(cache, &self.enum_index, &self.enums, name, "enum"),
        }
    }

    /// The registered enum `name`.
    pub fn enum_named(&self, name: &str) -> Result<&CompiledEnum> {
        by_name(&self.enum_index, &self.enums, name, "enum")
    }

    /// The slow path of the cached lookups: find `name`, remember its index.
    #[cold]
    #[inline(never)]
    fn miss<'a, T>(
        &self,
        cache: &TypeCache,
        index: &rustc_hash::FxHashMap<String, usize>,
        items: &'a [T],
        name: &str,
        kind: &str,
    ) -> Result<&'a T> {
        let found = by_name(index, items, name, kind)?;
        if let Some(&i) = index.get(name) {
            cache.remember(self.id, i);
        }
        Ok(found)
    }

    /// A TypeDef seen before (by its 8-byte header), if any.
    pub(crate) fn cached_typedef(
        &self,
        header: u64,
    ) -> Option<Arc<crate::serializer::structs::RemoteStruct>> {
        self.typedefs.lock().ok()?.get(&header).cloned()
    }

    /// Remembers a decoded TypeDef (bounded: a hostile stream cannot grow it forever).
    pub(crate) fn remember_typedef(
        &self,
        header: u64,
        def: Arc<crate::serializer::structs::RemoteStruct>,
    ) {
        if let Ok(mut m) = self.typedefs.lock() {
            if m.len() < 4096 {
                m.insert(header, def);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::MetaShareTable;
    use std::borrow::Cow;

    #[test]
    fn meta_share_table_small_and_indexed() {
        let names: Vec<String> = (0..40).map(|i| format!("ns.Type{i}")).collect();
        let mut t = MetaShareTable::default();
        assert!(t.is_empty());
        for (i, n) in names.iter().enumerate() {
            assert_eq!(t.get(n), None);
            t.insert(Cow::Owned(n.clone()), i as u32);
            assert_eq!(t.len(), i + 1);
            // every name so far, by content (a different allocation), both
            // below the 16 entries of the linear list and past it
            for (j, m) in names[..=i].iter().enumerate() {
                assert_eq!(t.get(&m.clone()), Some(&(j as u32)), "{m} after {i}");
            }
        }
        assert_eq!(t.get("ns.Type40"), None);
        // a &'static name is found by pointer or by content
        let mut s = MetaShareTable::default();
        s.insert(Cow::Borrowed("a.B"), 0);
        assert_eq!(s.get("a.B"), Some(&0));
        assert_eq!(s.get(&String::from("a.B")), Some(&0));
    }

    #[test]
    fn meta_share_struct_slots_agree_with_names() {
        // only slotted entries: a free slot is "not announced"
        let mut t = MetaShareTable::default();
        assert_eq!(t.get_struct(3, "a.S3"), None);
        t.insert_struct(3, "a.S3", 0);
        t.insert_struct(0, "a.S0", 1);
        assert_eq!(t.get_struct(3, "a.S3"), Some(0));
        assert_eq!(t.get_struct(0, "a.S0"), Some(1));
        assert_eq!(t.get_struct(1, "a.S1"), None);
        assert_eq!(t.get("a.S3"), Some(&0), "found by name too");
        // an entry by name (the dynamic encoder) is found from its slot
        t.insert(Cow::Borrowed("a.S7"), 2);
        assert_eq!(t.get_struct(7, "a.S7"), Some(2));
        assert_eq!(t.get_struct(5, "a.S5"), None);
        assert_eq!(t.len(), 3);
    }

    /// `announce_struct` answers what `get_struct` then `insert_struct` with
    /// the next index would: in line while all entries are slotted and few,
    /// through the slow path past 16 entries or after a named entry.
    #[test]
    fn announce_struct_matches_get_then_insert() {
        // `&'static` names without leaking (Miri checks for leaks)
        const NAMES: [&str; 40] = [
            "ns.S0", "ns.S1", "ns.S2", "ns.S3", "ns.S4", "ns.S5", "ns.S6", "ns.S7", "ns.S8",
            "ns.S9", "ns.S10", "ns.S11", "ns.S12", "ns.S13", "ns.S14", "ns.S15", "ns.S16",
            "ns.S17", "ns.S18", "ns.S19", "ns.S20", "ns.S21", "ns.S22", "ns.S23", "ns.S24",
            "ns.S25", "ns.S26", "ns.S27", "ns.S28", "ns.S29", "ns.S30", "ns.S31", "ns.S32",
            "ns.S33", "ns.S34", "ns.S35", "ns.S36", "ns.S37", "ns.S38", "ns.S39",
        ];
        let names = NAMES;
        for named_at in [None, Some(2usize), Some(20)] {
            let (mut fast, mut slow) = (MetaShareTable::default(), MetaShareTable::default());
            // each slot announced twice, in an order that revisits old ones
            let order = (0..40u32).flat_map(|i| [i, i / 2]);
            for (k, slot) in order.enumerate() {
                if named_at == Some(k) {
                    fast.insert(Cow::Borrowed("dyn.Named"), fast.len() as u32);
                    slow.insert(Cow::Borrowed("dyn.Named"), slow.len() as u32);
                }
                let name = names[slot as usize];
                let want = match slow.get_struct(slot, name) {
                    Some(i) => Ok(i),
                    None => {
                        let idx = slow.len() as u32;
                        slow.insert_struct(slot, name, idx);
                        Err(idx)
                    }
                };
                assert_eq!(
                    fast.announce_struct(slot, name),
                    want,
                    "slot {slot} step {k}"
                );
                assert_eq!(fast.len(), slow.len());
            }
            assert_eq!(fast.len(), 41 - usize::from(named_at.is_none()));
        }
    }
}
