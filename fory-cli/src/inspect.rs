//! `fory inspect`: an annotated dump of a stream, the way `protoc --decode_raw`
//! helps a person read protobuf bytes.
//!
//! ```text
//!    0  01                       header 0x01: xlang
//!    1  ff                       ref flag NOT_NULL
//!    2  07                       type VARINT64 (7)
//!    3  d8 04                    varint64 300
//!    5                           end of stream (5 bytes)
//! ```
//!
//! Columns: the decimal offset (the one error messages use), up to eight bytes
//! in hex (longer items continue on the next rows; value payloads are cut
//! after 32 bytes, undecoded bytes never are), and what the bytes mean,
//! indented by nesting. Elements, entries and fields are labelled (`[0]`,
//! `[0] key:`, `x:`) on their first line.
//!
//! The walk follows the same rules as `fory_core::dynamic::decode` and
//! reports the same errors. Schema-consistent structs do not describe their
//! fields on the wire, so their bodies need the `--types` table; without it
//! the dump says so and shows the rest of the stream as raw bytes. On any
//! error the report names the error and its offset and shows the rest of the
//! stream as raw bytes; the walk never panics on bad input.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use fory_core::dynamic::layout::{is_primitive, plan_from_wire, StructLayout};
use fory_core::schema::{
    scalar_type_name, to_snake_case, EnumDecl, FieldType, Registration, Schema, StructDecl,
    TypeDecl, TypeExpr,
};
use fory_core::wire::meta_string::{self, Context, Encoding};
use fory_core::wire::type_id::{self as tid, TypeId};
use fory_core::wire::typedef::{FieldId, TypeDef, TypeDefKind, WireType};
use fory_core::wire::{
    decimal, header, list_header as lh, map_header as mh, ref_flag, string, Reader,
};
use fory_core::{Config, Error};
use half::{bf16, f16};
use num_bigint::{BigInt, Sign};

/// What an inspection needs besides the bytes.
///
/// `Options::default()` uses `Config::default()` (pyfory's defaults:
/// compatible mode, no reference tracking), an empty schema and no buffer
/// sizes. The `fory inspect` command starts from schema-consistent mode
/// instead and turns compatible mode on with `--compatible`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The settings the stream was written with (reference tracking and
    /// compatible mode change what some bytes mean; `max_depth` bounds the walk).
    pub config: Config,
    /// User types: needed for schema-consistent struct bodies, and used to name
    /// enum variants and registered ids.
    pub schema: Schema,
    /// Sizes of the out-of-band buffers, in order, when they are known.
    pub oob_sizes: Option<Vec<usize>>,
}

/// The outcome of [`inspect`].
#[derive(Debug, Clone)]
pub struct Report {
    /// The annotated dump, one line per item, newline-terminated.
    pub text: String,
    /// The error that stopped the walk (the stream is malformed, or does not
    /// match the options).
    pub error: Option<Error>,
    /// Why the walk stopped early without an error (a struct body that needs
    /// `--types`).
    pub incomplete: Option<String>,
    /// Every TypeDef the stream defined, in meta-share order.
    pub typedefs: Vec<TypeDef>,
}

impl Report {
    /// True when the whole stream was walked without an error.
    pub fn is_complete(&self) -> bool {
        self.error.is_none() && self.incomplete.is_none()
    }
}

/// Walks `data` and describes every item in it.
pub fn inspect(data: &[u8], opts: &Options) -> Report {
    let mut s = Inspector::new(data, opts);
    let res = s.run();
    s.label = None;
    s.indent = 0;
    let (error, incomplete) = match res {
        Ok(()) => (None, None),
        Err(Stop::Error(e)) => {
            let text = match error_offset(&e) {
                Some(_) => format!("error: {e}"),
                None => format!("error at offset {}: {e}", s.done),
            };
            s.lines.push(Line::note(s.done, text));
            (Some(e), None)
        }
        Err(Stop::Incomplete(msg)) => {
            s.lines.push(Line::note(s.done, msg.clone()));
            (None, Some(msg))
        }
    };
    if (error.is_some() || incomplete.is_some()) && s.done < data.len() {
        let n = data.len() - s.done;
        s.lines.push(Line {
            off: s.done,
            len: n,
            indent: 0,
            text: format!("{} undecoded", plural(n as u64, "byte")),
            full: true,
        });
    }
    Report {
        text: render(&s.lines, data),
        error,
        incomplete,
        typedefs: s.typedefs.iter().map(|t| (**t).clone()).collect(),
    }
}

/// The stream offset an error names, if it names one.
fn error_offset(e: &Error) -> Option<usize> {
    match e {
        Error::UnexpectedEnd { offset, .. }
        | Error::TrailingBytes { offset, .. }
        | Error::InvalidFlag { offset, .. }
        | Error::UnexpectedTypeId { offset, .. }
        | Error::UnregisteredType { offset, .. }
        | Error::MalformedVarint { offset }
        | Error::LengthLimit { offset, .. }
        | Error::InvalidData { offset, .. }
        | Error::InvalidRef { offset, .. }
        | Error::SchemaHashMismatch { offset, .. }
        | Error::DepthLimit { offset, .. }
        | Error::TypeMismatch { offset, .. } => Some(*offset),
        Error::InvalidHeader { .. } => Some(0),
        _ => None,
    }
}

/// Payload bytes shown for one item before the rest is summarised.
const PREVIEW_BYTES: usize = 32;
/// Bytes per row.
const ROW: usize = 8;
/// Characters of a string or decimal shown.
const PREVIEW_CHARS: usize = 64;
/// Elements of a dense array shown.
const PREVIEW_ELEMS: usize = 8;

/// One annotated item: `len` bytes at `off`.
#[derive(Debug)]
struct Line {
    off: usize,
    len: usize,
    indent: usize,
    text: String,
    /// Show every byte (raw dumps) instead of a preview.
    full: bool,
}

impl Line {
    fn note(off: usize, text: String) -> Line {
        Line {
            off,
            len: 0,
            indent: 0,
            text,
            full: false,
        }
    }
}

fn hex_row(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn render(lines: &[Line], data: &[u8]) -> String {
    let w = data.len().to_string().len().max(4);
    let hw = ROW * 3 - 1;
    let mut out = String::new();
    let row = |out: &mut String, s: String| {
        out.push_str(s.trim_end());
        out.push('\n');
    };
    for l in lines {
        let bytes = l
            .off
            .checked_add(l.len)
            .and_then(|end| data.get(l.off..end))
            .unwrap_or(&[]);
        let shown = if l.full {
            bytes.len()
        } else {
            bytes.len().min(PREVIEW_BYTES)
        };
        let mut chunks = bytes[..shown].chunks(ROW);
        let first = chunks.next().unwrap_or(&[]);
        row(
            &mut out,
            format!(
                "{:>w$}  {:<hw$}  {}{}",
                l.off,
                hex_row(first),
                "  ".repeat(l.indent),
                l.text
            ),
        );
        for (k, c) in chunks.enumerate() {
            row(
                &mut out,
                format!("{:>w$}  {}", l.off + ROW * (k + 1), hex_row(c)),
            );
        }
        if shown < bytes.len() {
            row(
                &mut out,
                format!(
                    "{:>w$}  ... {} not shown",
                    l.off + shown,
                    plural((bytes.len() - shown) as u64, "byte")
                ),
            );
        }
    }
    out
}

/// Why the walk stopped.
enum Stop {
    Error(Error),
    Incomplete(String),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Error(e)
    }
}

type R<T> = std::result::Result<T, Stop>;

/// What a ref flag said.
enum Flag {
    Null,
    Ref,
    Value,
}

/// What a type meta said.
#[derive(Clone)]
enum Rt {
    Internal(TypeId),
    Struct(Arc<StructDecl>),
    Compat(Arc<TypeDef>, usize),
    Enum(Option<Arc<EnumDecl>>, String),
}

