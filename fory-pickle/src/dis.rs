//! A disassembly in the style of `pickletools.dis`, with the out-of-band
//! buffers and the globals annotated:
//!
//! ```text
//!     0: \x80 PROTO      5
//!    11: \x8c SHORT_BINUNICODE 'numpy._core.numeric'
//!    32: \x94 MEMOIZE    (as 0)
//!    47: \x93 STACK_GLOBAL numpy._core.numeric._frombuffer (allowed)
//!    50: \x97     NEXT_BUFFER buffer #0, 32 bytes
//! ```
//!
//! It walks the opcodes without building anything and never panics; on a
//! malformed stream it stops at the error and reports it.

use std::fmt::Write as _;

use crate::error::Error;
use crate::opcodes::{self as op, protocol_of};
use crate::ops::{Arg, Tokenizer};

/// The result of [`dis()`](fn@dis).
#[derive(Debug, Clone)]
pub struct Disassembly {
    /// The listing, one opcode per line, then a summary.
    pub text: String,
    /// The first error, if the stream is malformed.
    pub error: Option<Error>,
    /// Out-of-band buffers the stream asks for.
    pub buffers_used: usize,
    /// Globals the stream names, as `module.name`, with whether they are allowed.
    pub globals: Vec<(String, bool)>,
}

const PREVIEW: usize = 48;

fn repr_bytes(b: &[u8]) -> String {
    let mut s = String::from("b'");
    for &c in b.iter().take(PREVIEW) {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\'' => s.push_str("\\'"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                let _ = write!(s, "\\x{c:02x}");
            }
        }
    }
    s.push('\'');
    if b.len() > PREVIEW {
        let _ = write!(s, "... ({} bytes)", b.len());
    }
    s
}

