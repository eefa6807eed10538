//! Meta strings: the compact encodings used for namespaces, type names and
//! field names (never for string values).
//!
//! Five encodings exist: UTF-8, LOWER_SPECIAL (5 bits), LOWER_UPPER_DIGIT_SPECIAL
//! (6 bits), FIRST_TO_LOWER_SPECIAL and ALL_TO_LOWER_SPECIAL (both 5 bits on
//! a transformed string). 5- and 6-bit codes are packed MSB-first after one
//! leading flag bit that says "the padding would decode as one more char,
//! drop it".

use crate::error::{Error, Result};
use crate::limits::Limit;

/// A meta-string encoding, with its spec id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Plain UTF-8 bytes.
    Utf8 = 0,
    /// `a-z . _ $ |`, 5 bits per char.
    LowerSpecial = 1,
    /// `a-z A-Z 0-9` plus two context-specific specials, 6 bits per char.
    LowerUpperDigitSpecial = 2,
    /// First char lower-cased, then LOWER_SPECIAL.
    FirstToLowerSpecial = 3,
    /// Every upper-case `C` becomes `|c`, then LOWER_SPECIAL.
    AllToLowerSpecial = 4,
}

impl Encoding {
    /// The encoding with spec id `id`.
    pub fn from_id(id: u8) -> Option<Encoding> {
        Some(match id {
            0 => Encoding::Utf8,
            1 => Encoding::LowerSpecial,
            2 => Encoding::LowerUpperDigitSpecial,
            3 => Encoding::FirstToLowerSpecial,
            4 => Encoding::AllToLowerSpecial,
            _ => return None,
        })
    }
}

/// Where a meta string is used: decides the two LUDS special characters and
/// which encodings a writer may pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Namespaces (specials `.` and `_`).
    Namespace,
    /// Type names (specials `$` and `_`).
    TypeName,
    /// Field names (specials `$` and `_`).
    FieldName,
}

impl Context {
    fn specials(self) -> (char, char) {
        match self {
            Context::Namespace => ('.', '_'),
            Context::TypeName | Context::FieldName => ('$', '_'),
        }
    }

    /// Encodings allowed inside a TypeDef, in the order whose index is written
    /// on the wire.
    pub fn typedef_encodings(self) -> &'static [Encoding] {
        match self {
            Context::Namespace | Context::FieldName => &[
                Encoding::Utf8,
                Encoding::AllToLowerSpecial,
                Encoding::LowerUpperDigitSpecial,
            ],
            Context::TypeName => &[
                Encoding::Utf8,
                Encoding::AllToLowerSpecial,
                Encoding::LowerUpperDigitSpecial,
                Encoding::FirstToLowerSpecial,
            ],
        }
    }
}

/// Picks the encoding a reference writer picks for `s` among `allowed`.
pub fn choose_encoding(s: &str, ctx: Context, allowed: &[Encoding]) -> Encoding {
    if s.is_empty() {
        return Encoding::Utf8;
    }
    let (s1, s2) = ctx.specials();
    let mut lower_special = true;
    let mut luds = true;
    let mut digits = 0usize;
    let mut uppers = 0usize;
    let mut n = 0usize;
    for c in s.chars() {
        n += 1;
        if !(c.is_ascii_lowercase() || matches!(c, '.' | '_' | '$' | '|')) {
            lower_special = false;
        }
        if !(c.is_ascii_alphanumeric() || c == s1 || c == s2) {
            luds = false;
        }
        if c.is_ascii_digit() {
            digits += 1;
        }
        if c.is_ascii_uppercase() {
            uppers += 1;
        }
    }
    let has = |e| allowed.contains(&e);
    if lower_special && has(Encoding::LowerSpecial) {
        return Encoding::LowerSpecial;
    }
    if luds && has(Encoding::LowerUpperDigitSpecial) {
        if digits != 0 {
            return Encoding::LowerUpperDigitSpecial;
        }
        let first_upper = s.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        if uppers == 1 && first_upper && has(Encoding::FirstToLowerSpecial) {
            return Encoding::FirstToLowerSpecial;
        }
        if (n + uppers) * 5 < n * 6 && has(Encoding::AllToLowerSpecial) {
            return Encoding::AllToLowerSpecial;
        }
        return Encoding::LowerUpperDigitSpecial;
    }
    Encoding::Utf8
}

/// All encodings, for framings that do not restrict the choice.
pub const ALL_ENCODINGS: &[Encoding] = &[
    Encoding::Utf8,
    Encoding::LowerSpecial,
    Encoding::LowerUpperDigitSpecial,
    Encoding::FirstToLowerSpecial,
    Encoding::AllToLowerSpecial,
];