struct Inspector<'a> {
    r: Reader<'a>,
    opts: &'a Options,
    lines: Vec<Line>,
    indent: usize,
    label: Option<String>,
    /// End of the last annotated item.
    done: usize,
    oob: bool,
    next_buffer: usize,
    meta_strings: Vec<(Vec<u8>, Encoding)>,
    typedefs: Vec<Arc<TypeDef>>,
    ref_count: u32,
    depth: usize,
    layouts: HashMap<String, Arc<StructLayout>>,
}

impl<'a> Inspector<'a> {
    fn new(data: &'a [u8], opts: &'a Options) -> Self {
        Inspector {
            r: Reader::with_limits(
                data,
                opts.config.limits,
                opts.oob_sizes.iter().flatten().sum(),
            ),
            opts,
            lines: Vec::new(),
            indent: 0,
            label: None,
            done: 0,
            oob: false,
            next_buffer: 0,
            meta_strings: Vec::new(),
            typedefs: Vec::new(),
            ref_count: 0,
            depth: 0,
            layouts: HashMap::new(),
        }
    }

    // ---- output ----------------------------------------------------------

    fn push(&mut self, off: usize, len: usize, text: String) {
        let text = match self.label.take() {
            Some(l) => l + &text,
            None => text,
        };
        self.lines.push(Line {
            off,
            len,
            indent: self.indent,
            text,
            full: false,
        });
    }

    /// Describes the bytes from `start` to the reader's position.
    fn item(&mut self, start: usize, text: impl Into<String>) {
        let end = self.r.pos();
        self.push(start, end.saturating_sub(start), text.into());
        self.done = end;
    }

    /// A line that covers no bytes.
    fn note(&mut self, text: impl Into<String>) {
        let pos = self.r.pos();
        self.push(pos, 0, text.into());
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.indent += 1;
        let r = f(self);
        self.indent -= 1;
        r
    }

    /// Runs `f` with `label` in front of its first line; later lines of the
    /// same level move one step in, under the label.
    fn labelled<T>(&mut self, label: String, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        let start = self.lines.len();
        self.label = Some(match self.label.take() {
            Some(outer) => outer + &label,
            None => label,
        });
        let r = f(self);
        self.label = None;
        if let Some(first) = self.lines.get(start).map(|l| l.indent) {
            if let Some(k) = self
                .lines
                .iter()
                .skip(start + 1)
                .position(|l| l.indent <= first)
            {
                for l in &mut self.lines[start + 1 + k..] {
                    l.indent += 1;
                }
            }
        }
        r
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > self.opts.config.limits.max_depth {
            return Err(Error::DepthLimit {
                limit: self.opts.config.limits.max_depth,
                offset: self.r.pos(),
            }
            .into());
        }
        Ok(())
    }

    // ---- stream ----------------------------------------------------------

    fn run(&mut self) -> R<()> {
        let h = self.r.u8()?;
        if h & header::RESERVED != 0 {
            return Err(Error::InvalidHeader {
                found: h,
                reason: "reserved bits are set",
            }
            .into());
        }
        if h & header::XLANG == 0 {
            return Err(Error::InvalidHeader {
                found: h,
                reason: "not an xlang stream (xlang bit clear)",
            }
            .into());
        }
        self.oob = h & header::OUT_OF_BAND != 0;
        let mut text = format!("header {h:#04x}: xlang");
        if self.oob {
            text.push_str(", out-of-band (written with a buffer callback)");
        }
        self.item(0, text);
        if self.opts.oob_sizes.is_some() && !self.oob {
            return Err(Error::oob(
                "buffers were supplied for a stream written without a buffer callback",
            )
            .into());
        }
        match self.ref_flag()? {
            Flag::Null | Flag::Ref => {}
            Flag::Value => {
                let rt = self.type_meta()?;
                self.body_rt(&rt)?;
            }
        }
        if self.r.remaining() != 0 {
            return Err(Error::TrailingBytes {
                offset: self.r.pos(),
                count: self.r.remaining(),
            }
            .into());
        }
        if let Some(sizes) = &self.opts.oob_sizes {
            if self.next_buffer != sizes.len() {
                return Err(Error::oob(format!(
                    "{} buffer(s) supplied but the stream used {}",
                    sizes.len(),
                    self.next_buffer
                ))
                .into());
            }
        }
        let mut text = format!("end of stream ({} bytes", self.r.pos());
        if self.oob {
            let _ = write!(
                text,
                ", {} out-of-band",
                plural(self.next_buffer as u64, "buffer")
            );
        }
        text.push(')');
        self.note(text);
        Ok(())
    }

    fn ref_flag(&mut self) -> R<Flag> {
        let pos = self.r.pos();
        match self.r.u8()? {
            ref_flag::NULL => {
                self.item(pos, "ref flag NULL");
                Ok(Flag::Null)
            }
            ref_flag::NOT_NULL => {
                self.item(pos, "ref flag NOT_NULL");
                Ok(Flag::Value)
            }
            ref_flag::REF_VALUE => {
                let id = self.ref_count;
                self.ref_count = id
                    .checked_add(1)
                    .ok_or_else(|| Error::invalid(pos, "too many references"))?;
                self.item(pos, format!("ref flag REF_VALUE, ref id {id}"));
                Ok(Flag::Value)
            }
            ref_flag::REF => {
                let id = self.r.var_u32()?;
                if id >= self.ref_count {
                    return Err(Error::InvalidRef {
                        id,
                        known: self.ref_count as usize,
                        offset: pos,
                    }
                    .into());
                }
                self.item(pos, format!("ref flag REF -> ref id {id}"));
                Ok(Flag::Ref)
            }
            f => Err(Error::InvalidFlag {
                what: "ref flag",
                found: f,
                offset: pos,
            }
            .into()),
        }
    }

    // ---- type meta -------------------------------------------------------

    fn reg_name(&self, reg: &Registration) -> String {
        match reg {
            Registration::Id(id) => match self.opts.schema.by_id(*id) {
                Some(d) => format!("{} (id {id})", d.name()),
                None => format!("#{id}"),
            },
            Registration::Name {
                namespace,
                typename,
            } => join_name(namespace, typename),
        }
    }

    fn missing_struct(&self, what: String) -> Stop {
        if self.opts.schema.types().next().is_none() {
            Stop::Incomplete(format!(
                "the body of {what} needs --types: a schema-consistent struct does not describe its fields"
            ))
        } else {
            Stop::Incomplete(format!(
                "{what} is not declared in --types: its body cannot be decoded"
            ))
        }
    }