fn repr_text(b: &[u8]) -> String {
    let Ok(t) = std::str::from_utf8(b) else {
        return format!("<invalid UTF-8> {}", repr_bytes(b));
    };
    let mut s = String::from("'");
    for c in t.chars().take(PREVIEW) {
        match c {
            '\\' => s.push_str("\\\\"),
            '\'' => s.push_str("\\'"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(s, "\\x{:02x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('\'');
    if t.chars().count() > PREVIEW {
        let _ = write!(s, "... ({} bytes)", b.len());
    }
    s
}

/// Python's `repr(float)`: shortest round-trip digits, positional for
/// decimal exponents in `-4..16`, else `1e+300` style.
pub fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let e = format!("{:e}", f.abs()); // shortest digits: "1.25e-5"
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let s = if exp < 0 {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        } else if exp + 1 >= n {
            format!("{digits}{}.0", "0".repeat((exp + 1 - n) as usize))
        } else {
            let (a, b) = digits.split_at((exp + 1) as usize);
            format!("{a}.{b}")
        };
        return format!("{sign}{s}");
    }
    let m = if digits.len() > 1 {
        format!("{}.{}", &digits[..1], &digits[1..])
    } else {
        digits
    };
    format!(
        "{sign}{m}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

fn code_repr(c: u8) -> String {
    match c {
        b'\'' => "'".into(),
        b'\\' => "\\\\".into(),
        0x20..=0x7e => (c as char).to_string(),
        _ => format!("\\x{c:02x}"),
    }
}

/// Disassembles `data`. `buffer_sizes` (the supplied out-of-band buffers,
/// in order) annotates each `NEXT_BUFFER` with its size.
pub fn dis(data: &[u8], buffer_sizes: Option<&[usize]>) -> Disassembly {
    let mut out = String::new();
    let mut tok = Tokenizer::new(data);
    let mut marks: Vec<usize> = Vec::new();
    // a shadow stack: the strings pushed, to name STACK_GLOBAL's arguments
    let mut shadow: Vec<Option<String>> = Vec::new();
    let mut shadow_marks: Vec<usize> = Vec::new();
    let mut memo: std::collections::HashMap<i64, Option<String>> = Default::default();
    let mut proto = 0u8;
    let mut buffers_used = 0usize;
    let mut globals = Vec::new();
    let mut error = None;
    let mut stopped = false;

    let pop_mark = |shadow: &mut Vec<Option<String>>, marks: &mut Vec<usize>| {
        let m = marks.pop().unwrap_or(0);
        shadow.truncate(m.min(shadow.len()));
    };

    while let Some(next) = tok.next_instr() {
        let i = match next {
            Ok(i) => i,
            Err(e) => {
                error = Some(e);
                break;
            }
        };
        proto = proto.max(protocol_of(i.code));
        let name = op::name(i.code).unwrap_or("?");
        // closing opcodes are printed at the level of their mark
        let closes = matches!(
            i.code,
            op::TUPLE
                | op::LIST
                | op::DICT
                | op::APPENDS
                | op::SETITEMS
                | op::ADDITEMS
                | op::FROZENSET
                | op::POP_MARK
        );
        let mut note = String::new();
        let indent = "    ".repeat(marks.len().min(32));
        if closes {
            match marks.pop() {
                Some(at) => note = format!("(MARK at {at})"),
                None => note = "(no MARK: stack underflow)".into(),
            }
        }
        let arg = match i.arg {
            Arg::None => String::new(),
            Arg::Int(v) => v.to_string(),
            Arg::Long(b) => num_bigint::BigInt::from_signed_bytes_le(b).to_string(),
            Arg::Float(f) => py_float_repr(f),
            Arg::Text(t) => repr_text(t),
            Arg::Bytes(b) if i.code == op::BYTEARRAY8 => format!("bytearray({})", repr_bytes(b)),
            Arg::Bytes(b) => repr_bytes(b),
            Arg::Global(m, n) => format!(
                "'{} {}'",
                String::from_utf8_lossy(m),
                String::from_utf8_lossy(n)
            ),
        };
        // shadow stack and annotations
        match i.code {
            op::MARK => {
                marks.push(i.offset);
                shadow_marks.push(shadow.len());
            }
            op::SHORT_BINUNICODE | op::BINUNICODE | op::BINUNICODE8 => {
                let s = match i.arg {
                    Arg::Text(t) => std::str::from_utf8(t).ok().map(str::to_string),
                    _ => None,
                };
                shadow.push(s);
            }
            op::MEMOIZE => {
                let idx = memo.len() as i64;
                memo.insert(idx, shadow.last().cloned().flatten());
                note = format!("(as {idx})");
            }
            op::BINPUT | op::LONG_BINPUT => {
                if let Arg::Int(idx) = i.arg {
                    memo.insert(idx, shadow.last().cloned().flatten());
                }
            }
            op::BINGET | op::LONG_BINGET => {
                let v = match i.arg {
                    Arg::Int(idx) => memo.get(&idx).cloned().flatten(),
                    _ => None,
                };
                shadow.push(v);
            }
            op::GLOBAL | op::STACK_GLOBAL => {
                let full = match i.arg {
                    Arg::Global(m, n) => Some(format!(
                        "{}.{}",
                        String::from_utf8_lossy(m),
                        String::from_utf8_lossy(n)
                    )),
                    _ => {
                        let n = shadow.pop().flatten();
                        let m = shadow.pop().flatten();
                        m.zip(n).map(|(m, n)| format!("{m}.{n}"))
                    }
                };
                match full {
                    Some(full) => {
                        let allowed = crate::read::ALLOWED_GLOBALS
                            .iter()
                            .any(|(m, n)| format!("{m}.{n}") == full);
                        note = format!(
                            "{full} ({})",
                            if allowed { "allowed" } else { "NOT ALLOWED" }
                        );
                        globals.push((full, allowed));
                    }
                    None => note = "(module and name not known statically)".into(),
                }
                shadow.push(None);
            }
            op::NEXT_BUFFER => {
                note = match buffer_sizes {
                    Some(sizes) => match sizes.get(buffers_used) {
                        Some(n) => format!("buffer #{buffers_used}, {n} bytes"),
                        None => format!(
                            "buffer #{buffers_used}: MISSING (only {} supplied)",
                            sizes.len()
                        ),
                    },
                    None => format!("buffer #{buffers_used}"),
                };
                buffers_used += 1;
                shadow.push(None);
            }
            op::STOP => stopped = true,
            op::POP => {
                if shadow.len() > shadow_marks.last().copied().unwrap_or(0) {
                    shadow.pop();
                } else {
                    pop_mark(&mut shadow, &mut shadow_marks);
                }
            }
            op::DUP => shadow.push(shadow.last().cloned().flatten()),
            op::REDUCE | op::SETITEM => {
                let n = shadow.len().saturating_sub(2);
                shadow.truncate(n);
                if i.code == op::REDUCE {
                    shadow.push(None);
                }
            }
            op::BUILD | op::APPEND => {
                shadow.pop();
            }
            op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                let n = shadow
                    .len()
                    .saturating_sub((i.code - op::TUPLE1 + 1) as usize);
                shadow.truncate(n);
                shadow.push(None);
            }
            op::TUPLE | op::LIST | op::DICT | op::FROZENSET => {
                pop_mark(&mut shadow, &mut shadow_marks);
                shadow.push(None);
            }
            op::APPENDS | op::SETITEMS | op::ADDITEMS | op::POP_MARK => {
                pop_mark(&mut shadow, &mut shadow_marks);
            }
            op::PROTO | op::FRAME | op::READONLY_BUFFER => {}
            _ => shadow.push(None),
        }
        let mut line = format!("{:5}: {:<4} {indent}{name}", i.offset, code_repr(i.code));
        if !arg.is_empty() || !note.is_empty() {
            line.push_str(&" ".repeat(10usize.saturating_sub(name.len())));
            if !arg.is_empty() {
                line.push(' ');
                line.push_str(&arg);
            }
            if !note.is_empty() {
                line.push(' ');
                line.push_str(&note);
            }
        }
        out.push_str(&line);
        out.push('\n');
        if stopped {
            break;
        }
    }
    if error.is_none() && !stopped {
        error = Some(Error::UnexpectedEnd {
            opcode: crate::error::Op(None),
            offset: data.len(),
            needed: 1,
            remaining: 0,
        });
    }
    if stopped && tok.pos() < data.len() {
        let _ = writeln!(
            out,
            "{} trailing byte(s) after STOP",
            data.len() - tok.pos()
        );
    }
    let _ = writeln!(out, "highest protocol among opcodes = {proto}");
    match buffer_sizes {
        Some([]) => {
            let _ = writeln!(
                out,
                "out-of-band buffers: the stream uses {buffers_used}, none supplied"
            );
        }
        Some(sizes) => {
            let total: usize = sizes.iter().sum();
            let _ = writeln!(
                out,
                "out-of-band buffers: the stream uses {buffers_used}, {} supplied ({total} bytes: {})",
                sizes.len(),
                sizes
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        None => {
            let _ = writeln!(out, "out-of-band buffers: the stream uses {buffers_used}");
        }
    }
    if let Some(e) = &error {
        let _ = writeln!(out, "error: {e}");
    }
    Disassembly {
        text: out,
        error,
        buffers_used,
        globals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_like_pickletools() {
        // pickle.dumps(PickleBuffer(b'abc'), protocol=5, buffer_callback=bufs.append)
        let d = dis(&[0x80, 5, 0x97, 0x98, b'.'], Some(&[3]));
        assert_eq!(
            d.text,
            "    0: \\x80 PROTO      5\n\
             \x20   2: \\x97 NEXT_BUFFER buffer #0, 3 bytes\n\
             \x20   3: \\x98 READONLY_BUFFER\n\
             \x20   4: .    STOP\n\
             highest protocol among opcodes = 5\n\
             out-of-band buffers: the stream uses 1, 1 supplied (3 bytes: 3)\n"
        );
        assert!(d.error.is_none());
    }

    #[test]
    fn floats_like_python_repr() {
        for (f, s) in [
            (1.25, "1.25"),
            (-1e300, "-1e+300"),
            (5e-324, "5e-324"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123.456, "123.456"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (2.5e-7, "2.5e-07"),
        ] {
            assert_eq!(py_float_repr(f), s);
        }
    }

    #[test]
    fn names_globals_and_errors() {
        let d = dis(b"\x80\x05\x8c\x02os\x8c\x06system\x93", None);
        assert_eq!(d.globals, [("os.system".to_string(), false)]);
        assert!(d.text.contains("os.system (NOT ALLOWED)"));
        assert!(matches!(d.error, Some(Error::UnexpectedEnd { .. })));
    }
}