fn lower_special_code(c: char) -> Option<u8> {
    Some(match c {
        'a'..='z' => c as u8 - b'a',
        '.' => 26,
        '_' => 27,
        '$' => 28,
        '|' => 29,
        _ => return None,
    })
}

fn luds_code(c: char, s1: char, s2: char) -> Option<u8> {
    Some(match c {
        'a'..='z' => c as u8 - b'a',
        'A'..='Z' => 26 + (c as u8 - b'A'),
        '0'..='9' => 52 + (c as u8 - b'0'),
        _ if c == s1 => 62,
        _ if c == s2 => 63,
        _ => return None,
    })
}

fn pack(codes: &[u8], bits: usize) -> Vec<u8> {
    let total = codes.len() * bits + 1;
    let len = total.div_ceil(8);
    let mut out = vec![0u8; len];
    let mut bit = 1usize;
    for &code in codes {
        for i in (0..bits).rev() {
            if code & (1 << i) != 0 {
                out[bit / 8] |= 1 << (7 - bit % 8);
            }
            bit += 1;
        }
    }
    if len * 8 >= total + bits {
        out[0] |= 0x80;
    }
    out
}

fn unpack(data: &[u8], bits: usize) -> Vec<u8> {
    if data.is_empty() {
        return Vec::new();
    }
    let total = data.len() * 8;
    let mut n = (total - 1) / bits;
    if data[0] & 0x80 != 0 {
        n = n.saturating_sub(1);
    }
    let mut out = Vec::with_capacity(n);
    let mut bit = 1usize;
    for _ in 0..n {
        let mut v = 0u8;
        for _ in 0..bits {
            v = (v << 1) | ((data[bit / 8] >> (7 - bit % 8)) & 1);
            bit += 1;
        }
        out.push(v);
    }
    out
}

/// Encodes `s` with `enc`. Fails if a character does not fit the encoding.
pub fn encode(s: &str, enc: Encoding, ctx: Context) -> Result<Vec<u8>> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let bad = |c: char| {
        Error::encode(format!(
            "character {c:?} of {s:?} does not fit meta-string encoding {enc:?}"
        ))
    };
    let (s1, s2) = ctx.specials();
    Ok(match enc {
        Encoding::Utf8 => s.as_bytes().to_vec(),
        Encoding::LowerSpecial => {
            let codes = s
                .chars()
                .map(|c| lower_special_code(c).ok_or_else(|| bad(c)))
                .collect::<Result<Vec<_>>>()?;
            pack(&codes, 5)
        }
        Encoding::LowerUpperDigitSpecial => {
            let codes = s
                .chars()
                .map(|c| luds_code(c, s1, s2).ok_or_else(|| bad(c)))
                .collect::<Result<Vec<_>>>()?;
            pack(&codes, 6)
        }
        Encoding::FirstToLowerSpecial => {
            let mut codes = Vec::with_capacity(s.len());
            for (i, c) in s.chars().enumerate() {
                let c = if i == 0 { c.to_ascii_lowercase() } else { c };
                codes.push(lower_special_code(c).ok_or_else(|| bad(c))?);
            }
            pack(&codes, 5)
        }
        Encoding::AllToLowerSpecial => {
            let mut codes = Vec::with_capacity(s.len() + 4);
            for c in s.chars() {
                if c.is_ascii_uppercase() {
                    codes.push(29);
                    codes.push(c.to_ascii_lowercase() as u8 - b'a');
                } else {
                    codes.push(lower_special_code(c).ok_or_else(|| bad(c))?);
                }
            }
            pack(&codes, 5)
        }
    })
}