    fn type_meta(&mut self) -> R<Rt> {
        let opts = self.opts;
        let pos = self.r.pos();
        let id = self.r.u8()?;
        let name = tid::name(id as u32).unwrap_or("?");
        Ok(match id {
            tid::BOOL..=tid::TAGGED_UINT64
            | tid::FLOAT16..=tid::MAP
            | tid::NONE..=tid::BINARY
            | tid::BOOL_ARRAY..=tid::UINT64_ARRAY
            | tid::FLOAT16_ARRAY..=tid::FLOAT64_ARRAY => {
                self.item(pos, format!("type {name} ({id})"));
                Rt::Internal(id)
            }
            tid::ENUM => {
                let uid = self.r.var_u32()?;
                match opts.schema.by_id(uid).map(|d| &**d) {
                    Some(TypeDecl::Enum(e)) => {
                        self.item(pos, format!("type ENUM ({id}), user id {uid} = {}", e.name));
                        Rt::Enum(Some(Arc::new(e.clone())), e.name.clone())
                    }
                    Some(other @ (TypeDecl::Struct(_) | TypeDecl::Ext(_))) => {
                        return Err(Error::type_id(
                            pos,
                            format!("an enum, but id {uid} is {}", other.name()),
                            id as u32,
                        )
                        .into())
                    }
                    None => {
                        self.item(pos, format!("type ENUM ({id}), user id {uid}"));
                        Rt::Enum(None, format!("#{uid}"))
                    }
                }
            }
            tid::NAMED_ENUM => {
                self.item(pos, format!("type NAMED_ENUM ({id})"));
                let (ns, tn) = self.nested(|s| {
                    if opts.config.compatible {
                        let (td, _) = s.shared_typedef()?;
                        match &td.registration {
                            Registration::Name {
                                namespace,
                                typename,
                            } => Ok((namespace.clone(), typename.clone())),
                            Registration::Id(_) => {
                                Err(Error::invalid(pos, "named enum with an id TypeDef").into())
                            }
                        }
                    } else {
                        s.names()
                    }
                })?;
                match opts.schema.by_ns_typename(&ns, &tn).map(|d| &**d) {
                    Some(TypeDecl::Enum(e)) => Rt::Enum(Some(Arc::new(e.clone())), e.name.clone()),
                    _ => Rt::Enum(None, join_name(&ns, &tn)),
                }
            }
            tid::STRUCT => {
                let uid = self.r.var_u32()?;
                match opts.schema.by_id(uid).map(|d| &**d) {
                    Some(TypeDecl::Struct(s)) => {
                        self.item(
                            pos,
                            format!("type STRUCT ({id}), user id {uid} = {}", s.name),
                        );
                        Rt::Struct(Arc::new(s.clone()))
                    }
                    _ => {
                        self.item(pos, format!("type STRUCT ({id}), user id {uid}"));
                        return Err(self.missing_struct(format!("struct id {uid}")));
                    }
                }
            }
            tid::NAMED_STRUCT => {
                self.item(pos, format!("type NAMED_STRUCT ({id})"));
                let (ns, tn) = self.nested(|s| s.names())?;
                match opts.schema.by_ns_typename(&ns, &tn).map(|d| &**d) {
                    Some(TypeDecl::Struct(s)) => Rt::Struct(Arc::new(s.clone())),
                    _ => return Err(self.missing_struct(format!("struct {}", join_name(&ns, &tn)))),
                }
            }
            tid::COMPATIBLE_STRUCT | tid::NAMED_COMPATIBLE_STRUCT => {
                self.item(pos, format!("type {name} ({id})"));
                let (td, idx) = self.nested(|s| s.shared_typedef())?;
                if !matches!(td.kind, TypeDefKind::Struct { .. }) {
                    return Err(
                        Error::invalid(pos, "struct type meta with a non-struct TypeDef").into(),
                    );
                }
                Rt::Compat(td, idx)
            }
            other => {
                return Err(Error::type_id(pos, "a supported xlang type id", other as u32).into())
            }
        })
    }

    /// Namespace and type name in the inline meta-string framing.
    fn names(&mut self) -> R<(String, String)> {
        let ns = self.meta_string("namespace", Context::Namespace)?;
        let tn = self.meta_string("typename", Context::TypeName)?;
        Ok((ns, tn))
    }

    fn meta_string(&mut self, what: &str, ctx: Context) -> R<String> {
        let pos = self.r.pos();
        let v = self.r.var_u32()?;
        if v & 1 == 1 {
            let id = (v >> 1) as usize;
            let dyn_id = id.wrapping_sub(1);
            let (bytes, enc) = self.meta_strings.get(dyn_id).cloned().ok_or_else(|| {
                Error::invalid(pos, format!("meta string reference {id} is unknown"))
            })?;
            let s = meta_string::decode(&bytes, enc, ctx, pos)?;
            self.item(pos, format!("{what} {s:?}: dyn id {dyn_id} again"));
            return Ok(s);
        }
        let len = (v >> 1) as usize;
        let mut extra = String::new();
        let (bytes, enc) = if len == 0 {
            (Vec::new(), Encoding::Utf8)
        } else if len <= 16 {
            let e = self.r.u8()?;
            let enc = Encoding::from_id(e).ok_or(Error::InvalidFlag {
                what: "meta-string encoding",
                found: e,
                offset: pos,
            })?;
            let len = self.r.ensure("meta string", len as u64)?;
            (self.r.take(len)?.to_vec(), enc)
        } else {
            let hash = self.r.i64()?;
            let e = (hash & 0xff) as u8;
            let enc = Encoding::from_id(e).ok_or(Error::InvalidFlag {
                what: "meta-string encoding",
                found: e,
                offset: pos,
            })?;
            let len = self.r.ensure("meta string", len as u64)?;
            let bytes = self.r.take(len)?.to_vec();
            if meta_string::long_meta_string_hash(&bytes, enc) != hash {
                return Err(Error::invalid(pos, "meta string hash mismatch").into());
            }
            extra = format!(", hash {:#018x}", hash as u64);
            (bytes, enc)
        };
        let s = meta_string::decode(&bytes, enc, ctx, pos)?;
        let dyn_id = self.meta_strings.len();
        self.meta_strings.push((bytes, enc));
        self.item(
            pos,
            format!(
                "{what} {s:?} ({}, {}{extra}), dyn id {dyn_id}",
                encoding_name(enc),
                plural(len as u64, "byte")
            ),
        );
        Ok(s)
    }

    /// A meta-share marker and, the first time, the TypeDef it announces.
    fn shared_typedef(&mut self) -> R<(Arc<TypeDef>, usize)> {
        let pos = self.r.pos();
        let marker = self.r.var_u32()?;
        let idx = (marker >> 1) as usize;
        if marker & 1 == 1 {
            let td = self.typedefs.get(idx).cloned().ok_or_else(|| {
                Error::invalid(pos, format!("type meta reference {idx} is unknown"))
            })?;
            let name = self.reg_name(&td.registration);
            self.item(pos, format!("meta share: TypeDef #{idx} again ({name})"));
            return Ok((td, idx));
        }
        if idx != self.typedefs.len() {
            return Err(Error::invalid(
                pos,
                format!(
                    "new type meta has index {idx}, expected {}",
                    self.typedefs.len()
                ),
            )
            .into());
        }
        self.item(pos, format!("meta share: new TypeDef #{idx}"));
        let td = Arc::new(self.nested(|s| s.typedef())?);
        self.typedefs.push(td.clone());
        Ok((td, idx))
    }

    /// One TypeDef, validated by `TypeDef::decode` and then annotated part by part.
    fn typedef(&mut self) -> R<TypeDef> {
        let start = self.r.pos();
        let mut probe = self.r.clone();
        let td = TypeDef::decode(&mut probe)?;
        let end = probe.pos();

        let h = self.r.u64()?;
        let mut size = h & 0xff;
        if size == 0xff {
            size += self.r.var_u32()? as u64;
        }
        self.item(
            start,
            format!(
                "TypeDef header: {size}-byte body, meta hash {:#015x}",
                h >> 12
            ),
        );

        let kpos = self.r.pos();
        let k = self.r.u8()?;
        let kind = match td.kind {
            TypeDefKind::Struct { compatible } => {
                let mut n = (k & 0x1f) as u64;
                if n == 0x1f {
                    n += self.r.var_u32()? as u64;
                }
                format!(
                    "struct{}, by {}, {}",
                    if compatible { ", compatible" } else { "" },
                    if k & 0x20 != 0 { "name" } else { "id" },
                    plural(n, "field")
                )
            }
            TypeDefKind::Other(code) => format!("kind {} ({code})", typedef_kind_name(code)),
        };
        self.item(kpos, kind);

        match &td.registration {
            Registration::Name { .. } => {
                self.big_name("namespace", Context::Namespace)?;
                self.big_name("typename", Context::TypeName)?;
            }
            Registration::Id(_) => {
                let p = self.r.pos();
                let id = self.r.var_u32()?;
                let mut text = format!("user type id {id}");
                if let Some(d) = self.opts.schema.by_id(id) {
                    let _ = write!(text, " = {}", d.name());
                }
                self.item(p, text);
            }
        }

        for f in &td.fields {
            let fpos = self.r.pos();
            let fh = self.r.u8()?;
            let enc = fh >> 6;
            let mut size = ((fh >> 2) & 0x0f) as u64;
            if size == 15 {
                size += self.r.var_u32()? as u64;
            }
            self.skip_wire_type(true, 0)?;
            if enc != 3 {
                let len = self.r.ensure("field name", size + 1)?;
                self.r.take(len)?;
            }
            let mut text = match &f.id {
                FieldId::Name(n) => format!("field {n:?}: {}", wire_type_text(&f.ty)),
                FieldId::Tag(t) => format!("field tag {t}: {}", wire_type_text(&f.ty)),
            };
            if f.ty.nullable {
                text.push_str(", nullable");
            }
            if f.ty.track_ref {
                text.push_str(", ref");
            }
            if enc != 3 {
                let e = match enc {
                    0 => "UTF8",
                    1 => "ALL_TO_LOWER_SPECIAL",
                    _ => "LOWER_UPPER_DIGIT_SPECIAL",
                };
                let _ = write!(text, " (name {e})");
            }
            self.item(fpos, text);
        }
        if self.r.pos() != end {
            return Err(Error::invalid(
                self.r.pos(),
                format!("TypeDef ends at offset {end} but its fields end here"),
            )
            .into());
        }
        Ok(td)
    }

