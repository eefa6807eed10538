//! TypeDefs: the self-describing type meta of compatible mode.
//!
//! ```text
//! | u64 LE header: size(8) | compress(1) | reserved(3) | hash(52) | [varuint32 size-255] | body |
//! body: kind byte | namespace + typename meta strings, or varuint32 user id | fields...
//! field: header byte (encoding 2 | size 4 | nullable 1 | ref 1) [varuint32] | type | name bytes
//! ```

use super::buffer::{Reader, Writer};
use super::meta_string::{self, Context, Encoding};
use super::type_id::{self as tid};
use crate::error::{Error, Result};
use crate::limits::Limit;
use crate::schema::Registration;

const STRUCT_FLAG: u8 = 0x80;
const COMPATIBLE_FLAG: u8 = 0x40;
const BY_NAME_FLAG: u8 = 0x20;
const SMALL_NUM_FIELDS: u8 = 0x1f;
const COMPRESS_FLAG: u64 = 1 << 8;
const RESERVED_FLAGS: u64 = 0b111 << 9;
const FIELD_SIZE_THRESHOLD: u32 = 15;
const BIG_NAME_THRESHOLD: usize = 63;
const TAG_ENCODING: u8 = 3;

/// A field's wire type inside a TypeDef.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WireType {
    /// Type id (`COMPATIBLE_STRUCT`, `LIST`, `UNKNOWN`, ...).
    pub type_id: u32,
    /// Null flag written before values.
    pub nullable: bool,
    /// Reference flag written before values.
    pub track_ref: bool,
    /// Element type (LIST/SET) or key and value types (MAP).
    pub children: Vec<WireType>,
}

/// How a TypeDef field is identified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldId {
    /// By name (as the writer spelled it).
    Name(String),
    /// By tag id.
    Tag(u32),
}

/// One field of a TypeDef.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeDefField {
    /// Name or tag.
    pub id: FieldId,
    /// Wire type.
    pub ty: WireType,
}

/// What kind of type a TypeDef describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeDefKind {
    /// A struct.
    Struct {
        /// The COMPATIBLE flag.
        compatible: bool,
    },
    /// A non-struct kind code: 0 ENUM, 1 NAMED_ENUM, 2 EXT, 3 NAMED_EXT, 4 TYPED_UNION, 5 NAMED_UNION.
    Other(u8),
}

/// A decoded (or built) TypeDef.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeDef {
    /// Kind.
    pub kind: TypeDefKind,
    /// Registration of the described type.
    pub registration: Registration,
    /// Fields in wire order (empty for non-struct kinds).
    pub fields: Vec<TypeDefField>,
}

fn write_wire_type(w: &mut Writer<'_>, t: &WireType, top: bool) {
    if top {
        w.u8(t.type_id as u8);
    } else {
        w.var_u32((t.type_id << 2) | ((t.nullable as u32) << 1) | t.track_ref as u32);
    }
    for c in &t.children {
        write_wire_type(w, c, false);
    }
}

fn read_wire_type(r: &mut Reader<'_>, top: Option<(bool, bool)>, depth: usize) -> Result<WireType> {
    let start = r.pos();
    if depth > 32 {
        return Err(Error::DepthLimit {
            limit: 32,
            offset: start,
        });
    }
    let (type_id, nullable, track_ref) = match top {
        Some((n, t)) => (r.u8()? as u32, n, t),
        None => {
            let v = r.var_u32()?;
            (v >> 2, v & 2 != 0, v & 1 != 0)
        }
    };
    if type_id > tid::FLOAT64_ARRAY as u32 {
        return Err(Error::type_id(start, "a TypeDef field type", type_id));
    }
    let n_children = match type_id as u8 {
        tid::LIST | tid::SET => 1,
        tid::MAP => 2,
        _ => 0,
    };
    let mut children = Vec::with_capacity(n_children);
    for _ in 0..n_children {
        children.push(read_wire_type(r, None, depth + 1)?);
    }
    Ok(WireType {
        type_id,
        nullable,
        track_ref,
        children,
    })
}