/// Decodes bytes written with `enc`. `offset` is only used for error reports.
pub fn decode(data: &[u8], enc: Encoding, ctx: Context, offset: usize) -> Result<String> {
    const LOWER: &[u8; 30] = b"abcdefghijklmnopqrstuvwxyz._$|";
    let bad = |what: &str| Error::invalid(offset, format!("meta string ({enc:?}): {what}"));
    match enc {
        Encoding::Utf8 => String::from_utf8(data.to_vec()).map_err(|_| bad("invalid UTF-8")),
        Encoding::LowerUpperDigitSpecial => {
            let (s1, s2) = ctx.specials();
            unpack(data, 6)
                .into_iter()
                .map(|v| match v {
                    0..=25 => (b'a' + v) as char,
                    26..=51 => (b'A' + v - 26) as char,
                    52..=61 => (b'0' + v - 52) as char,
                    62 => s1,
                    _ => s2,
                })
                .map(Ok)
                .collect()
        }
        Encoding::LowerSpecial | Encoding::FirstToLowerSpecial | Encoding::AllToLowerSpecial => {
            let mut s = String::new();
            for v in unpack(data, 5) {
                let c = *LOWER
                    .get(v as usize)
                    .ok_or_else(|| bad("character code out of range"))?
                    as char;
                s.push(c);
            }
            match enc {
                Encoding::FirstToLowerSpecial => {
                    let mut out = String::with_capacity(s.len());
                    let mut chars = s.chars();
                    if let Some(f) = chars.next() {
                        out.push(f.to_ascii_uppercase());
                    }
                    out.extend(chars);
                    Ok(out)
                }
                Encoding::AllToLowerSpecial => {
                    let mut out = String::with_capacity(s.len());
                    let mut chars = s.chars();
                    while let Some(c) = chars.next() {
                        if c == '|' {
                            match chars.next() {
                                Some(n) => out.push(n.to_ascii_uppercase()),
                                None => return Err(bad("dangling upper-case marker")),
                            }
                        } else {
                            out.push(c);
                        }
                    }
                    Ok(out)
                }
                _ => Ok(s),
            }
        }
    }
}

/// MurmurHash3 x64 128 with seed 47, returning the first 64-bit half (`h1`).
pub fn murmur_h1(data: &[u8]) -> u64 {
    let mut cursor = data;
    // Reading from a slice cannot fail.
    let h = murmur3::murmur3_x64_128(&mut cursor, 47).unwrap_or(0);
    h as u64
}

/// The hash a long (> 16 bytes) meta string carries in the inline framing:
/// `h1` with its low byte replaced by the encoding id.
pub fn long_meta_string_hash(data: &[u8], enc: Encoding) -> i64 {
    ((murmur_h1(data) as i64) & !0xff) | enc as i64
}

/// Writer-side table of the inline meta-string framing (named types outside
/// compatible mode): the first occurrence is written in full, later ones as
/// `((id + 1) << 1) | 1`.
pub type InlineWriteTable = rustc_hash::FxHashMap<(Vec<u8>, u8), u32>;

/// Reader-side table of the inline framing, in first-occurrence order.
pub type InlineReadTable = Vec<(Vec<u8>, Encoding)>;

/// Writes `s` in the inline framing, choosing its encoding like pyfory.
pub fn write_inline(
    table: &mut InlineWriteTable,
    w: &mut super::Writer<'_>,
    s: &str,
    ctx: Context,
) -> Result<()> {
    let enc = choose_encoding(s, ctx, ALL_ENCODINGS);
    let bytes = encode(s, enc, ctx)?;
    let key = (bytes, enc as u8);
    if let Some(&id) = table.get(&key) {
        w.var_u32(((id + 1) << 1) | 1);
        return Ok(());
    }
    let id = table.len() as u32;
    let bytes = key.0.clone();
    table.insert(key, id);
    w.var_u32((bytes.len() as u32) << 1);
    if bytes.is_empty() {
        return Ok(());
    }
    if bytes.len() <= 16 {
        w.u8(enc as u8);
    } else {
        w.i64(long_meta_string_hash(&bytes, enc));
    }
    w.bytes(&bytes);
    Ok(())
}

/// Reads one meta string in the inline framing (new or a back-reference).
pub fn read_inline(
    table: &mut InlineReadTable,
    r: &mut super::Reader<'_>,
) -> Result<(Vec<u8>, Encoding)> {
    let pos = r.pos();
    let v = r.var_u32()?;
    if v & 1 == 1 {
        let id = (v >> 1) as usize;
        return table
            .get(id.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| Error::invalid(pos, format!("meta string reference {id} is unknown")));
    }
    let len = (v >> 1) as usize;
    let entry = if len == 0 {
        (Vec::new(), Encoding::Utf8)
    } else if len <= 16 {
        let e = r.u8()?;
        let enc = Encoding::from_id(e).ok_or(Error::InvalidFlag {
            what: "meta-string encoding",
            found: e,
            offset: pos,
        })?;
        let len = r.check_len(Limit::MetaStringLength, len as u64)?;
        r.charge(len)?;
        (r.take(len)?.to_vec(), enc)
    } else {
        let hash = r.i64()?;
        let e = (hash & 0xff) as u8;
        let enc = Encoding::from_id(e).ok_or(Error::InvalidFlag {
            what: "meta-string encoding",
            found: e,
            offset: pos,
        })?;
        let len = r.check_len(Limit::MetaStringLength, len as u64)?;
        r.charge(len)?;
        let bytes = r.take(len)?.to_vec();
        if long_meta_string_hash(&bytes, enc) != hash {
            return Err(Error::invalid(pos, "meta string hash mismatch"));
        }
        (bytes, enc)
    };
    table.push(entry.clone());
    Ok(entry)
}