    /// A namespace or type name inside a TypeDef.
    fn big_name(&mut self, what: &str, ctx: Context) -> R<()> {
        let pos = self.r.pos();
        let h = self.r.u8()?;
        let enc = *ctx
            .typedef_encodings()
            .get((h & 3) as usize)
            .ok_or(Error::InvalidFlag {
                what: "meta-string encoding",
                found: h & 3,
                offset: pos,
            })?;
        let mut len = (h >> 2) as u64;
        if len >= 63 {
            len += self.r.var_u32()? as u64;
        }
        let len = self.r.ensure("meta string", len)?;
        let bytes = self.r.take(len)?;
        let s = meta_string::decode(bytes, enc, ctx, pos)?;
        self.item(pos, format!("{what} {s:?} ({})", encoding_name(enc)));
        Ok(())
    }

    fn skip_wire_type(&mut self, top: bool, depth: usize) -> R<()> {
        if depth > 32 {
            return Err(Error::DepthLimit {
                limit: 32,
                offset: self.r.pos(),
            }
            .into());
        }
        let id = if top {
            self.r.u8()? as u32
        } else {
            self.r.var_u32()? >> 2
        };
        let children = if id == tid::LIST as u32 || id == tid::SET as u32 {
            1
        } else if id == tid::MAP as u32 {
            2
        } else {
            0
        };
        for _ in 0..children {
            self.skip_wire_type(false, depth + 1)?;
        }
        Ok(())
    }

    // ---- bodies ----------------------------------------------------------

    fn body_rt(&mut self, rt: &Rt) -> R<()> {
        self.enter()?;
        let r = match rt {
            Rt::Internal(id) => self.internal(*id, None),
            Rt::Struct(decl) => self.consistent_struct(decl),
            Rt::Compat(td, idx) => self.compat_struct(td, *idx),
            Rt::Enum(decl, name) => self.enum_body(decl.as_deref(), name),
        };
        self.depth -= 1;
        r
    }

    fn body_decl(&mut self, t: &FieldType) -> R<()> {
        let opts = self.opts;
        self.enter()?;
        let r = match &t.expr {
            TypeExpr::Scalar(id) => self.internal(*id, None),
            TypeExpr::List(_) => self.internal(tid::LIST, Some(t)),
            TypeExpr::Set(_) => self.internal(tid::SET, Some(t)),
            TypeExpr::Map(..) => self.internal(tid::MAP, Some(t)),
            TypeExpr::Named(n) => match opts.schema.get(n).map(|d| &**d) {
                Some(TypeDecl::Enum(e)) => self.enum_body(Some(e), &e.name),
                Some(TypeDecl::Struct(s)) => self.consistent_struct(&Arc::new(s.clone())),
                Some(TypeDecl::Ext(x)) => Err(Error::UnregisteredType {
                    what: format!("a body of extension type {}", x.name),
                    offset: self.r.pos(),
                }
                .into()),
                None => self.enum_body(None, ""),
            },
            TypeExpr::Any => {
                Err(Error::invalid(self.r.pos(), "a dynamic type needs type meta").into())
            }
        };
        self.depth -= 1;
        r
    }

    fn is_dynamic(&self, t: &FieldType) -> bool {
        match &t.expr {
            TypeExpr::Any => true,
            TypeExpr::Named(n) => match self.opts.schema.get(n).map(|d| &**d) {
                Some(TypeDecl::Struct(s)) => {
                    self.opts.config.compatible
                        || matches!(s.registration, Registration::Name { .. })
                }
                _ => false,
            },
            _ => false,
        }
    }

    fn field(&mut self, t: &FieldType, runtime_ref: bool) -> R<()> {
        if is_primitive(t) {
            if t.nullable {
                match self.ref_flag()? {
                    Flag::Null | Flag::Ref => return Ok(()),
                    Flag::Value => {}
                }
            }
            return self.body_decl(t);
        }
        if runtime_ref || t.nullable {
            match self.ref_flag()? {
                Flag::Null | Flag::Ref => return Ok(()),
                Flag::Value => {}
            }
        }
        if self.is_dynamic(t) {
            let rt = self.type_meta()?;
            self.body_rt(&rt)
        } else {
            self.body_decl(t)
        }
    }

    fn enum_body(&mut self, decl: Option<&EnumDecl>, name: &str) -> R<()> {
        let pos = self.r.pos();
        let wire = self.r.var_u32()?;
        match decl {
            Some(d) => {
                let v = d.variant_for_wire(wire, pos)?;
                self.item(
                    pos,
                    format!(
                        "enum {} {} (value {wire}, ordinal {})",
                        d.name, v.name, v.ordinal
                    ),
                );
            }
            None if name.is_empty() => self.item(pos, format!("enum value {wire}")),
            None => self.item(pos, format!("enum {name} value {wire}")),
        }
        Ok(())
    }

    fn layout(&mut self, decl: &Arc<StructDecl>) -> R<Arc<StructLayout>> {
        if let Some(l) = self.layouts.get(&decl.name) {
            return Ok(l.clone());
        }
        let l = Arc::new(StructLayout::new(
            &self.opts.schema,
            decl.clone(),
            self.opts.config.ref_tracking,
            false,
        )?);
        self.layouts.insert(decl.name.clone(), l.clone());
        Ok(l)
    }

    fn consistent_struct(&mut self, decl: &Arc<StructDecl>) -> R<()> {
        let pos = self.r.pos();
        let hash = self.r.i32()?;
        let layout = self.layout(decl)?;
        if hash != layout.hash {
            return Err(Error::SchemaHashMismatch {
                type_name: decl.name.clone(),
                expected: layout.hash as u32,
                found: hash as u32,
                offset: pos,
            }
            .into());
        }
        self.item(
            pos,
            format!(
                "struct {}, schema hash {:#010x}, {}",
                decl.name,
                hash as u32,
                plural(decl.fields.len() as u64, "field")
            ),
        );
        self.nested(|s| {
            for &i in &layout.order {
                let Some(f) = decl.fields.get(i) else {
                    continue;
                };
                let runtime_ref = layout.runtime_ref.get(i).copied().unwrap_or(false);
                s.labelled(format!("{}: ", f.name), |s| s.field(&f.ty, runtime_ref))?;
            }
            Ok(())
        })
    }

