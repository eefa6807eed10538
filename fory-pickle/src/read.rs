//! `loads`: a pickle reader that never runs code.
//!
//! Objects live in an arena; the stack and the memo hold indices into it, so
//! `BUILD` and `APPENDS` mutate the one object every memo reference sees
//! (numpy memoizes a dtype before its `BUILD` and `BINGET`s it later). Only
//! the globals of [`ALLOWED_GLOBALS`] resolve, each to a tag, never to code;
//! `REDUCE` and `BUILD` act only on those tags. The tree handed back is
//! built at `STOP`, with a depth limit, a node budget (a memo reference
//! copies the object it names) and cycle detection.

use std::borrow::Cow;
use std::collections::HashMap;

use bytes::Bytes;
use num_bigint::BigInt;

use crate::array::{c_strides, f_strides, NdArray, Order};
use crate::buffer::PickleBuffer;
use crate::dtype::{ByteOrder, Dtype};
use crate::error::{Error, Limit, Op, Result};
use crate::opcodes as op;
use crate::ops::{Arg, Instr, Tokenizer};
use crate::value::PickleValue;

/// The globals a stream may name, and what they resolve to. Anything else is
/// [`Error::GlobalNotAllowed`].
pub const ALLOWED_GLOBALS: &[(&str, &str)] = &[
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
    ("__builtin__", "set"),
    ("__builtin__", "frozenset"),
    ("__builtin__", "bytearray"),
    ("_codecs", "encode"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Global {
    Frombuffer,
    Reconstruct,
    NdarrayClass,
    DtypeClass,
    Set,
    FrozenSet,
    ByteArray,
    CodecsEncode,
}

impl Global {
    fn resolve(module: &str, name: &str) -> Option<Global> {
        Some(match (module, name) {
            ("numpy._core.numeric" | "numpy.core.numeric", "_frombuffer") => Global::Frombuffer,
            ("numpy._core.multiarray" | "numpy.core.multiarray", "_reconstruct") => {
                Global::Reconstruct
            }
            ("numpy", "ndarray") => Global::NdarrayClass,
            ("numpy", "dtype") => Global::DtypeClass,
            ("builtins" | "__builtin__", "set") => Global::Set,
            ("builtins" | "__builtin__", "frozenset") => Global::FrozenSet,
            ("builtins" | "__builtin__", "bytearray") => Global::ByteArray,
            ("_codecs", "encode") => Global::CodecsEncode,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Global::Frombuffer => "numpy._core.numeric._frombuffer",
            Global::Reconstruct => "numpy._core.multiarray._reconstruct",
            Global::NdarrayClass => "numpy.ndarray",
            Global::DtypeClass => "numpy.dtype",
            Global::Set => "builtins.set",
            Global::FrozenSet => "builtins.frozenset",
            Global::ByteArray => "builtins.bytearray",
            Global::CodecsEncode => "_codecs.encode",
        }
    }
}

/// Limits and leniency of [`LoadOptions::loads`].
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Deepest nesting of the result (default 100, as in fory-core).
    pub max_depth: usize,
    /// Most memo entries (default 4 Mi).
    pub max_memo: usize,
    /// Most objects made or pushed while reading (default 16 Mi).
    pub max_objects: usize,
    /// Most values in the result, counting every copy a shared object
    /// makes (default 16 Mi): stops memo-reference "billion laughs".
    pub max_nodes: usize,
    /// Bytes the result may take per byte of input, stream plus buffers
    /// (default 256). Every value of the result, and every owned string,
    /// bytes or big int copied into it, is charged before it is made, so a
    /// small stream whose memo references fan out cannot build a large tree.
    pub alloc_per_input_byte: usize,
    /// Bytes the result may take whatever the input size (default 64 KiB).
    pub alloc_floor: usize,
    /// Accept buffers the stream never used (Python ignores them; default: error).
    pub allow_unused_buffers: bool,
    /// Accept bytes after `STOP` (default: error).
    pub allow_trailing_bytes: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_depth: 100,
            max_memo: 1 << 22,
            max_objects: 1 << 24,
            max_nodes: 1 << 24,
            alloc_per_input_byte: 256,
            alloc_floor: 64 << 10,
            allow_unused_buffers: false,
            allow_trailing_bytes: false,
        }
    }
}

impl LoadOptions {
    /// Reads a pickle; out-of-band `buffers` are consumed in `NEXT_BUFFER`
    /// order and borrowed by the result (as are strings and in-band bytes,
    /// from `data`).
    pub fn loads<'a, B: AsRef<[u8]>>(
        &self,
        data: &'a [u8],
        buffers: &'a [B],
    ) -> Result<PickleValue<'a>> {
        let bufs = buffers.iter().map(|b| Input::Slice(b.as_ref())).collect();
        Loader::new(self, data, bufs).run()
    }

    /// Like [`loads`](Self::loads), with buffers the result shares
    /// (reference-counted `Bytes`, no copy).
    pub fn loads_shared<'a>(&self, data: &'a [u8], buffers: &[Bytes]) -> Result<PickleValue<'a>> {
        let bufs = buffers.iter().map(|b| Input::Shared(b.clone())).collect();
        Loader::new(self, data, bufs).run()
    }
}

/// Reads a pickle with the default [`LoadOptions`].
///
/// ```
/// // pickle.dumps({'a': [1, 2.5, None]}, protocol=5)
/// let data = b"\x80\x05\x95\x18\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94]\x94(K\x01G@\x04\x00\x00\x00\x00\x00\x00Nes.";
/// let v = fory_pickle::loads(data, &[] as &[&[u8]])?;
/// assert_eq!(v.get("a").unwrap().as_seq().unwrap().len(), 3);
/// # Ok::<(), fory_pickle::Error>(())
/// ```
pub fn loads<'a, B: AsRef<[u8]>>(data: &'a [u8], buffers: &'a [B]) -> Result<PickleValue<'a>> {
    LoadOptions::default().loads(data, buffers)
}

/// [`loads`] with shared `Bytes` buffers: out-of-band data in the result
/// shares them.
pub fn loads_shared<'a>(data: &'a [u8], buffers: &[Bytes]) -> Result<PickleValue<'a>> {
    LoadOptions::default().loads_shared(data, buffers)
}

enum Input<'a> {
    Slice(&'a [u8]),
    Shared(Bytes),
}

type Id = usize;

const NONE_ID: Id = 0;
const TRUE_ID: Id = 1;
const FALSE_ID: Id = 2;