fn write_big_name(w: &mut Writer<'_>, s: &str, ctx: Context) -> Result<()> {
    let allowed = ctx.typedef_encodings();
    let enc = meta_string::choose_encoding(s, ctx, allowed);
    let bytes = meta_string::encode(s, enc, ctx)?;
    let idx = allowed.iter().position(|e| *e == enc).unwrap_or(0) as u8;
    if bytes.len() >= BIG_NAME_THRESHOLD {
        w.u8(((BIG_NAME_THRESHOLD as u8) << 2) | idx);
        w.var_u32((bytes.len() - BIG_NAME_THRESHOLD) as u32);
    } else {
        w.u8(((bytes.len() as u8) << 2) | idx);
    }
    w.bytes(&bytes);
    Ok(())
}

fn read_big_name(r: &mut Reader<'_>, ctx: Context) -> Result<String> {
    let start = r.pos();
    let h = r.u8()?;
    let allowed = ctx.typedef_encodings();
    let enc = *allowed.get((h & 3) as usize).ok_or(Error::InvalidFlag {
        what: "meta-string encoding",
        found: h & 3,
        offset: start,
    })?;
    let mut len = (h >> 2) as usize;
    if len >= BIG_NAME_THRESHOLD {
        len += r.var_u32()? as usize;
    }
    let len = r.check_len(Limit::MetaStringLength, len as u64)?;
    let bytes = r.take(len)?;
    meta_string::decode(bytes, enc, ctx, start)
}

fn field_encoding_index(e: Encoding) -> u8 {
    match e {
        Encoding::Utf8 => 0,
        Encoding::AllToLowerSpecial => 1,
        _ => 2,
    }
}