    fn compat_struct(&mut self, td: &Arc<TypeDef>, idx: usize) -> R<()> {
        let local = match &td.registration {
            Registration::Id(id) => self.opts.schema.by_id(*id),
            Registration::Name {
                namespace,
                typename,
            } => self.opts.schema.by_ns_typename(namespace, typename),
        };
        let local = match local.map(|d| &**d) {
            Some(TypeDecl::Struct(s)) => Some(s),
            Some(other @ (TypeDecl::Enum(_) | TypeDecl::Ext(_))) => {
                return Err(Error::invalid(
                    self.r.pos(),
                    format!("TypeDef describes a struct but {} is not one", other.name()),
                )
                .into())
            }
            None => None,
        };
        let schema = &self.opts.schema;
        let name = self.reg_name(&td.registration);
        self.note(format!(
            "struct {name}, {} (TypeDef #{idx})",
            plural(td.fields.len() as u64, "field")
        ));
        self.nested(|s| {
            for f in &td.fields {
                let matched = local.and_then(|l| {
                    l.fields.iter().find(|lf| match (&f.id, lf.tag_id) {
                        (FieldId::Tag(t), Some(lt)) => *t == lt,
                        (FieldId::Name(n), None) => to_snake_case(n) == to_snake_case(&lf.name),
                        _ => false,
                    })
                });
                let plan = plan_from_wire(schema, &f.ty, matched.map(|lf| &lf.ty));
                let label = match &f.id {
                    FieldId::Name(n) => format!("{n}: "),
                    FieldId::Tag(t) => format!("#{t}: "),
                };
                s.labelled(label, |s| s.field(&plan, f.ty.track_ref))?;
            }
            Ok(())
        })
    }

