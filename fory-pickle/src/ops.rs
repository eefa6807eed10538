//! Splitting a stream into opcodes and their arguments, with frame checks.
//! Shared by the loader and the disassembler; knows nothing of semantics.

use crate::error::{Error, Op as ErrOp, Result};
use crate::opcodes::{self as op, Opcode};

/// One opcode with its decoded argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Instr<'a> {
    /// Offset of the opcode byte.
    pub offset: usize,
    /// The opcode.
    pub code: Opcode,
    /// Its argument.
    pub arg: Arg<'a>,
}

/// An opcode's argument, as raw as the stream holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    /// No argument.
    None,
    /// An integer (BININT*, PROTO, memo indices, FRAME length).
    Int(i64),
    /// A LONG1/LONG4 payload (little-endian two's complement).
    Long(&'a [u8]),
    /// BINFLOAT.
    Float(f64),
    /// A text payload (UTF-8 is checked by the consumer).
    Text(&'a [u8]),
    /// A bytes or bytearray payload.
    Bytes(&'a [u8]),
    /// GLOBAL's `module\nname\n`.
    Global(&'a [u8], &'a [u8]),
}

/// Reads opcodes one at a time. Every length is checked against what is
/// left (in the current frame, when inside one) before anything is sliced.
pub struct Tokenizer<'a> {
    data: &'a [u8],
    pos: usize,
    frame_end: Option<usize>,
    op_offset: usize,
    op_code: Option<Opcode>,
}

impl<'a> Tokenizer<'a> {
    /// A tokenizer at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Tokenizer {
            data,
            pos: 0,
            frame_end: None,
            op_offset: 0,
            op_code: None,
        }
    }

    /// Size of the whole stream.
    pub fn data_len(&self) -> usize {
        self.data.len()
    }

    /// The current offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The input.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    fn limit(&mut self) -> usize {
        if let Some(end) = self.frame_end {
            if self.pos >= end {
                self.frame_end = None;
            }
        }
        self.frame_end.unwrap_or(self.data.len())
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8]> {
        let limit = self.limit();
        let left = (limit - self.pos) as u64;
        if n > left {
            if self.frame_end.is_some() && self.pos < limit {
                return Err(Error::Frame {
                    reason:
                        "pickle exhausted before end of frame (an opcode crosses the frame's end)",
                    offset: self.op_offset,
                });
            }
            let total_left = (self.data.len() - self.pos) as u64;
            return Err(if n > total_left && n > 1 << 16 {
                Error::LengthLimit {
                    opcode: ErrOp(self.op_code),
                    offset: self.op_offset,
                    len: n,
                    remaining: total_left,
                }
            } else {
                Error::UnexpectedEnd {
                    opcode: ErrOp(self.op_code),
                    offset: self.op_offset,
                    needed: n,
                    remaining: left,
                }
            });
        }
        let n = n as usize; // n <= left, which fits usize
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N as u64)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn line(&mut self) -> Result<&'a [u8]> {
        let limit = self.limit();
        let rest = &self.data[self.pos..limit];
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let s = &rest[..i];
                self.pos += i + 1;
                Ok(s)
            }
            None => Err(Error::UnexpectedEnd {
                opcode: ErrOp(self.op_code),
                offset: self.op_offset,
                needed: 1,
                remaining: 0,
            }),
        }
    }

    /// The next opcode, or `None` at the end of the input.
    pub fn next_instr(&mut self) -> Option<Result<Instr<'a>>> {
        let _ = self.limit();
        if self.pos >= self.data.len() {
            return None;
        }
        Some(self.read_instr())
    }

    fn read_instr(&mut self) -> Result<Instr<'a>> {
        self.op_offset = self.pos;
        self.op_code = None;
        let code = self.u8()?;
        self.op_code = Some(code);
        let offset = self.op_offset;
        let arg = match code {
            op::MARK
            | op::STOP
            | op::POP
            | op::POP_MARK
            | op::DUP
            | op::NONE
            | op::NEWTRUE
            | op::NEWFALSE
            | op::REDUCE
            | op::BUILD
            | op::APPEND
            | op::APPENDS
            | op::LIST
            | op::EMPTY_LIST
            | op::DICT
            | op::EMPTY_DICT
            | op::SETITEM
            | op::SETITEMS
            | op::TUPLE
            | op::EMPTY_TUPLE
            | op::TUPLE1
            | op::TUPLE2
            | op::TUPLE3
            | op::EMPTY_SET
            | op::ADDITEMS
            | op::FROZENSET
            | op::STACK_GLOBAL
            | op::MEMOIZE
            | op::NEXT_BUFFER
            | op::READONLY_BUFFER
            | op::NEWOBJ
            | op::NEWOBJ_EX
            | op::OBJ
            | op::BINPERSID => Arg::None,
            op::PROTO => Arg::Int(self.u8()? as i64),
            op::BININT1 | op::BINGET | op::BINPUT | op::EXT1 => Arg::Int(self.u8()? as i64),
            op::BININT2 | op::EXT2 => Arg::Int(u16::from_le_bytes(self.array()?) as i64),
            op::BININT => Arg::Int(i32::from_le_bytes(self.array()?) as i64),
            op::LONG_BINGET | op::LONG_BINPUT | op::EXT4 => {
                Arg::Int(u32::from_le_bytes(self.array()?) as i64)
            }
            op::LONG1 => {
                let n = self.u8()?;
                Arg::Long(self.take(n as u64)?)
            }
            op::LONG4 => {
                let n = i32::from_le_bytes(self.array()?);
                if n < 0 {
                    return Err(Error::LengthLimit {
                        opcode: ErrOp(Some(code)),
                        offset,
                        len: n as i64 as u64,
                        remaining: (self.data.len() - self.pos) as u64,
                    });
                }
                Arg::Long(self.take(n as u64)?)
            }
            op::BINFLOAT => Arg::Float(f64::from_be_bytes(self.array()?)),
            op::SHORT_BINUNICODE => {
                let n = self.u8()?;
                Arg::Text(self.take(n as u64)?)
            }
            op::BINUNICODE => {
                let n = u32::from_le_bytes(self.array()?);
                Arg::Text(self.take(n as u64)?)
            }
            op::BINUNICODE8 => {
                let n = u64::from_le_bytes(self.array()?);
                Arg::Text(self.take(n)?)
            }
            op::SHORT_BINBYTES | op::SHORT_BINSTRING => {
                let n = self.u8()?;
                Arg::Bytes(self.take(n as u64)?)
            }
            op::BINBYTES => {
                let n = u32::from_le_bytes(self.array()?);
                Arg::Bytes(self.take(n as u64)?)
            }
            op::BINSTRING => {
                let n = i32::from_le_bytes(self.array()?);
                if n < 0 {
                    return Err(Error::LengthLimit {
                        opcode: ErrOp(Some(code)),
                        offset,
                        len: n as i64 as u64,
                        remaining: (self.data.len() - self.pos) as u64,
                    });
                }
                Arg::Bytes(self.take(n as u64)?)
            }
            op::BINBYTES8 | op::BYTEARRAY8 => {
                let n = u64::from_le_bytes(self.array()?);
                Arg::Bytes(self.take(n)?)
            }
            op::GLOBAL => {
                let m = self.line()?;
                let n = self.line()?;
                Arg::Global(m, n)
            }
            op::INT
            | op::LONG
            | op::FLOAT
            | op::STRING
            | op::UNICODE
            | op::GET
            | op::PUT
            | op::PERSID
            | op::INST => {
                // Text-protocol arguments run to the end of the line; INST has two lines.
                let a = self.line()?;
                if code == op::INST {
                    let b = self.line()?;
                    Arg::Global(a, b)
                } else {
                    Arg::Text(a)
                }
            }
            op::FRAME => {
                let n = u64::from_le_bytes(self.array()?);
                if let Some(end) = self.frame_end {
                    if self.pos < end {
                        return Err(Error::Frame {
                            reason: "beginning of a new frame before end of current frame",
                            offset,
                        });
                    }
                }
                let left = (self.data.len() - self.pos) as u64;
                if n > left {
                    return Err(Error::LengthLimit {
                        opcode: ErrOp(Some(code)),
                        offset,
                        len: n,
                        remaining: left,
                    });
                }
                self.frame_end = Some(self.pos + n as usize);
                Arg::Int(n as i64)
            }
            byte => return Err(Error::UnknownOpcode { byte, offset }),
        };
        Ok(Instr { offset, code, arg })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(data: &[u8]) -> Result<Vec<Instr<'_>>> {
        let mut t = Tokenizer::new(data);
        let mut out = Vec::new();
        while let Some(i) = t.next_instr() {
            out.push(i?);
        }
        Ok(out)
    }

    #[test]
    fn frames_and_arguments() {
        // PROTO 5, FRAME 7, SHORT_BINBYTES 'abc', MEMOIZE, STOP
        let data = hex::decode("80059507000000000000004303616263942e").unwrap();
        let ops = all(&data).unwrap();
        assert_eq!(ops.len(), 5);
        assert_eq!(ops[2].arg, Arg::Bytes(b"abc"));
        assert_eq!(ops[4].code, op::STOP);
    }

    #[test]
    fn straddling_and_oversized_frames_fail() {
        // the frame says 3 bytes but SHORT_BINBYTES needs 5
        let data = hex::decode("8005950300000000000000430361626394").unwrap();
        assert!(matches!(all(&data), Err(Error::Frame { offset: 11, .. })));
        let data = hex::decode("800595ffffffffffffff7f2e").unwrap();
        assert!(matches!(
            all(&data),
            Err(Error::LengthLimit { offset: 2, .. })
        ));
    }

    #[test]
    fn huge_lengths_are_length_errors() {
        let data = hex::decode("8e ffffffffffffffff".replace(' ', "")).unwrap();
        assert!(matches!(
            all(&data),
            Err(Error::LengthLimit {
                len: u64::MAX,
                offset: 0,
                ..
            })
        ));
        let data = hex::decode("8b00000080").unwrap();
        assert!(matches!(all(&data), Err(Error::LengthLimit { .. })));
    }
}