/// Reads a namespace and a type name in the inline framing.
pub fn read_inline_names(
    table: &mut InlineReadTable,
    r: &mut super::Reader<'_>,
) -> Result<(String, String)> {
    let pos = r.pos();
    let (nb, ne) = read_inline(table, r)?;
    let (tb, te) = read_inline(table, r)?;
    Ok((
        decode(&nb, ne, Context::Namespace, pos)?,
        decode(&tb, te, Context::TypeName, pos)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str, e: Encoding, ctx: Context) -> String {
        hex::encode(encode(s, e, ctx).unwrap())
    }

    #[test]
    fn golden_vectors() {
        assert_eq!(
            enc("demo", Encoding::LowerSpecial, Context::Namespace),
            "0c8c70"
        );
        assert_eq!(
            enc("Point", Encoding::FirstToLowerSpecial, Context::TypeName),
            "bdc86cc0"
        );
        assert_eq!(
            enc("Color", Encoding::FirstToLowerSpecial, Context::TypeName),
            "89cb7440"
        );
        assert_eq!(
            enc("x", Encoding::AllToLowerSpecial, Context::FieldName),
            "5c"
        );
        assert_eq!(
            enc("age", Encoding::AllToLowerSpecial, Context::FieldName),
            "00c4"
        );
        assert_eq!(
            enc("name", Encoding::AllToLowerSpecial, Context::FieldName),
            "340c20"
        );
        assert_eq!(
            enc("userName", Encoding::AllToLowerSpecial, Context::FieldName),
            "52448f5a0610"
        );
        assert_eq!(
            enc("example", Encoding::LowerSpecial, Context::Namespace),
            "12e063d640"
        );
    }

    #[test]
    fn encoding_choice() {
        let ns = Context::Namespace.typedef_encodings();
        let tn = Context::TypeName.typedef_encodings();
        assert_eq!(
            choose_encoding("demo", Context::Namespace, ns),
            Encoding::AllToLowerSpecial
        );
        assert_eq!(
            choose_encoding("demo", Context::Namespace, ALL_ENCODINGS),
            Encoding::LowerSpecial
        );
        assert_eq!(
            choose_encoding("Point", Context::TypeName, tn),
            Encoding::FirstToLowerSpecial
        );
        assert_eq!(
            choose_encoding("i8s", Context::FieldName, ns),
            Encoding::LowerUpperDigitSpecial
        );
        assert_eq!(
            choose_encoding("PointWithAVeryLongTypeName", Context::TypeName, tn),
            Encoding::LowerUpperDigitSpecial
        );
        assert_eq!(
            choose_encoding("naïve", Context::FieldName, ns),
            Encoding::Utf8
        );
        assert_eq!(choose_encoding("", Context::FieldName, ns), Encoding::Utf8);
    }

    #[test]
    fn roundtrip_all_encodings() {
        let cases = [
            "a",
            "ab",
            "abc",
            "demo",
            "Point",
            "userName",
            "x_y.z",
            "A1b2_C",
            "PointWithAVeryLongTypeName",
            "héllo",
        ];
        for s in cases {
            for ctx in [Context::Namespace, Context::TypeName, Context::FieldName] {
                for &e in ALL_ENCODINGS {
                    if let Ok(b) = encode(s, e, ctx) {
                        let back = decode(&b, e, ctx, 0).unwrap();
                        if e == Encoding::FirstToLowerSpecial {
                            // Only strings starting with an upper-case letter survive.
                            if s.starts_with(|c: char| c.is_ascii_uppercase()) {
                                assert_eq!(back, s);
                            }
                        } else {
                            assert_eq!(back, s, "{s} {e:?} {ctx:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn murmur_matches_reference() {
        // Schema hash of Point{x: Int32, y: Int32}, low 32 bits: 0x248b6068 (LE bytes 68608b24).
        let h = murmur_h1(b"x,5,0,0;y,5,0,0;");
        assert_eq!(h as u32, 0x248b_6068);
    }
}