    fn internal(&mut self, id: TypeId, decl: Option<&FieldType>) -> R<()> {
        let pos = self.r.pos();
        let name = scalar_type_name(id).unwrap_or("?");
        let r = &mut self.r;
        let text = match id {
            tid::BOOL => match r.u8()? {
                0 => "bool false".to_string(),
                1 => "bool true".to_string(),
                b => {
                    return Err(Error::InvalidFlag {
                        what: "bool",
                        found: b,
                        offset: pos,
                    }
                    .into())
                }
            },
            tid::INT8 => format!("{name} {}", r.i8()?),
            tid::INT16 => format!("{name} {}", r.i16()?),
            tid::INT32 => format!("{name} {}", r.i32()?),
            tid::VARINT32 => format!("{name} {}", r.var_i32()?),
            tid::INT64 => format!("{name} {}", r.i64()?),
            tid::VARINT64 => format!("{name} {}", r.var_i64()?),
            tid::TAGGED_INT64 => format!("{name} {}", r.tagged_i64()?),
            tid::UINT8 => format!("{name} {}", r.u8()?),
            tid::UINT16 => format!("{name} {}", r.u16()?),
            tid::UINT32 => format!("{name} {}", r.u32()?),
            tid::VAR_UINT32 => format!("{name} {}", r.var_u32()?),
            tid::UINT64 => format!("{name} {}", r.u64()?),
            tid::VAR_UINT64 => format!("{name} {}", r.var_u64()?),
            tid::TAGGED_UINT64 => format!("{name} {}", r.tagged_u64()?),
            tid::FLOAT16 => format!("{name} {:?}", f16::from_bits(r.u16()?).to_f32()),
            tid::BFLOAT16 => format!("{name} {:?}", bf16::from_bits(r.u16()?).to_f32()),
            tid::FLOAT32 => format!("{name} {:?}", r.f32()?),
            tid::FLOAT64 => format!("{name} {:?}", r.f64()?),
            tid::STRING => {
                let s = string::read_string(r)?;
                let data = r.data();
                let mut hr = Reader::new(data.get(pos..).unwrap_or(&[]));
                let h = hr.var_u36_small()?;
                let coding = match h & 3 {
                    0 => "LATIN1",
                    1 => "UTF16",
                    _ => "UTF8",
                };
                format!(
                    "string {} ({coding}, {})",
                    preview_str(&s),
                    plural(h >> 2, "byte")
                )
            }
            tid::NONE => "none".to_string(),
            tid::DATE => {
                let days = r.var_i64()?;
                format!("date {days} ({})", civil_date(days as i128))
            }
            tid::TIMESTAMP => {
                let seconds = r.i64()?;
                let nanos = r.u32()?;
                if nanos >= 1_000_000_000 {
                    return Err(Error::invalid(
                        pos,
                        format!("timestamp nanos {nanos} out of range"),
                    )
                    .into());
                }
                format!(
                    "timestamp {} (seconds {seconds}, nanos {nanos})",
                    timestamp_text(seconds, nanos)
                )
            }
            tid::DURATION => {
                let seconds = r.var_i64()?;
                let nanos = r.i32()?;
                if !(0..1_000_000_000).contains(&nanos) {
                    return Err(Error::invalid(
                        pos,
                        format!("duration nanos {nanos} out of range"),
                    )
                    .into());
                }
                format!(
                    "duration {} s (seconds {seconds}, nanos {nanos})",
                    seconds_text(seconds as i128 * 1_000_000_000 + nanos as i128)
                )
            }
            tid::DECIMAL => {
                let (unscaled, scale) = decimal::read_decimal(r)?;
                format!(
                    "decimal {} (unscaled {}, scale {scale})",
                    decimal_text(&unscaled, scale),
                    preview_digits(unscaled.to_string())
                )
            }
            tid::BINARY => return self.binary(),
            tid::LIST | tid::SET => {
                let elem = match decl.map(|d| &d.expr) {
                    Some(TypeExpr::List(e)) | Some(TypeExpr::Set(e)) => Some((**e).clone()),
                    _ => None,
                };
                return self.collection(id, elem.as_ref());
            }
            tid::MAP => {
                let (k, v) = match decl.map(|d| &d.expr) {
                    Some(TypeExpr::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                    _ => (None, None),
                };
                return self.map(k.as_ref(), v.as_ref());
            }
            id if tid::array_elem_size(id).is_some() => {
                let len = r.var_u32()? as u64;
                let len = r.ensure("array byte length", len)?;
                let size = tid::array_elem_size(id).unwrap_or(1);
                if len % size != 0 {
                    return Err(Error::invalid(
                        pos,
                        format!("array byte length {len} is not a multiple of {size}"),
                    )
                    .into());
                }
                let data = r.take(len)?;
                if id == tid::BOOL_ARRAY && data.iter().any(|&b| b > 1) {
                    return Err(Error::invalid(pos, "bool array element is not 0 or 1").into());
                }
                format!(
                    "{name}, {} in {}: {}",
                    plural((len / size) as u64, "element"),
                    plural(len as u64, "byte"),
                    array_preview(id, data)
                )
            }
            other => return Err(Error::type_id(pos, "a value type", other as u32).into()),
        };
        self.item(pos, text);
        Ok(())
    }

    fn binary(&mut self) -> R<()> {
        let pos = self.r.pos();
        let mut how = "";
        if self.oob {
            match self.r.u8()? {
                1 => how = " in-band (flag 01)",
                0 => {
                    let i = self.next_buffer;
                    let size = match &self.opts.oob_sizes {
                        Some(sizes) => match sizes.get(i) {
                            Some(n) => format!(", {}", plural(*n as u64, "byte")),
                            None => {
                                return Err(Error::oob(format!(
                                    "the stream needs out-of-band buffer #{i} (offset {pos}) but only {} were supplied",
                                    sizes.len()
                                ))
                                .into())
                            }
                        },
                        None => " (size unknown: pass the buffers with --oob)".to_string(),
                    };
                    self.next_buffer += 1;
                    self.item(
                        pos,
                        format!("binary out-of-band (flag 00): buffer #{i}{size}"),
                    );
                    return Ok(());
                }
                f => {
                    return Err(Error::InvalidFlag {
                        what: "in-band flag",
                        found: f,
                        offset: pos,
                    }
                    .into())
                }
            }
        }
        let len = self.r.var_u32()? as u64;
        let len = self.r.ensure("binary length", len)?;
        self.r.take(len)?;
        self.item(pos, format!("binary{how}, {}", plural(len as u64, "byte")));
        Ok(())
    }

    fn collection(&mut self, id: TypeId, elem: Option<&FieldType>) -> R<()> {
        let pos = self.r.pos();
        let len = self.r.var_u32()? as u64;
        let kind = if id == tid::LIST { "list" } else { "set" };
        self.item(pos, format!("{kind}, {}", plural(len, "item")));
        if len == 0 {
            return Ok(());
        }
        let len = self.r.ensure("collection length", len)?;
        self.nested(|s| {
            let hpos = s.r.pos();
            let h = s.r.u8()?;
            if h & lh::RESERVED != 0 {
                return Err(Error::InvalidFlag {
                    what: "collection header",
                    found: h,
                    offset: hpos,
                }
                .into());
            }
            let tracking = h & lh::TRACKING_REF != 0;
            let has_null = h & lh::HAS_NULL != 0;
            let mut text = format!(
                "elements header {h:#04x}: {}",
                bits_text(
                    h,
                    &[
                        (lh::TRACKING_REF, "TRACKING_REF"),
                        (lh::HAS_NULL, "HAS_NULL"),
                        (lh::DECL_ELEMENT_TYPE, "DECL_ELEMENT_TYPE"),
                        (lh::SAME_TYPE, "SAME_TYPE"),
                    ]
                )
            );
            let same: Option<Option<Rt>> = if h & lh::DECL_ELEMENT_TYPE != 0 {
                match elem {
                    Some(e) if !s.is_dynamic(e) => {
                        let _ = write!(text, ", declared {}", field_type_text(e));
                        s.item(hpos, text);
                        None
                    }
                    _ => {
                        return Err(Error::invalid(
                            hpos,
                            "declared element type but no schema declares it",
                        )
                        .into())
                    }
                }
            } else if h & lh::SAME_TYPE != 0 {
                s.item(hpos, text);
                Some(Some(
                    s.labelled("elements: ".to_string(), |s| s.type_meta())?,
                ))
            } else {
                s.item(hpos, text);
                Some(None)
            };
            for i in 0..len {
                s.labelled(format!("[{i}] "), |s| {
                    if tracking || has_null {
                        match s.ref_flag()? {
                            Flag::Null | Flag::Ref => return Ok(()),
                            Flag::Value => {}
                        }
                    }
                    match (&same, elem) {
                        (None, Some(e)) => s.body_decl(e),
                        (Some(Some(rt)), _) => s.body_rt(rt),
                        (Some(None), _) => {
                            let rt = s.type_meta()?;
                            s.body_rt(&rt)
                        }
                        (None, None) => {
                            Err(Error::invalid(s.r.pos(), "element without a type").into())
                        }
                    }
                })?;
            }
            Ok(())
        })
    }

    fn map(&mut self, kd: Option<&FieldType>, vd: Option<&FieldType>) -> R<()> {
        let pos = self.r.pos();
        let total = self.r.var_u32()? as u64;
        self.item(pos, format!("map, {}", plural(total, "entry")));
        let total = self.r.ensure("map size", total)?;
        self.nested(|s| {
            let mut n = 0usize;
            while n < total {
                let hpos = s.r.pos();
                let h = s.r.u8()?;
                if h & mh::RESERVED != 0 {
                    return Err(Error::InvalidFlag {
                        what: "map chunk header",
                        found: h,
                        offset: hpos,
                    }
                    .into());
                }
                let ktrack = h & mh::TRACKING_KEY_REF != 0;
                let vtrack = h & mh::TRACKING_VALUE_REF != 0;
                let kdecl = h & mh::KEY_DECL_TYPE != 0;
                let vdecl = h & mh::VALUE_DECL_TYPE != 0;
                for (d, t) in [(kdecl, kd), (vdecl, vd)] {
                    if d && t.is_none_or(|t| s.is_dynamic(t)) {
                        return Err(Error::invalid(
                            hpos,
                            "declared map key/value type but no schema declares it",
                        )
                        .into());
                    }
                }
                let bits = bits_text(
                    h,
                    &[
                        (mh::TRACKING_KEY_REF, "TRACKING_KEY_REF"),
                        (mh::KEY_HAS_NULL, "KEY_HAS_NULL"),
                        (mh::KEY_DECL_TYPE, "KEY_DECL_TYPE"),
                        (mh::TRACKING_VALUE_REF, "TRACKING_VALUE_REF"),
                        (mh::VALUE_HAS_NULL, "VALUE_HAS_NULL"),
                        (mh::VALUE_DECL_TYPE, "VALUE_DECL_TYPE"),
                    ],
                );
                let knull = h & mh::KEY_HAS_NULL != 0;
                let vnull = h & mh::VALUE_HAS_NULL != 0;
                if knull || vnull {
                    let what = match (knull, vnull) {
                        (true, true) => "key and value",
                        (true, false) => "key",
                        _ => "value",
                    };
                    s.item(
                        hpos,
                        format!("chunk header {h:#04x}: {bits}; one entry, null {what}"),
                    );
                    s.labelled(format!("[{n}] key: "), |s| {
                        if knull {
                            s.note("null");
                            Ok(())
                        } else {
                            s.null_entry_side(ktrack, kdecl, kd)
                        }
                    })?;
                    s.labelled(format!("[{n}] value: "), |s| {
                        if vnull {
                            s.note("null");
                            Ok(())
                        } else {
                            s.null_entry_side(vtrack, vdecl, vd)
                        }
                    })?;
                    n += 1;
                    continue;
                }
                let spos = s.r.pos();
                let size = s.r.u8()? as usize;
                if size == 0 || n + size > total {
                    return Err(Error::invalid(
                        spos,
                        format!(
                            "map chunk size {size} does not fit {} remaining entries",
                            total - n
                        ),
                    )
                    .into());
                }
                s.item(
                    hpos,
                    format!(
                        "chunk header {h:#04x}: {bits}; chunk of {}",
                        plural(size as u64, "entry")
                    ),
                );
                let krt = if kdecl {
                    None
                } else {
                    Some(s.labelled("keys: ".to_string(), |s| s.type_meta())?)
                };
                let vrt = if vdecl {
                    None
                } else {
                    Some(s.labelled("values: ".to_string(), |s| s.type_meta())?)
                };
                for _ in 0..size {
                    s.labelled(format!("[{n}] key: "), |s| {
                        s.map_side(ktrack, kd, krt.as_ref())
                    })?;
                    s.labelled(format!("[{n}] value: "), |s| {
                        s.map_side(vtrack, vd, vrt.as_ref())
                    })?;
                    n += 1;
                }
            }
            Ok(())
        })
    }

    fn map_side(&mut self, track: bool, decl: Option<&FieldType>, rt: Option<&Rt>) -> R<()> {
        if track {
            match self.ref_flag()? {
                Flag::Null | Flag::Ref => return Ok(()),
                Flag::Value => {}
            }
        }
        match (rt, decl) {
            (Some(rt), _) => self.body_rt(rt),
            (None, Some(d)) => self.body_decl(d),
            (None, None) => Err(Error::invalid(self.r.pos(), "map entry without a type").into()),
        }
    }

    fn null_entry_side(&mut self, track: bool, decl: bool, t: Option<&FieldType>) -> R<()> {
        if decl {
            return self.map_side(track, t, None);
        }
        if track {
            match self.ref_flag()? {
                Flag::Null | Flag::Ref => return Ok(()),
                Flag::Value => {}
            }
        }
        let rt = self.type_meta()?;
        self.body_rt(&rt)
    }
}

/// `1 byte`, `2 bytes`, `1 entry`, `3 entries`.
fn plural(n: u64, word: &str) -> String {
    match (n, word.strip_suffix('y')) {
        (1, _) => format!("1 {word}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {word}s"),
    }
}

fn join_name(ns: &str, tn: &str) -> String {
    if ns.is_empty() {
        tn.to_string()
    } else {
        format!("{ns}.{tn}")
    }
}

fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "UTF8",
        Encoding::LowerSpecial => "LOWER_SPECIAL",
        Encoding::LowerUpperDigitSpecial => "LOWER_UPPER_DIGIT_SPECIAL",
        Encoding::FirstToLowerSpecial => "FIRST_TO_LOWER_SPECIAL",
        Encoding::AllToLowerSpecial => "ALL_TO_LOWER_SPECIAL",
    }
}

