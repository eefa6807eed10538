//! Where pyfory 1.7.7 differs from the spec or from the Java/Rust peers, and
//! what this crate does about it. One place, so the choices are reviewable.
//!
//! Writer choices (we write what pyfory reads):
//! 1. **Named struct fields in schema-consistent mode** carry type meta
//!    (`NAMED_STRUCT` + meta strings) before the body, as pyfory writes them;
//!    Java/Rust write the body only. Id-registered struct fields are body-only.
//!    (`dynamic::encode::Encoder::is_dynamic`)
//! 2. **Namespace meta strings** in the inline framing use the unrestricted
//!    encoder (LOWER_SPECIAL, id 1), like pyfory; Java/Rust write id 4 with the
//!    same bytes. Readers honour whatever id is sent.
//! 3. **Map null entries**: the non-null side of a null entry has the TRACK
//!    bit and a full ref envelope (`18 01 11 ff 15 04 61`), like pyfory; Rust
//!    writes `10 15 ..`. Both are read.
//! 4. **Root ref flag**: with reference tracking on, pyfory's generic reference
//!    writer gives every non-null root value `00` (REF_VALUE, id 0), even ints
//!    and strings, and so does the non-null side of a map null entry; the
//!    dynamic encoder does the same (the Rust peer writes `ff` there).
//!    Readers accept `00` or `ff` anywhere a value may stand.
//! 5. **Strings** are written Latin-1 when every char fits, else UTF-8 (pyfory
//!    picks UTF-16 for BMP text). All three codings are read. This is the only
//!    difference left between our re-encodings of the 514 conformance cases and
//!    pyfory's bytes (506 identical).
//! 6. **Empty collections** have no header byte (the spec's pitfall #7 is wrong).
//! 7. **varuint64** uses a 9th byte carrying 8 bits (never 10 bytes).
//! 8. **Field names in TypeDefs** are written as declared (pyfory writes the
//!    raw attribute name); matching normalises both sides to snake_case.
//! 9. **Reference-trackable kinds** (pyfory): binary, list, set, map, struct,
//!    date, timestamp, duration, decimal. Strings, numbers, enums and dense
//!    arrays never take a reference id.
//! 10. **Out-of-band**: only BINARY goes through the buffer-object path in
//!     xlang (pyfory writes dense arrays in-band with no flag byte even when
//!     the out-of-band bit is set).
//! 11. **Enum fields and elements** are body-only (varuint32), both modes;
//!     a compatible TypeDef lists a named enum field as `ENUM` (25).
//! 12. **Empty struct hash** is the seed, 47.