impl TypeDef {
    /// Encodes header + body.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut body = Vec::new();
        let mut w = Writer::new(&mut body);
        match self.kind {
            TypeDefKind::Struct { compatible } => {
                let n = self.fields.len();
                let mut h = STRUCT_FLAG | (n.min(SMALL_NUM_FIELDS as usize) as u8);
                if compatible {
                    h |= COMPATIBLE_FLAG;
                }
                if matches!(self.registration, Registration::Name { .. }) {
                    h |= BY_NAME_FLAG;
                }
                w.u8(h);
                if n >= SMALL_NUM_FIELDS as usize {
                    w.var_u32((n - SMALL_NUM_FIELDS as usize) as u32);
                }
            }
            TypeDefKind::Other(k) => w.u8(k),
        }
        match &self.registration {
            Registration::Id(id) => w.var_u32(*id),
            Registration::Name {
                namespace,
                typename,
            } => {
                write_big_name(&mut w, namespace, Context::Namespace)?;
                write_big_name(&mut w, typename, Context::TypeName)?;
            }
        }
        for f in &self.fields {
            let flags = ((f.ty.nullable as u8) << 1) | f.ty.track_ref as u8;
            match &f.id {
                FieldId::Tag(t) => {
                    let mut h = (TAG_ENCODING << 6) | flags;
                    if *t >= FIELD_SIZE_THRESHOLD {
                        h |= (FIELD_SIZE_THRESHOLD as u8) << 2;
                        w.u8(h);
                        w.var_u32(t - FIELD_SIZE_THRESHOLD);
                    } else {
                        w.u8(h | ((*t as u8) << 2));
                    }
                    write_wire_type(&mut w, &f.ty, true);
                }
                FieldId::Name(name) => {
                    let allowed = Context::FieldName.typedef_encodings();
                    let enc = meta_string::choose_encoding(name, Context::FieldName, allowed);
                    let bytes = meta_string::encode(name, enc, Context::FieldName)?;
                    if bytes.is_empty() {
                        return Err(Error::encode("empty field name"));
                    }
                    let size = (bytes.len() - 1) as u32;
                    let mut h = (field_encoding_index(enc) << 6) | flags;
                    if size >= FIELD_SIZE_THRESHOLD {
                        h |= (FIELD_SIZE_THRESHOLD as u8) << 2;
                        w.u8(h);
                        w.var_u32(size - FIELD_SIZE_THRESHOLD);
                    } else {
                        w.u8(h | ((size as u8) << 2));
                    }
                    write_wire_type(&mut w, &f.ty, true);
                    w.bytes(&bytes);
                }
            }
        }
        let size = body.len();
        let header = header_for(&body);
        let mut out = Vec::with_capacity(size + 12);
        let mut w = Writer::new(&mut out);
        w.u64(header);
        if size >= 0xff {
            w.var_u32((size - 0xff) as u32);
        }
        w.bytes(&body);
        Ok(out)
    }

    /// Decodes a TypeDef (header and body) at the reader's position.
    pub fn decode(r: &mut Reader<'_>) -> Result<TypeDef> {
        let start = r.pos();
        let header = r.u64()?;
        if header & COMPRESS_FLAG != 0 {
            return Err(Error::invalid(
                start,
                "compressed TypeDefs are not used in xlang",
            ));
        }
        if header & RESERVED_FLAGS != 0 {
            return Err(Error::invalid(
                start,
                "TypeDef header has reserved bits set",
            ));
        }
        let mut size = (header & 0xff) as usize;
        if size == 0xff {
            size += r.var_u32()? as usize;
        }
        let size = r.check_len(Limit::TypeDefSize, size as u64)?;
        let body = r.take(size)?;
        let body_start = r.pos() - size;
        // The header hashes the body: a mismatch is a corrupted TypeDef (and
        // must never enter a cache keyed by the header).
        if header_for(body) != header {
            return Err(Error::invalid(
                start,
                "TypeDef hash does not match its body",
            ));
        }
        let mut br = r.sub(body);
        let td = Self::decode_body(&mut br).map_err(|e| shift_offset(e, body_start))?;
        r.absorb(&br);
        if br.remaining() != 0 {
            return Err(Error::invalid(
                body_start + br.pos(),
                "TypeDef body has unread bytes",
            ));
        }
        Ok(td)
    }

    fn decode_body(r: &mut Reader<'_>) -> Result<TypeDef> {
        let h = r.u8()?;
        if h & STRUCT_FLAG == 0 {
            let k = h & 0x0f;
            if k > 5 || h & 0x70 != 0 {
                return Err(Error::InvalidFlag {
                    what: "TypeDef kind",
                    found: h,
                    offset: 0,
                });
            }
            let by_name = matches!(k, 1 | 3 | 5);
            let registration = if by_name {
                Registration::Name {
                    namespace: read_big_name(r, Context::Namespace)?,
                    typename: read_big_name(r, Context::TypeName)?,
                }
            } else {
                Registration::Id(r.var_u32()?)
            };
            return Ok(TypeDef {
                kind: TypeDefKind::Other(k),
                registration,
                fields: Vec::new(),
            });
        }
        let mut n = (h & SMALL_NUM_FIELDS) as usize;
        if n == SMALL_NUM_FIELDS as usize {
            n += r.var_u32()? as usize;
        }
        // each field takes at least two bytes (header and type id)
        r.check_len(Limit::TypeDefFields, n as u64)?;
        r.charge_n(n, std::mem::size_of::<TypeDefField>())?;
        let registration = if h & BY_NAME_FLAG != 0 {
            Registration::Name {
                namespace: read_big_name(r, Context::Namespace)?,
                typename: read_big_name(r, Context::TypeName)?,
            }
        } else {
            Registration::Id(r.var_u32()?)
        };
        let mut fields = Vec::with_capacity(n);
        for _ in 0..n {
            let fstart = r.pos();
            let fh = r.u8()?;
            let enc = fh >> 6;
            let mut size = ((fh >> 2) & 0x0f) as u32;
            if size == FIELD_SIZE_THRESHOLD {
                size = size
                    .checked_add(r.var_u32()?)
                    .ok_or_else(|| Error::invalid(fstart, "field name size overflows"))?;
            }
            let flags = (fh & 2 != 0, fh & 1 != 0);
            let ty = read_wire_type(r, Some(flags), 0)?;
            let id = if enc == TAG_ENCODING {
                FieldId::Tag(size)
            } else {
                let e = match enc {
                    0 => Encoding::Utf8,
                    1 => Encoding::AllToLowerSpecial,
                    _ => Encoding::LowerUpperDigitSpecial,
                };
                let len = r.check_len(Limit::MetaStringLength, size as u64 + 1)?;
                let bytes = r.take(len)?;
                FieldId::Name(meta_string::decode(bytes, e, Context::FieldName, fstart)?)
            };
            fields.push(TypeDefField { id, ty });
        }
        Ok(TypeDef {
            kind: TypeDefKind::Struct {
                compatible: h & COMPATIBLE_FLAG != 0,
            },
            registration,
            fields,
        })
    }
}