fn typedef_kind_name(code: u8) -> &'static str {
    match code {
        0 => "ENUM",
        1 => "NAMED_ENUM",
        2 => "EXT",
        3 => "NAMED_EXT",
        4 => "TYPED_UNION",
        5 => "NAMED_UNION",
        _ => "?",
    }
}

fn bits_text(h: u8, names: &[(u8, &str)]) -> String {
    let set: Vec<&str> = names
        .iter()
        .filter(|(b, _)| h & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if set.is_empty() {
        "no flags".to_string()
    } else {
        set.join("|")
    }
}

fn wire_type_text(t: &WireType) -> String {
    let mut s = match tid::name(t.type_id) {
        Some(n) => n.to_string(),
        None => format!("type {}", t.type_id),
    };
    if !t.children.is_empty() {
        let kids: Vec<String> = t
            .children
            .iter()
            .map(|c| {
                let mut k = String::new();
                if c.nullable {
                    k.push_str("nullable ");
                }
                if c.track_ref {
                    k.push_str("ref ");
                }
                k + &wire_type_text(c)
            })
            .collect();
        let _ = write!(s, "<{}>", kids.join(", "));
    }
    s
}

fn field_type_text(t: &FieldType) -> String {
    let s = match &t.expr {
        TypeExpr::Scalar(id) => scalar_type_name(*id).unwrap_or("?").to_string(),
        TypeExpr::List(e) => format!("list<{}>", field_type_text(e)),
        TypeExpr::Set(e) => format!("set<{}>", field_type_text(e)),
        TypeExpr::Map(k, v) => format!("map<{},{}>", field_type_text(k), field_type_text(v)),
        TypeExpr::Named(n) if n.is_empty() => "enum".to_string(),
        TypeExpr::Named(n) => n.clone(),
        TypeExpr::Any => "any".to_string(),
    };
    if t.nullable {
        format!("optional<{s}>")
    } else {
        s
    }
}

fn preview_str(s: &str) -> String {
    let n = s.chars().count();
    if n <= PREVIEW_CHARS {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(PREVIEW_CHARS).collect();
        format!("{head:?}... ({n} chars)")
    }
}

fn preview_digits(s: String) -> String {
    if s.len() <= PREVIEW_CHARS {
        s
    } else {
        format!("{}... ({} digits)", &s[..PREVIEW_CHARS], s.len())
    }
}

fn decimal_text(unscaled: &BigInt, scale: i32) -> String {
    let sign = if unscaled.sign() == Sign::Minus {
        "-"
    } else {
        ""
    };
    let digits = unscaled.magnitude().to_string();
    let s = if scale <= 0 && scale >= -(PREVIEW_CHARS as i32) {
        format!(
            "{sign}{digits}{}",
            "0".repeat(scale.unsigned_abs() as usize)
        )
    } else if scale > 0 && scale <= PREVIEW_CHARS as i32 {
        let scale = scale as usize;
        let padded = if digits.len() <= scale {
            format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
        } else {
            digits
        };
        let (int, frac) = padded.split_at(padded.len() - scale);
        format!("{sign}{int}.{frac}")
    } else {
        format!("{sign}{digits}E{}", -(scale as i64))
    };
    preview_digits(s)
}

/// Proleptic Gregorian date of a day number (days since 1970-01-01).
fn civil_date(days: i128) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i128::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn timestamp_text(seconds: i64, nanos: u32) -> String {
    let s = seconds as i128;
    let day = s.div_euclid(86_400);
    let sod = s.rem_euclid(86_400);
    let mut t = format!(
        "{}T{:02}:{:02}:{:02}",
        civil_date(day),
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    );
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        let _ = write!(t, ".{}", frac.trim_end_matches('0'));
    }
    t.push('Z');
    t
}

/// A signed number of nanoseconds as decimal seconds.
fn seconds_text(total_nanos: i128) -> String {
    let sign = if total_nanos < 0 { "-" } else { "" };
    let a = total_nanos.unsigned_abs();
    let (whole, frac) = (a / 1_000_000_000, a % 1_000_000_000);
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        let f = format!("{frac:09}");
        format!("{sign}{whole}.{}", f.trim_end_matches('0'))
    }
}