#[derive(Debug)]
enum Obj<'a> {
    None,
    Bool(bool),
    Int(i64),
    BigInt(BigInt),
    Float(f64),
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    ByteArray(Cow<'a, [u8]>),
    Buffer(PickleBuffer<'a>),
    List(Vec<Id>),
    Tuple(Vec<Id>),
    Dict(Vec<(Id, Id)>, HashMap<Key<'a>, usize>),
    Set(Vec<Id>, HashMap<Key<'a>, ()>),
    FrozenSet(Vec<Id>),
    Global(Global),
    Dtype(Dtype),
    Reconstructing,
    Array(NdArray<'a>),
}

impl Obj<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Obj::None => "NoneType",
            Obj::Bool(_) => "bool",
            Obj::Int(_) | Obj::BigInt(_) => "int",
            Obj::Float(_) => "float",
            Obj::Str(_) => "str",
            Obj::Bytes(_) => "bytes",
            Obj::ByteArray(_) => "bytearray",
            Obj::Buffer(_) => "buffer",
            Obj::List(_) => "list",
            Obj::Tuple(_) => "tuple",
            Obj::Dict(..) => "dict",
            Obj::Set(..) => "set",
            Obj::FrozenSet(_) => "frozenset",
            Obj::Global(_) => "a global",
            Obj::Dtype(_) => "numpy.dtype",
            Obj::Reconstructing => "an array awaiting BUILD",
            Obj::Array(_) => "numpy.ndarray",
        }
    }
}

/// Python equality of hashable values, as a hashable Rust value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key<'a> {
    None,
    Int(i64),
    Big(BigInt),
    Float(u64),
    /// NaN is only equal to itself (the same object).
    Nan(Id),
    Str(&'a str),
    OwnedStr(String),
    Bytes(&'a [u8]),
    OwnedBytes(Vec<u8>),
    Tuple(Vec<Key<'a>>),
    FrozenSet(Vec<Key<'a>>),
    /// A numpy dtype: kind, item size and byte order (what numpy compares).
    Dtype(u8, usize, u8),
}

fn float_key<'a>(f: f64, id: Id) -> Key<'a> {
    if f.is_nan() {
        return Key::Nan(id);
    }
    if f.is_finite() && f.fract() == 0.0 {
        if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
            return Key::Int(f as i64);
        }
        // an integral float beyond i64: mantissa * 2^exp, exactly
        let bits = f.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64 - 1075;
        let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
        let mut big = BigInt::from(mant) << (exp as usize);
        if f < 0.0 {
            big = -big;
        }
        return Key::Big(big);
    }
    Key::Float(f.to_bits())
}

struct Slot<'a> {
    obj: Obj<'a>,
    offset: usize,
}

struct Loader<'o, 'a> {
    opts: &'o LoadOptions,
    tok: Tokenizer<'a>,
    buffers: Vec<Input<'a>>,
    next_buffer: usize,
    arena: Vec<Slot<'a>>,
    stack: Vec<Id>,
    marks: Vec<usize>,
    memo: HashMap<u32, Id>,
    key_budget: u64,
}

/// Steps of dict-key and set-item hashing a stream of `len` bytes may take.
fn key_work_budget(len: usize) -> u64 {
    (len as u64).saturating_mul(16).saturating_add(1 << 20)
}

fn instr_op(i: &Instr<'_>) -> Op {
    Op(Some(i.code))
}

fn with_offset(e: Error, offset: usize) -> Error {
    match e {
        Error::BadArray { reason, .. } => Error::BadArray { reason, offset },
        e => e,
    }
}

impl<'o, 'a> Loader<'o, 'a> {
    fn new(opts: &'o LoadOptions, data: &'a [u8], buffers: Vec<Input<'a>>) -> Self {
        let interned = |obj| Slot { obj, offset: 0 };
        // about one object per 3 bytes in numpy streams; bounded up front
        let mut arena = Vec::with_capacity((data.len() / 3).clamp(16, 1 << 16));
        arena.extend([
            interned(Obj::None),
            interned(Obj::Bool(true)),
            interned(Obj::Bool(false)),
        ]);
        Loader {
            opts,
            tok: Tokenizer::new(data),
            buffers,
            next_buffer: 0,
            arena,
            stack: Vec::with_capacity(64),
            marks: Vec::new(),
            memo: HashMap::new(),
            key_budget: key_work_budget(data.len()),
        }
    }

    fn run(mut self) -> Result<PickleValue<'a>> {
        let root = loop {
            let Some(instr) = self.tok.next_instr() else {
                return Err(Error::UnexpectedEnd {
                    opcode: Op(None),
                    offset: self.tok.pos(),
                    needed: 1,
                    remaining: 0,
                });
            };
            let instr = instr?;
            if instr.code == op::STOP {
                break self.pop(&instr)?;
            }
            self.step(&instr)?;
        };
        let end = self.tok.pos();
        let total = self.tok.data().len();
        if end < total && !self.opts.allow_trailing_bytes {
            return Err(Error::TrailingBytes {
                offset: end,
                count: total - end,
            });
        }
        if self.next_buffer < self.buffers.len() && !self.opts.allow_unused_buffers {
            return Err(Error::UnusedBuffers {
                used: self.next_buffer,
                given: self.buffers.len(),
            });
        }
        let input = self
            .buffers
            .iter()
            .map(|b| match b {
                Input::Slice(s) => s.len(),
                Input::Shared(b) => b.len(),
            })
            .fold(self.tok.data_len(), usize::saturating_add);
        let budget = self
            .opts
            .alloc_per_input_byte
            .saturating_mul(input)
            .saturating_add(self.opts.alloc_floor);
        let mut b = Builder {
            arena: &self.arena,
            active: vec![false; self.arena.len()],
            nodes: 0,
            budget,
            opts: self.opts,
        };
        b.build(root, 0)
    }

    // ---- stack ----------------------------------------------------------

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn push(&mut self, id: Id, offset: usize) -> Result<()> {
        if self.stack.len() >= self.opts.max_objects {
            return Err(Error::LimitExceeded {
                limit: Limit::Stack,
                max: self.opts.max_objects as u64,
                offset,
            });
        }
        self.stack.push(id);
        Ok(())
    }

    fn new_obj(&mut self, obj: Obj<'a>, offset: usize) -> Result<Id> {
        if self.arena.len() >= self.opts.max_objects {
            return Err(Error::LimitExceeded {
                limit: Limit::Objects,
                max: self.opts.max_objects as u64,
                offset,
            });
        }
        self.arena.push(Slot { obj, offset });
        Ok(self.arena.len() - 1)
    }

    fn push_new(&mut self, obj: Obj<'a>, offset: usize) -> Result<()> {
        let id = self.new_obj(obj, offset)?;
        self.push(id, offset)
    }

    fn pop(&mut self, i: &Instr<'_>) -> Result<Id> {
        if self.stack.len() <= self.fence() {
            return Err(Error::StackUnderflow {
                opcode: instr_op(i),
                offset: i.offset,
            });
        }
        Ok(self.stack.pop().unwrap_or(NONE_ID))
    }

    fn top(&self, i: &Instr<'_>) -> Result<Id> {
        if self.stack.len() <= self.fence() {
            return Err(Error::StackUnderflow {
                opcode: instr_op(i),
                offset: i.offset,
            });
        }
        Ok(self.stack[self.stack.len() - 1])
    }

    fn pop_mark(&mut self, i: &Instr<'_>) -> Result<Vec<Id>> {
        let m = self.marks.pop().ok_or(Error::MarkNotFound {
            opcode: instr_op(i),
            offset: i.offset,
        })?;
        Ok(self.stack.split_off(m.min(self.stack.len())))
    }

    fn obj(&self, id: Id) -> &Obj<'a> {
        &self.arena[id].obj
    }

    // ---- opcodes --------------------------------------------------------

    fn step(&mut self, i: &Instr<'a>) -> Result<()> {
        let at = i.offset;
        match (i.code, i.arg) {
            (op::PROTO, Arg::Int(v)) => {
                if v > op::HIGHEST_PROTOCOL as i64 {
                    return Err(Error::UnsupportedProtocol {
                        version: v as u8,
                        offset: at,
                    });
                }
            }
            (op::FRAME, _) => {}
            (op::MARK, _) => {
                if self.marks.len() >= self.opts.max_objects {
                    return Err(Error::LimitExceeded {
                        limit: Limit::Marks,
                        max: self.opts.max_objects as u64,
                        offset: at,
                    });
                }
                self.marks.push(self.stack.len());
            }
            (op::POP, _) => {
                if self.stack.len() > self.fence() {
                    self.stack.pop();
                } else if !self.marks.is_empty() {
                    self.pop_mark(i)?;
                } else {
                    return Err(Error::StackUnderflow {
                        opcode: instr_op(i),
                        offset: at,
                    });
                }
            }
            (op::POP_MARK, _) => {
                self.pop_mark(i)?;
            }
            (op::DUP, _) => {
                let t = self.top(i)?;
                self.push(t, at)?;
            }
            (op::NONE, _) => self.push(NONE_ID, at)?,
            (op::NEWTRUE, _) => self.push(TRUE_ID, at)?,
            (op::NEWFALSE, _) => self.push(FALSE_ID, at)?,
            (op::BININT | op::BININT1 | op::BININT2, Arg::Int(v)) => {
                self.push_new(Obj::Int(v), at)?
            }
            (op::LONG1 | op::LONG4, Arg::Long(b)) => {
                let big = BigInt::from_signed_bytes_le(b);
                let obj = match i64::try_from(&big) {
                    Ok(v) => Obj::Int(v),
                    Err(_) => Obj::BigInt(big),
                };
                self.push_new(obj, at)?
            }
            (op::BINFLOAT, Arg::Float(f)) => self.push_new(Obj::Float(f), at)?,
            (op::SHORT_BINUNICODE | op::BINUNICODE | op::BINUNICODE8, Arg::Text(t)) => {
                let s = std::str::from_utf8(t).map_err(|_| Error::InvalidUtf8 {
                    opcode: instr_op(i),
                    offset: at,
                })?;
                self.push_new(Obj::Str(Cow::Borrowed(s)), at)?
            }
            (op::SHORT_BINBYTES | op::BINBYTES | op::BINBYTES8, Arg::Bytes(b)) => {
                self.push_new(Obj::Bytes(Cow::Borrowed(b)), at)?
            }
            (op::BYTEARRAY8, Arg::Bytes(b)) => {
                self.push_new(Obj::ByteArray(Cow::Borrowed(b)), at)?
            }
            (op::NEXT_BUFFER, _) => {
                let idx = self.next_buffer;
                let pb = match self.buffers.get(idx) {
                    Some(Input::Slice(s)) => PickleBuffer::borrowed(s, false),
                    Some(Input::Shared(b)) => PickleBuffer::shared(b.clone(), false),
                    None => {
                        return Err(Error::NotEnoughBuffers {
                            index: idx,
                            given: self.buffers.len(),
                            offset: at,
                        })
                    }
                };
                self.next_buffer += 1;
                self.push_new(Obj::Buffer(pb), at)?
            }
            (op::READONLY_BUFFER, _) => {
                let t = self.top(i)?;
                let replacement = match self.obj(t) {
                    Obj::Buffer(pb) if !pb.readonly() => {
                        Some(Obj::Buffer(pb.clone().with_readonly(true)))
                    }
                    Obj::ByteArray(b) => Some(Obj::Buffer(match b {
                        Cow::Borrowed(s) => PickleBuffer::borrowed(s, true),
                        Cow::Owned(v) => PickleBuffer::from_vec(v.clone()).with_readonly(true),
                    })),
                    Obj::Buffer(_) | Obj::Bytes(_) => None,
                    other => {
                        return Err(Error::WrongType {
                            opcode: instr_op(i),
                            expected: "a buffer",
                            found: other.type_name(),
                            offset: at,
                        })
                    }
                };
                if let Some(obj) = replacement {
                    let id = self.new_obj(obj, at)?;
                    let n = self.stack.len();
                    self.stack[n - 1] = id;
                }
            }
            (op::EMPTY_TUPLE, _) => self.push_new(Obj::Tuple(Vec::new()), at)?,
            (op::TUPLE1 | op::TUPLE2 | op::TUPLE3, _) => {
                let n = (i.code - op::TUPLE1 + 1) as usize;
                if self.stack.len() < self.fence() + n {
                    return Err(Error::StackUnderflow {
                        opcode: instr_op(i),
                        offset: at,
                    });
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.push_new(Obj::Tuple(items), at)?
            }
            (op::TUPLE, _) => {
                let items = self.pop_mark(i)?;
                self.push_new(Obj::Tuple(items), at)?
            }
            (op::EMPTY_LIST, _) => self.push_new(Obj::List(Vec::new()), at)?,
            (op::LIST, _) => {
                let items = self.pop_mark(i)?;
                self.push_new(Obj::List(items), at)?
            }
            (op::APPEND, _) => {
                let v = self.pop(i)?;
                let l = self.top(i)?;
                self.extend_list(i, l, vec![v])?;
            }
            (op::APPENDS, _) => {
                let items = self.pop_mark(i)?;
                let l = self.top(i)?;
                self.extend_list(i, l, items)?;
            }
            (op::EMPTY_DICT, _) => self.push_new(Obj::Dict(Vec::new(), HashMap::new()), at)?,
            (op::DICT, _) => {
                let items = self.pop_mark(i)?;
                let d = self.new_obj(Obj::Dict(Vec::new(), HashMap::new()), at)?;
                self.set_items(i, d, &items)?;
                self.push(d, at)?;
            }
            (op::SETITEM, _) => {
                let v = self.pop(i)?;
                let k = self.pop(i)?;
                let d = self.top(i)?;
                self.set_items(i, d, &[k, v])?;
            }
            (op::SETITEMS, _) => {
                let items = self.pop_mark(i)?;
                let d = self.top(i)?;
                self.set_items(i, d, &items)?;
            }
            (op::EMPTY_SET, _) => self.push_new(Obj::Set(Vec::new(), HashMap::new()), at)?,
            (op::ADDITEMS, _) => {
                let items = self.pop_mark(i)?;
                let s = self.top(i)?;
                self.add_items(i, s, &items)?;
            }
            (op::FROZENSET, _) => {
                let items = self.pop_mark(i)?;
                let uniq = self.unique(i, &items)?;
                self.push_new(Obj::FrozenSet(uniq), at)?
            }
            (op::MEMOIZE, _) => {
                let t = self.top(i)?;
                let idx = self.memo.len() as u64;
                self.memo_put(i, idx, t)?;
            }
            (op::BINPUT | op::LONG_BINPUT, Arg::Int(idx)) => {
                let t = self.top(i)?;
                self.memo_put(i, idx as u64, t)?;
            }
            (op::BINGET | op::LONG_BINGET, Arg::Int(idx)) => {
                let id = u32::try_from(idx)
                    .ok()
                    .and_then(|k| self.memo.get(&k).copied())
                    .ok_or(Error::MemoMiss {
                        opcode: instr_op(i),
                        index: idx as u64,
                        offset: at,
                    })?;
                self.push(id, at)?;
            }
            (op::GLOBAL, Arg::Global(m, n)) => {
                let (m, n) = (String::from_utf8_lossy(m), String::from_utf8_lossy(n));
                let g = self.resolve(&m, &n, at)?;
                self.push_new(Obj::Global(g), at)?;
            }
            (op::STACK_GLOBAL, _) => {
                let n = self.pop(i)?;
                let m = self.pop(i)?;
                let g = match (self.obj(m), self.obj(n)) {
                    (Obj::Str(m), Obj::Str(n)) => self.resolve(m, n, at)?,
                    (a, b) => {
                        return Err(Error::WrongType {
                            opcode: instr_op(i),
                            expected: "two str (module and name)",
                            found: if matches!(a, Obj::Str(_)) {
                                b.type_name()
                            } else {
                                a.type_name()
                            },
                            offset: at,
                        })
                    }
                };
                self.push_new(Obj::Global(g), at)?;
            }
            (op::REDUCE, _) => {
                let args = self.pop(i)?;
                let callable = self.pop(i)?;
                let obj = self.reduce(i, callable, args)?;
                self.push_new(obj, at)?;
            }
            (op::BUILD, _) => {
                let state = self.pop(i)?;
                let target = self.top(i)?;
                self.build_state(i, target, state)?;
            }
            (code, _) => {
                let reason = match code {
                    op::INST | op::OBJ | op::NEWOBJ | op::NEWOBJ_EX => {
                        "it constructs arbitrary objects"
                    }
                    op::PERSID | op::BINPERSID => "persistent ids need application code",
                    op::EXT1 | op::EXT2 | op::EXT4 => {
                        "the extension registry names arbitrary globals"
                    }
                    op::INT
                    | op::LONG
                    | op::FLOAT
                    | op::STRING
                    | op::UNICODE
                    | op::GET
                    | op::PUT
                    | op::BINSTRING
                    | op::SHORT_BINSTRING => "text-protocol and Python 2 opcodes are not read",
                    _ => "not part of the supported subset",
                };
                return Err(Error::UnsupportedOpcode {
                    opcode: Op(Some(code)),
                    offset: at,
                    reason,
                });
            }
        }
        Ok(())
    }

    fn resolve(&self, module: &str, name: &str, offset: usize) -> Result<Global> {
        Global::resolve(module, name).ok_or_else(|| Error::GlobalNotAllowed {
            module: module.to_string(),
            name: name.to_string(),
            offset,
        })
    }

    fn memo_put(&mut self, i: &Instr<'_>, idx: u64, id: Id) -> Result<()> {
        let key = u32::try_from(idx).map_err(|_| Error::LimitExceeded {
            limit: Limit::MemoIndex,
            max: u32::MAX as u64,
            offset: i.offset,
        })?;
        if !self.memo.contains_key(&key) && self.memo.len() >= self.opts.max_memo {
            return Err(Error::LimitExceeded {
                limit: Limit::Memo,
                max: self.opts.max_memo as u64,
                offset: i.offset,
            });
        }
        self.memo.insert(key, id);
        Ok(())
    }

    fn extend_list(&mut self, i: &Instr<'_>, l: Id, items: Vec<Id>) -> Result<()> {
        match &mut self.arena[l].obj {
            Obj::List(v) => {
                v.extend(items);
                Ok(())
            }
            other => Err(Error::WrongType {
                opcode: instr_op(i),
                expected: "a list",
                found: other.type_name(),
                offset: i.offset,
            }),
        }
    }

    fn set_items(&mut self, i: &Instr<'_>, d: Id, items: &[Id]) -> Result<()> {
        if items.len() % 2 != 0 {
            return Err(Error::StackUnderflow {
                opcode: instr_op(i),
                offset: i.offset,
            });
        }
        if !matches!(self.obj(d), Obj::Dict(..)) {
            return Err(Error::WrongType {
                opcode: instr_op(i),
                expected: "a dict",
                found: self.obj(d).type_name(),
                offset: i.offset,
            });
        }
        for kv in items.chunks_exact(2) {
            let key = self.key(i, kv[0], 0)?;
            if let Obj::Dict(entries, index) = &mut self.arena[d].obj {
                match index.get(&key) {
                    Some(&pos) => entries[pos].1 = kv[1],
                    None => {
                        index.insert(key, entries.len());
                        entries.push((kv[0], kv[1]));
                    }
                }
            }
        }
        Ok(())
    }

    fn add_items(&mut self, i: &Instr<'_>, s: Id, items: &[Id]) -> Result<()> {
        if !matches!(self.obj(s), Obj::Set(..)) {
            return Err(Error::WrongType {
                opcode: instr_op(i),
                expected: "a set",
                found: self.obj(s).type_name(),
                offset: i.offset,
            });
        }
        for &item in items {
            let key = self.key(i, item, 0)?;
            if let Obj::Set(entries, index) = &mut self.arena[s].obj {
                if index.insert(key, ()).is_none() {
                    entries.push(item);
                }
            }
        }
        Ok(())
    }

    fn unique(&mut self, i: &Instr<'_>, items: &[Id]) -> Result<Vec<Id>> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for &item in items {
            if seen.insert(self.key(i, item, 0)?, ()).is_none() {
                out.push(item);
            }
        }
        Ok(out)
    }

    /// The hashable form of a dict key or set item.
    fn key(&mut self, i: &Instr<'_>, id: Id, depth: usize) -> Result<Key<'a>> {
        if depth > self.opts.max_depth {
            return Err(Error::LimitExceeded {
                limit: Limit::Depth,
                max: self.opts.max_depth as u64,
                offset: i.offset,
            });
        }
        if self.key_budget == 0 {
            return Err(Error::LimitExceeded {
                limit: Limit::KeyWork,
                max: key_work_budget(self.tok.data_len()),
                offset: i.offset,
            });
        }
        self.key_budget -= 1;
        let arena: &Vec<Slot<'a>> = &self.arena;
        let k = match &arena[id].obj {
            Obj::None => Key::None,
            Obj::Bool(b) => Key::Int(*b as i64),
            Obj::Int(v) => Key::Int(*v),
            Obj::BigInt(b) => Key::Big(b.clone()),
            Obj::Float(f) => float_key(*f, id),
            Obj::Str(Cow::Borrowed(s)) => Key::Str(s),
            Obj::Str(Cow::Owned(s)) => Key::OwnedStr(s.clone()),
            Obj::Bytes(Cow::Borrowed(b)) => Key::Bytes(b),
            Obj::Bytes(Cow::Owned(b)) => Key::OwnedBytes(b.clone()),
            Obj::Tuple(items) => {
                let items = items.clone();
                let mut keys = Vec::with_capacity(items.len());
                for it in items {
                    keys.push(self.key(i, it, depth + 1)?);
                }
                Key::Tuple(keys)
            }
            Obj::FrozenSet(items) => {
                let items = items.clone();
                let mut keys = Vec::with_capacity(items.len());
                for it in items {
                    keys.push(self.key(i, it, depth + 1)?);
                }
                keys.sort();
                Key::FrozenSet(keys)
            }
            Obj::Dtype(d) => Key::Dtype(d.kind() as u8, d.itemsize(), d.byte_order() as u8),
            other => {
                return Err(Error::Unhashable {
                    opcode: instr_op(i),
                    what: other.type_name(),
                    offset: i.offset,
                })
            }
        };
        Ok(k)
    }

    // ---- REDUCE and BUILD -----------------------------------------------

    fn args(&self, i: &Instr<'_>, args: Id) -> Result<Vec<Id>> {
        match self.obj(args) {
            Obj::Tuple(items) => Ok(items.clone()),
            other => Err(Error::WrongType {
                opcode: instr_op(i),
                expected: "an argument tuple",
                found: other.type_name(),
                offset: i.offset,
            }),
        }
    }

    fn bad(
        &self,
        i: &Instr<'_>,
        callable: &'static str,
        reason: impl Into<Cow<'static, str>>,
    ) -> Error {
        Error::BadArguments {
            opcode: instr_op(i),
            callable,
            reason: reason.into(),
            offset: i.offset,
        }
    }

    fn reduce(&mut self, i: &Instr<'a>, callable: Id, args: Id) -> Result<Obj<'a>> {
        let g = match self.obj(callable) {
            Obj::Global(g) => *g,
            other => {
                return Err(Error::NotCallable {
                    callable: Cow::Borrowed(other.type_name()),
                    offset: i.offset,
                })
            }
        };
        let a = self.args(i, args)?;
        let name = g.name();
        match g {
            Global::Frombuffer => {
                if a.len() != 4 && a.len() != 5 {
                    return Err(self.bad(
                        i,
                        name,
                        format!("{} arguments, expected 4 or 5", a.len()),
                    ));
                }
                let buf = self.buffer_arg(i, name, a[0])?;
                let dtype = self.dtype_arg(i, name, a[1])?;
                let shape = self.shape_arg(i, name, a[2])?;
                let order = self.str_arg(i, name, a[3])?;
                let axis_order = match a.get(4) {
                    None => None,
                    Some(&x) if matches!(self.obj(x), Obj::None) => None,
                    Some(&x) => Some(self.shape_arg(i, name, x)?),
                };
                let arr = match (order, axis_order) {
                    ("C" | "A", None) => NdArray::new(dtype, &shape, Order::C, buf),
                    ("F", None) => NdArray::new(dtype, &shape, Order::F, buf),
                    ("K", Some(ax)) => NdArray::permuted(dtype, &shape, &ax, buf),
                    (o, ax) => {
                        return Err(self.bad(
                            i,
                            name,
                            format!("order {o:?} with axis order {ax:?}"),
                        ))
                    }
                }
                .map_err(|e| with_offset(e, i.offset))?;
                Ok(Obj::Array(arr))
            }
            Global::DtypeClass => {
                if a.is_empty() || a.len() > 3 {
                    return Err(self.bad(
                        i,
                        name,
                        format!("{} arguments, expected 1 to 3", a.len()),
                    ));
                }
                let s = self.str_arg(i, name, a[0])?;
                for &flag in &a[1..] {
                    if !matches!(self.obj(flag), Obj::Bool(_)) {
                        return Err(self.bad(i, name, "align and copy must be bools"));
                    }
                }
                let dtype = Dtype::parse(s).ok_or_else(|| Error::UnsupportedDtype {
                    descr: s.to_string(),
                    offset: i.offset,
                })?;
                Ok(Obj::Dtype(dtype))
            }
            Global::Reconstruct => {
                if a.len() != 3 || !matches!(self.obj(a[0]), Obj::Global(Global::NdarrayClass)) {
                    return Err(self.bad(i, name, "expected (numpy.ndarray, shape, typecode)"));
                }
                Ok(Obj::Reconstructing)
            }
            Global::NdarrayClass => self.ndarray_ctor(i, &a).map(Obj::Array),
            Global::Set | Global::FrozenSet => {
                let items = match a.as_slice() {
                    [] => Vec::new(),
                    [x] => match self.obj(*x) {
                        Obj::List(v) | Obj::Tuple(v) | Obj::FrozenSet(v) | Obj::Set(v, _) => {
                            v.clone()
                        }
                        other => {
                            return Err(self.bad(
                                i,
                                name,
                                format!("cannot iterate a {}", other.type_name()),
                            ))
                        }
                    },
                    _ => return Err(self.bad(i, name, "expected at most one iterable")),
                };
                let uniq = self.unique(i, &items)?;
                if g == Global::FrozenSet {
                    return Ok(Obj::FrozenSet(uniq));
                }
                let mut index = HashMap::new();
                for &it in &uniq {
                    index.insert(self.key(i, it, 0)?, ());
                }
                Ok(Obj::Set(uniq, index))
            }
            Global::ByteArray => match a.as_slice() {
                [] => Ok(Obj::ByteArray(Cow::Borrowed(&[]))),
                [x] => match self.obj(*x) {
                    Obj::Bytes(b) => Ok(Obj::ByteArray(b.clone())),
                    other => Err(self.bad(i, name, format!("from a {}", other.type_name()))),
                },
                [s, enc] => {
                    let b = self.latin1_arg(i, name, *s, *enc)?;
                    Ok(Obj::ByteArray(Cow::Owned(b)))
                }
                _ => Err(self.bad(i, name, "too many arguments")),
            },
            Global::CodecsEncode => match a.as_slice() {
                [s, enc] => Ok(Obj::Bytes(Cow::Owned(self.latin1_arg(i, name, *s, *enc)?))),
                _ => Err(self.bad(i, name, "expected (str, 'latin1')")),
            },
        }
    }

    fn latin1_arg(&self, i: &Instr<'_>, name: &'static str, s: Id, enc: Id) -> Result<Vec<u8>> {
        let enc = self.str_arg(i, name, enc)?;
        if !matches!(enc, "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1") {
            return Err(self.bad(i, name, format!("encoding {enc:?}, only latin1 is read")));
        }
        let s = self.str_arg(i, name, s)?;
        s.chars()
            .map(|c| {
                u8::try_from(c as u32).map_err(|_| self.bad(i, name, "a character above U+00FF"))
            })
            .collect()
    }

    fn ndarray_ctor(&self, i: &Instr<'a>, a: &[Id]) -> Result<NdArray<'a>> {
        let name = "numpy.ndarray";
        if a.len() < 3 || a.len() > 6 {
            return Err(self.bad(
                i,
                name,
                "expected (shape, dtype, buffer[, offset[, strides[, order]]]); without a buffer numpy would allocate",
            ));
        }
        let shape = self.shape_arg(i, name, a[0])?;
        let dtype = match self.obj(a[1]) {
            Obj::None => Dtype::new(crate::dtype::Kind::Float, 8, ByteOrder::NATIVE)
                .ok_or_else(|| self.bad(i, name, "float64"))?,
            _ => self.dtype_arg(i, name, a[1])?,
        };
        let buf = self.buffer_arg(i, name, a[2])?;
        let offset = match a.get(3) {
            None => 0,
            Some(&x) => self.uint_arg(i, name, x)?,
        };
        let order = match a.get(5) {
            None => "C",
            Some(&x) if matches!(self.obj(x), Obj::None) => "C",
            Some(&x) => self.str_arg(i, name, x)?,
        };
        let strides = match a.get(4) {
            Some(&x) if !matches!(self.obj(x), Obj::None) => self.shape_arg(i, name, x)?,
            _ => match order {
                "C" | "A" | "K" => c_strides(&shape, dtype.itemsize()),
                "F" => f_strides(&shape, dtype.itemsize()),
                o => return Err(self.bad(i, name, format!("order {o:?}"))),
            }
            .ok_or_else(|| Error::bad_array(i.offset, "strides overflow"))?,
        };
        NdArray::from_parts(dtype, &shape, &strides, offset, buf)
            .map_err(|e| with_offset(e, i.offset))
    }

    fn buffer_arg(&self, i: &Instr<'_>, name: &'static str, id: Id) -> Result<PickleBuffer<'a>> {
        Ok(match self.obj(id) {
            Obj::Buffer(pb) => pb.clone(),
            Obj::Bytes(Cow::Borrowed(b)) => PickleBuffer::borrowed(b, true),
            Obj::Bytes(Cow::Owned(b)) => PickleBuffer::from_vec(b.clone()).with_readonly(true),
            Obj::ByteArray(Cow::Borrowed(b)) => PickleBuffer::borrowed(b, false),
            Obj::ByteArray(Cow::Owned(b)) => PickleBuffer::from_vec(b.clone()),
            other => {
                return Err(self.bad(i, name, format!("the buffer is a {}", other.type_name())))
            }
        })
    }

    fn dtype_arg(&self, i: &Instr<'_>, name: &'static str, id: Id) -> Result<Dtype> {
        match self.obj(id) {
            Obj::Dtype(dtype) => Ok(*dtype),
            Obj::Str(s) => Dtype::parse(s).ok_or_else(|| Error::UnsupportedDtype {
                descr: s.to_string(),
                offset: i.offset,
            }),
            other => Err(self.bad(i, name, format!("the dtype is a {}", other.type_name()))),
        }
    }

    fn str_arg(&self, i: &Instr<'_>, name: &'static str, id: Id) -> Result<&str> {
        match self.obj(id) {
            Obj::Str(s) => Ok(s),
            other => Err(self.bad(
                i,
                name,
                format!("expected a str, found a {}", other.type_name()),
            )),
        }
    }

    fn uint_arg(&self, i: &Instr<'_>, name: &'static str, id: Id) -> Result<usize> {
        match self.obj(id) {
            Obj::Int(v) if *v >= 0 => {
                usize::try_from(*v).map_err(|_| self.bad(i, name, "integer too large"))
            }
            Obj::Bool(b) => Ok(*b as usize),
            Obj::Int(v) => Err(self.bad(i, name, format!("negative value {v}"))),
            other => Err(self.bad(
                i,
                name,
                format!("expected an int, found a {}", other.type_name()),
            )),
        }
    }

    fn shape_arg(&self, i: &Instr<'_>, name: &'static str, id: Id) -> Result<Vec<usize>> {
        match self.obj(id) {
            Obj::Tuple(items) | Obj::List(items) => {
                if items.len() > crate::array::MAX_NDIM {
                    return Err(Error::bad_array(
                        i.offset,
                        format!(
                            "{} dimensions (numpy allows {})",
                            items.len(),
                            crate::array::MAX_NDIM
                        ),
                    ));
                }
                items.iter().map(|&x| self.uint_arg(i, name, x)).collect()
            }
            Obj::Int(_) => Ok(vec![self.uint_arg(i, name, id)?]),
            other => Err(self.bad(
                i,
                name,
                format!("expected a tuple of ints, found a {}", other.type_name()),
            )),
        }
    }

    fn build_state(&mut self, i: &Instr<'a>, target: Id, state: Id) -> Result<()> {
        match self.obj(target) {
            Obj::Dtype(dtype) => {
                let dtype = *dtype;
                let new = self.dtype_state(i, dtype, state)?;
                self.arena[target].obj = Obj::Dtype(new);
                Ok(())
            }
            Obj::Reconstructing => {
                let arr = self.array_state(i, state)?;
                self.arena[target].obj = Obj::Array(arr);
                Ok(())
            }
            other => Err(Error::BuildNotAllowed {
                target: Cow::Borrowed(other.type_name()),
                offset: i.offset,
            }),
        }
    }

    /// numpy's dtype `__setstate__`: `(3, order, None, None, None, -1, -1, 0)`.
    fn dtype_state(&self, i: &Instr<'_>, dtype: Dtype, state: Id) -> Result<Dtype> {
        let name = "numpy.dtype.__setstate__";
        let s = match self.obj(state) {
            Obj::Tuple(items) => items.clone(),
            other => return Err(self.bad(i, name, format!("state is a {}", other.type_name()))),
        };
        let unsupported = |what: &str| Error::UnsupportedDtype {
            descr: format!("{} ({what})", dtype.kind_size()),
            offset: i.offset,
        };
        if s.len() == 9 {
            return Err(unsupported("datetime metadata"));
        }
        if s.len() != 8 || !matches!(self.obj(s[0]), Obj::Int(3)) {
            return Err(self.bad(i, name, "expected version 3 and 8 fields"));
        }
        let order = self.str_arg(i, name, s[1])?;
        if !s[2..5].iter().all(|&x| matches!(self.obj(x), Obj::None)) {
            return Err(unsupported("subarray or fields"));
        }
        if !matches!(self.obj(s[5]), Obj::Int(-1))
            || !matches!(self.obj(s[6]), Obj::Int(-1))
            || !matches!(self.obj(s[7]), Obj::Int(0))
        {
            return Err(unsupported(
                "itemsize, alignment or flags of a non-numeric dtype",
            ));
        }
        let bo = match order {
            "<" => ByteOrder::Little,
            ">" => ByteOrder::Big,
            "|" => ByteOrder::NotApplicable,
            "=" => ByteOrder::NATIVE,
            o => return Err(self.bad(i, name, format!("byte order {o:?}"))),
        };
        Dtype::new(dtype.kind(), dtype.itemsize(), bo).ok_or_else(|| unsupported("size"))
    }

    /// numpy's ndarray `__setstate__`: `(1, shape, dtype, is_fortran, rawdata)`
    /// (or the 4-tuple without the version).
    fn array_state(&self, i: &Instr<'_>, state: Id) -> Result<NdArray<'a>> {
        let name = "numpy.ndarray.__setstate__";
        let s = match self.obj(state) {
            Obj::Tuple(items) => items.clone(),
            other => return Err(self.bad(i, name, format!("state is a {}", other.type_name()))),
        };
        let s = match s.len() {
            5 => {
                if !matches!(self.obj(s[0]), Obj::Int(1)) {
                    return Err(self.bad(i, name, "state version is not 1"));
                }
                &s[1..]
            }
            4 => &s[..],
            n => return Err(self.bad(i, name, format!("state has {n} fields"))),
        };
        let shape = self.shape_arg(i, name, s[0])?;
        let dtype = match self.obj(s[1]) {
            Obj::Dtype(dtype) => *dtype,
            other => return Err(self.bad(i, name, format!("dtype is a {}", other.type_name()))),
        };
        let fortran = match self.obj(s[2]) {
            Obj::Bool(b) => *b,
            Obj::Int(v) => *v != 0,
            other => {
                return Err(self.bad(i, name, format!("is_fortran is a {}", other.type_name())))
            }
        };
        let data = match self.obj(s[3]) {
            Obj::List(_) => {
                return Err(Error::UnsupportedDtype {
                    descr: "object (a list of Python objects)".into(),
                    offset: i.offset,
                })
            }
            Obj::Bytes(_) | Obj::ByteArray(_) | Obj::Buffer(_) => {
                self.buffer_arg(i, name, s[3])?.with_readonly(false)
            }
            other => return Err(self.bad(i, name, format!("data is a {}", other.type_name()))),
        };
        let order = if fortran { Order::F } else { Order::C };
        NdArray::new(dtype, &shape, order, data).map_err(|e| with_offset(e, i.offset))
    }
}

/// Turns the arena into a tree at `STOP`.
struct Builder<'r, 'a> {
    arena: &'r [Slot<'a>],
    active: Vec<bool>,
    nodes: usize,
    /// Bytes the result may still take.
    budget: usize,
    opts: &'r LoadOptions,
}

impl<'a> Builder<'_, 'a> {
    /// Enters `id` (depth, budget and cycle checks). Kept out of `build` so
    /// the recursive frame stays small.
    #[inline(never)]
    fn enter(&mut self, id: Id, depth: usize) -> Result<()> {
        let offset = self.arena[id].offset;
        if depth > self.opts.max_depth {
            return Err(Error::LimitExceeded {
                limit: Limit::Depth,
                max: self.opts.max_depth as u64,
                offset,
            });
        }
        self.nodes += 1;
        if self.nodes > self.opts.max_nodes {
            return Err(Error::LimitExceeded {
                limit: Limit::Nodes,
                max: self.opts.max_nodes as u64,
                offset,
            });
        }
        if self.active[id] {
            return Err(Error::Recursive { offset });
        }
        self.charge(std::mem::size_of::<PickleValue<'_>>(), offset)
    }

    /// Charges `bytes` of the result against the allocation budget.
    fn charge(&mut self, bytes: usize, offset: usize) -> Result<()> {
        if bytes > self.budget {
            return Err(Error::LimitExceeded {
                limit: Limit::Allocation,
                max: self.budget as u64,
                offset,
            });
        }
        self.budget -= bytes;
        Ok(())
    }

    /// Heap bytes a leaf's copy takes (owned data is cloned; borrowed and
    /// shared data are not).
    fn owned_bytes(obj: &Obj<'_>) -> usize {
        match obj {
            Obj::Str(Cow::Owned(s)) => s.len(),
            Obj::Bytes(Cow::Owned(b)) | Obj::ByteArray(Cow::Owned(b)) => b.len(),
            Obj::BigInt(b) => (b.bits() / 8) as usize + 8,
            Obj::Buffer(pb) => pb.owned_len(),
            Obj::Array(a) => a.ndim() * 16 + a.data().owned_len(),
            _ => 0,
        }
    }

    /// A value without children, or `None` for a container.
    #[inline(never)]
    fn leaf(&mut self, id: Id) -> Result<Option<PickleValue<'a>>> {
        let slot = &self.arena[id];
        self.charge(Self::owned_bytes(&slot.obj), slot.offset)?;
        Ok(Some(match &slot.obj {
            Obj::None => PickleValue::None,
            Obj::Bool(b) => PickleValue::Bool(*b),
            Obj::Int(v) => PickleValue::Int(*v),
            Obj::BigInt(b) => PickleValue::BigInt(b.clone()),
            Obj::Float(f) => PickleValue::Float(*f),
            Obj::Str(s) => PickleValue::Str(s.clone()),
            Obj::Bytes(b) => PickleValue::Bytes(b.clone()),
            Obj::ByteArray(b) => PickleValue::ByteArray(b.clone()),
            Obj::Buffer(pb) => PickleValue::Buffer(pb.clone()),
            Obj::Array(a) => PickleValue::Array(a.clone()),
            Obj::Dtype(dtype) => PickleValue::Dtype(*dtype),
            Obj::Global(g) => {
                return Err(Error::NotAValue {
                    what: Cow::Owned(format!("the global {}", g.name())),
                    offset: slot.offset,
                })
            }
            Obj::Reconstructing => {
                return Err(Error::NotAValue {
                    what: Cow::Borrowed("an array whose state was never set (no BUILD)"),
                    offset: slot.offset,
                })
            }
            Obj::List(_) | Obj::Tuple(_) | Obj::Set(..) | Obj::FrozenSet(_) | Obj::Dict(..) => {
                return Ok(None)
            }
        }))
    }

    fn build(&mut self, id: Id, depth: usize) -> Result<PickleValue<'a>> {
        self.enter(id, depth)?;
        if let Some(v) = self.leaf(id)? {
            return Ok(v);
        }
        self.active[id] = true;
        let arena = self.arena;
        let v = match &arena[id].obj {
            Obj::Dict(entries, _) => {
                let mut out = Vec::with_capacity(entries.len());
                for &(k, v) in entries {
                    let k = self.build(k, depth + 1)?;
                    out.push((k, self.build(v, depth + 1)?));
                }
                PickleValue::Dict(out)
            }
            Obj::List(items) | Obj::Tuple(items) | Obj::Set(items, _) | Obj::FrozenSet(items) => {
                let mut out = Vec::with_capacity(items.len());
                for &x in items {
                    out.push(self.build(x, depth + 1)?);
                }
                match &arena[id].obj {
                    Obj::List(_) => PickleValue::List(out),
                    Obj::Tuple(_) => PickleValue::Tuple(out),
                    Obj::Set(..) => PickleValue::Set(out),
                    _ => PickleValue::FrozenSet(out),
                }
            }
            _ => PickleValue::None,
        };
        self.active[id] = false;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(data: &[u8]) -> Result<PickleValue<'_>> {
        loads(data, &[] as &[&[u8]])
    }

    #[test]
    fn memo_aliasing_sees_build() {
        // [d, d] where d = numpy.dtype('f8') memoized before BUILD sets '>'
        let mut s = vec![0x80, 5, b']', b'('];
        s.extend(b"\x8c\x05numpy\x8c\x05dtype\x93\x8c\x02f8\x89\x88\x87R\x94");
        s.extend(b"(K\x03\x8c\x01>NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb");
        s.extend(b"h\x00e.");
        let v = load(&s).unwrap();
        let big = Dtype::parse(">f8").unwrap();
        assert_eq!(
            v,
            PickleValue::List(vec![PickleValue::Dtype(big), PickleValue::Dtype(big)])
        );
    }

    #[test]
    fn recursion_and_laughs_are_errors() {
        // l = []; l.append(l)
        assert!(matches!(
            load(b"\x80\x05]\x94h\x00a."),
            Err(Error::Recursive { .. })
        ));
        // 40 levels of (x, x): 2^40 values once expanded
        let mut s = b"\x80\x05N".to_vec();
        for k in 0..40u8 {
            s.extend([0x94, b'h', k, 0x86]);
        }
        s.push(b'.');
        let opts = LoadOptions {
            max_depth: 1000,
            ..LoadOptions::default()
        };
        // the allocation budget stops it first
        assert!(matches!(
            opts.loads(&s, &[] as &[&[u8]]),
            Err(Error::LimitExceeded {
                limit: Limit::Allocation,
                ..
            })
        ));
        // and the node count, when the budget is lifted
        let opts = LoadOptions {
            alloc_per_input_byte: usize::MAX,
            max_nodes: 1000,
            ..opts
        };
        assert!(matches!(
            opts.loads(&s, &[] as &[&[u8]]),
            Err(Error::LimitExceeded {
                limit: Limit::Nodes,
                max: 1000,
                ..
            })
        ));
    }

    #[test]
    fn dict_keys_merge_like_python() {
        // {1: 'a', True: 'b', 1.0: 'c'} -> {1: 'c'}
        let s = b"\x80\x05}(K\x01\x8c\x01a\x88\x8c\x01bG?\xf0\x00\x00\x00\x00\x00\x00\x8c\x01cu.";
        assert_eq!(
            load(s).unwrap(),
            PickleValue::Dict(vec![(PickleValue::Int(1), PickleValue::str("c"))])
        );
        // a list as a key
        assert!(matches!(
            load(b"\x80\x05}]Ns."),
            Err(Error::Unhashable { what: "list", .. })
        ));
    }
}