/// The 8-byte header of a TypeDef body: its size (capped at 255) and the
/// 52-bit hash of the body and those low bits.
pub fn header_for(body: &[u8]) -> u64 {
    let low = body.len().min(0xff) as u64;
    let mut hash_input = Vec::with_capacity(body.len() + 2);
    hash_input.extend_from_slice(body);
    hash_input.extend_from_slice(&[(low & 0xff) as u8, (low >> 8) as u8]);
    let h1 = meta_string::murmur_h1(&hash_input) as i64;
    let mut shifted = h1.wrapping_shl(12);
    if shifted < 0 && shifted != i64::MIN {
        shifted = -shifted;
    }
    (shifted as u64 & 0xFFFF_FFFF_FFFF_F000) | low
}

fn shift_offset(e: Error, by: usize) -> Error {
    match e {
        Error::UnexpectedEnd {
            offset,
            needed,
            remaining,
        } => Error::UnexpectedEnd {
            offset: offset + by,
            needed,
            remaining,
        },
        Error::InvalidData { message, offset } => Error::InvalidData {
            message,
            offset: offset + by,
        },
        Error::InvalidFlag {
            what,
            found,
            offset,
        } => Error::InvalidFlag {
            what,
            found,
            offset: offset + by,
        },
        Error::UnexpectedTypeId {
            expected,
            found,
            offset,
        } => Error::UnexpectedTypeId {
            expected,
            found,
            offset: offset + by,
        },
        Error::MalformedVarint { offset } => Error::MalformedVarint {
            offset: offset + by,
        },
        Error::LengthLimit {
            what,
            len,
            limit,
            offset,
        } => Error::LengthLimit {
            what,
            len,
            limit,
            offset: offset + by,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(reg: Registration) -> TypeDef {
        let f = |n: &str| TypeDefField {
            id: FieldId::Name(n.into()),
            ty: WireType {
                type_id: tid::VARINT32 as u32,
                nullable: false,
                track_ref: false,
                children: vec![],
            },
        };
        TypeDef {
            kind: TypeDefKind::Struct { compatible: true },
            registration: reg,
            fields: vec![f("x"), f("y")],
        }
    }

    #[test]
    fn golden_point_by_id() {
        let b = point(Registration::Id(100)).encode().unwrap();
        assert_eq!(hex::encode(&b), "08b0cd7c248daf6dc26440055c400560");
        let back = TypeDef::decode(&mut Reader::new(&b)).unwrap();
        assert_eq!(back, point(Registration::Id(100)));
    }

    #[test]
    fn golden_point_by_name() {
        let reg = Registration::Name {
            namespace: "demo".into(),
            typename: "Point".into(),
        };
        let b = point(reg.clone()).encode().unwrap();
        assert_eq!(
            hex::encode(&b),
            "10d03540775a490ae20d0c8c7013bdc86cc040055c400560"
        );
        assert_eq!(TypeDef::decode(&mut Reader::new(&b)).unwrap(), point(reg));
    }

    #[test]
    fn truncated_and_hostile() {
        let b = point(Registration::Id(100)).encode().unwrap();
        for n in 0..b.len() {
            assert!(
                TypeDef::decode(&mut Reader::new(&b[..n])).is_err(),
                "prefix {n}"
            );
        }
        let mut c = b.clone();
        c[1] |= 0x01; // compress flag
        assert!(TypeDef::decode(&mut Reader::new(&c)).is_err());
    }
}