fn array_preview(id: TypeId, data: &[u8]) -> String {
    let size = tid::array_elem_size(id).unwrap_or(1);
    let n = data.len() / size;
    let items: Vec<String> = data
        .chunks_exact(size)
        .take(PREVIEW_ELEMS)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            let u = u64::from_le_bytes(b);
            match id {
                tid::BOOL_ARRAY => (u != 0).to_string(),
                tid::INT8_ARRAY => (u as u8 as i8).to_string(),
                tid::INT16_ARRAY => (u as u16 as i16).to_string(),
                tid::INT32_ARRAY => (u as u32 as i32).to_string(),
                tid::INT64_ARRAY => (u as i64).to_string(),
                tid::FLOAT16_ARRAY => format!("{:?}", f16::from_bits(u as u16).to_f32()),
                tid::BFLOAT16_ARRAY => format!("{:?}", bf16::from_bits(u as u16).to_f32()),
                tid::FLOAT32_ARRAY => format!("{:?}", f32::from_bits(u as u32)),
                tid::FLOAT64_ARRAY => format!("{:?}", f64::from_bits(u)),
                _ => u.to_string(),
            }
        })
        .collect();
    let more = if n > PREVIEW_ELEMS { ", ..." } else { "" };
    format!("[{}{more}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(compatible: bool) -> Options {
        Options {
            config: Config {
                compatible,
                ..Config::default()
            },
            ..Options::default()
        }
    }

    fn run(hex_in: &str, opts: &Options) -> Report {
        inspect(&hex::decode(hex_in).expect("hex"), opts)
    }

    #[test]
    fn varint64_root() {
        let r = run("01ff07d804", &opts(false));
        assert!(r.is_complete());
        assert_eq!(
            r.text,
            "   0  01                       header 0x01: xlang
   1  ff                       ref flag NOT_NULL
   2  07                       type VARINT64 (7)
   3  d8 04                    varint64 300
   5                           end of stream (5 bytes)
"
        );
    }

    #[test]
    fn list_of_ints() {
        let r = run("01ff16030807020406", &opts(false));
        assert!(r.is_complete());
        assert_eq!(
            r.text,
            "   0  01                       header 0x01: xlang
   1  ff                       ref flag NOT_NULL
   2  16                       type LIST (22)
   3  03                       list, 3 items
   4  08                         elements header 0x08: SAME_TYPE
   5  07                         elements: type VARINT64 (7)
   6  02                         [0] varint64 1
   7  04                         [1] varint64 2
   8  06                         [2] varint64 3
   9                           end of stream (9 bytes)
"
        );
    }

    const POINT_COMPAT: &str = "   0  01                       header 0x01: xlang
   1  ff                       ref flag NOT_NULL
   2  1e                       type NAMED_COMPATIBLE_STRUCT (30)
   3  00                         meta share: new TypeDef #0
   4  12 00 d2 cd 7e dd f2 23      TypeDef header: 18-byte body, meta hash 0x23f2dd7ecdd20
  12  e2                           struct, compatible, by name, 2 fields
  13  15 12 e0 63 d6 40            namespace \"example\" (ALL_TO_LOWER_SPECIAL)
  19  13 bd c8 6c c0               typename \"Point\" (FIRST_TO_LOWER_SPECIAL)
  24  40 05 5c                     field \"x\": VARINT32 (name ALL_TO_LOWER_SPECIAL)
  27  40 05 60                     field \"y\": VARINT32 (name ALL_TO_LOWER_SPECIAL)
  30                           struct example.Point, 2 fields (TypeDef #0)
  30  02                         x: varint32 1
  31  04                         y: varint32 2
  32                           end of stream (32 bytes)
";

    #[test]
    fn compatible_struct_needs_no_types() {
        let b = include_bytes!("../../tests/vectors/pyfory-1.7.7/struct_point__compat.bin");
        let r = inspect(b, &opts(true));
        assert!(r.is_complete(), "{}", r.text);
        assert_eq!(r.text, POINT_COMPAT);
        assert_eq!(r.typedefs.len(), 1);
        assert_eq!(r.typedefs[0].fields.len(), 2);
        // A schema changes nothing for a self-describing struct.
        let types: serde_json::Value = serde_json::from_str(
            r#"{"example.Point": {"register_by": "name", "namespace": "example",
                "typename": "Point", "kind": "struct", "fields": [
                {"name": "x", "type": "varint32"}, {"name": "y", "type": "varint32"}]}}"#,
        )
        .expect("json");
        let with_types = Options {
            schema: Schema::from_json(&types, None).expect("schema"),
            ..opts(true)
        };
        assert_eq!(inspect(b, &with_types).text, POINT_COMPAT);
    }

    #[test]
    fn consistent_struct_without_types_dumps_the_rest() {
        let r = run("01ff1b6468608b240204", &opts(false));
        assert!(r.error.is_none());
        assert!(r.incomplete.is_some());
        assert_eq!(
            r.text,
            "   0  01                       header 0x01: xlang
   1  ff                       ref flag NOT_NULL
   2  1b 64                    type STRUCT (27), user id 100
   4                           the body of struct id 100 needs --types: a schema-consistent struct does not describe its fields
   4  68 60 8b 24 02 04        6 bytes undecoded
"
        );
    }

    #[test]
    fn consistent_struct_with_types() {
        let types: serde_json::Value = serde_json::from_str(
            r#"{"demo.Point": {"register_by": "id", "type_id": 100, "kind": "struct",
                "fields": [{"name": "x", "type": "varint32"}, {"name": "y", "type": "varint32"}]}}"#,
        )
        .expect("json");
        let o = Options {
            schema: Schema::from_json(&types, None).expect("schema"),
            ..opts(false)
        };
        // Spec example 34: Point(1, 2); pyfory.Int32 fields are VARINT32 on the wire.
        let r = run("01ff1b6468608b240204", &o);
        assert!(r.is_complete(), "{}", r.text);
        assert_eq!(
            r.text,
            "   0  01                       header 0x01: xlang
   1  ff                       ref flag NOT_NULL
   2  1b 64                    type STRUCT (27), user id 100 = demo.Point
   4  68 60 8b 24              struct demo.Point, schema hash 0x248b6068, 2 fields
   8  02                         x: varint32 1
   9  04                         y: varint32 2
  10                           end of stream (10 bytes)
"
        );
        // A different schema: the hash check fails and the rest is shown raw.
        let r = run("01ff1b6400000000", &o);
        assert!(matches!(r.error, Some(Error::SchemaHashMismatch { .. })));
        assert!(r
            .text
            .ends_with("   4  00 00 00 00              4 bytes undecoded\n"));
    }

    #[test]
    fn truncated_reports_error_and_raw_rest() {
        let r = run("01ff07d8", &opts(false));
        assert!(matches!(
            r.error,
            Some(Error::UnexpectedEnd { offset: 3, .. })
        ));
        assert_eq!(
            r.text,
            "   0  01                       header 0x01: xlang
   1  ff                       ref flag NOT_NULL
   2  07                       type VARINT64 (7)
   3                           error: unexpected end of stream at offset 3: needed 2 more byte(s), 1 left
   3  d8                       1 byte undecoded
"
        );
    }

    #[test]
    fn out_of_band_buffers() {
        // Spec example 14: [b'ab', b'cde', 5] with buffer_callback=list.append.
        let o = Options {
            oob_sizes: Some(vec![2, 3]),
            ..opts(false)
        };
        let r = run("03ff16030029002900070a", &o);
        assert!(r.is_complete(), "{}", r.text);
        assert_eq!(
            r.text,
            "   0  03                       header 0x03: xlang, out-of-band (written with a buffer callback)
   1  ff                       ref flag NOT_NULL
   2  16                       type LIST (22)
   3  03                       list, 3 items
   4  00                         elements header 0x00: no flags
   5  29                         [0] type BINARY (41)
   6  00                           binary out-of-band (flag 00): buffer #0, 2 bytes
   7  29                         [1] type BINARY (41)
   8  00                           binary out-of-band (flag 00): buffer #1, 3 bytes
   9  07                         [2] type VARINT64 (7)
  10  0a                           varint64 5
  11                           end of stream (11 bytes, 2 buffers out-of-band)
"
        );
        // Without sizes the walk still works; with too few buffers it is an error.
        assert!(run("03ff16030029002900070a", &opts(false)).is_complete());
        let short = Options {
            oob_sizes: Some(vec![2]),
            ..opts(false)
        };
        assert!(matches!(
            run("03ff16030029002900070a", &short).error,
            Some(Error::OutOfBand { .. })
        ));
        // Buffers for a stream written without a callback.
        assert!(run("01ff07d804", &o).error.is_some());
    }

    #[test]
    fn map_with_null_value() {
        // Spec example 22: {'a': None}.
        let r = run("01ff180111ff150461", &opts(false));
        assert!(r.is_complete(), "{}", r.text);
        assert_eq!(
            r.text,
            "   0  01                       header 0x01: xlang
   1  ff                       ref flag NOT_NULL
   2  18                       type MAP (24)
   3  01                       map, 1 entry
   4  11                         chunk header 0x11: TRACKING_KEY_REF|VALUE_HAS_NULL; one entry, null value
   5  ff                         [0] key: ref flag NOT_NULL
   6  15                           type STRING (21)
   7  04 61                        string \"a\" (LATIN1, 1 byte)
   9                             [0] value: null
   9                           end of stream (9 bytes)
"
        );
    }

    #[test]
    fn scalar_texts() {
        let line = |h: &str| {
            let r = run(h, &opts(false));
            assert!(r.is_complete(), "{}", r.text);
            r.text.lines().nth(3).expect("value line")[31..].to_string()
        };
        assert_eq!(line("01ff2804ec03"), "decimal 1.23 (unscaled 123, scale 2)");
        assert_eq!(line("01ff2798b402"), "date 19724 (2024-01-02)");
        assert_eq!(
            line("01ff2601000000000000000065cd1d"),
            "timestamp 1970-01-01T00:00:01.5Z (seconds 1, nanos 500000000)"
        );
        assert_eq!(
            line("01ff25010065cd1d"),
            "duration -0.5 s (seconds -1, nanos 500000000)"
        );
        assert_eq!(line("01ff1511604f7d59"), "string \"你好\" (UTF16, 4 bytes)");
        assert_eq!(line("01ff14000000000000f83f"), "float64 1.5");
        assert_eq!(
            line("01ff2e080100000002000000"),
            "int32_array, 2 elements in 8 bytes: [1, 2]"
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        let b = include_bytes!("../../tests/vectors/pyfory-1.7.7/struct_point__compat.bin");
        for n in 0..b.len() {
            let r = inspect(&b[..n], &opts(true));
            assert!(r.error.is_some(), "prefix {n}:\n{}", r.text);
            assert!(r.text.contains("error"), "prefix {n}");
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..5000 {
            let mut m = b.to_vec();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = (seed % m.len() as u64) as usize;
                m[i] = (seed >> 32) as u8;
            }
            let _ = inspect(&m, &opts(true));
            let _ = inspect(&m, &opts(false));
        }
        // 200 nested lists: the depth limit, not a stack overflow.
        let mut deep = vec![0x01, 0xff];
        for _ in 0..200 {
            deep.extend_from_slice(&[0x16, 0x01, 0x00]);
        }
        assert!(matches!(
            inspect(&deep, &opts(false)).error,
            Some(Error::DepthLimit { .. })
        ));
    }
}
