//! numpy dtypes of the numeric subset: `b1`, `i1`..`i8`, `u1`..`u8`,
//! `f2`/`f4`/`f8` and `c8`/`c16`, in either byte order.

/// The kind letter of a numeric dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `b`: bool.
    Bool,
    /// `i`: signed integer.
    Int,
    /// `u`: unsigned integer.
    UInt,
    /// `f`: IEEE float.
    Float,
    /// `c`: complex (two floats).
    Complex,
}

impl Kind {
    /// numpy's kind character.
    pub fn char(self) -> char {
        match self {
            Kind::Bool => 'b',
            Kind::Int => 'i',
            Kind::UInt => 'u',
            Kind::Float => 'f',
            Kind::Complex => 'c',
        }
    }
}

/// Byte order of the elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `<`.
    Little,
    /// `>`.
    Big,
    /// `|`: one-byte types.
    NotApplicable,
}

impl ByteOrder {
    /// The order of this machine.
    pub const NATIVE: ByteOrder = if cfg!(target_endian = "little") {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };

    /// numpy's character.
    pub fn char(self) -> char {
        match self {
            ByteOrder::Little => '<',
            ByteOrder::Big => '>',
            ByteOrder::NotApplicable => '|',
        }
    }

    fn from_char(c: u8) -> Option<ByteOrder> {
        Some(match c {
            b'<' => ByteOrder::Little,
            b'>' => ByteOrder::Big,
            b'|' => ByteOrder::NotApplicable,
            b'=' => ByteOrder::NATIVE,
            _ => return None,
        })
    }
}

/// A numeric numpy dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dtype {
    kind: Kind,
    itemsize: usize,
    order: ByteOrder,
}

impl Dtype {
    /// A dtype; `None` when the kind and size are not a numeric numpy type
    /// (`f16`, `c32` and `i16` are not). One-byte types get order `|`.
    pub fn new(kind: Kind, itemsize: usize, order: ByteOrder) -> Option<Dtype> {
        let ok = match kind {
            Kind::Bool => itemsize == 1,
            Kind::Int | Kind::UInt => matches!(itemsize, 1 | 2 | 4 | 8),
            Kind::Float => matches!(itemsize, 2 | 4 | 8),
            Kind::Complex => matches!(itemsize, 8 | 16),
        };
        ok.then_some(Dtype {
            kind,
            itemsize,
            order: if itemsize == 1 {
                ByteOrder::NotApplicable
            } else if order == ByteOrder::NotApplicable {
                ByteOrder::NATIVE
            } else {
                order
            },
        })
    }

    /// Parses numpy's `str` form: `'<f8'`, `'|u1'`, `'f8'` (native), `'>i4'`.
    pub fn parse(s: &str) -> Option<Dtype> {
        let b = s.as_bytes();
        let (order, rest) = match b.first().copied().and_then(ByteOrder::from_char) {
            Some(o) => (o, &b[1..]),
            None => (ByteOrder::NATIVE, b),
        };
        let (&k, size) = rest.split_first()?;
        let kind = match k {
            b'b' | b'?' => Kind::Bool,
            b'i' => Kind::Int,
            b'u' => Kind::UInt,
            b'f' => Kind::Float,
            b'c' => Kind::Complex,
            _ => return None,
        };
        let size = if size.is_empty() && kind == Kind::Bool {
            1
        } else {
            if size.is_empty() || size.len() > 2 || !size.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(size).ok()?.parse().ok()?
        };
        Dtype::new(kind, size, order)
    }

    /// The kind.
    pub fn kind(self) -> Kind {
        self.kind
    }

    /// Bytes per element.
    pub fn itemsize(self) -> usize {
        self.itemsize
    }

    /// Byte order (`|` for one-byte types).
    pub fn byte_order(self) -> ByteOrder {
        self.order
    }

    /// Whether the elements are in this machine's byte order (always for one-byte types).
    pub fn is_native(self) -> bool {
        self.order == ByteOrder::NotApplicable || self.order == ByteOrder::NATIVE
    }

    /// The same dtype in the other byte order (one-byte types are unchanged).
    pub fn swapped(self) -> Dtype {
        let order = match self.order {
            ByteOrder::Little => ByteOrder::Big,
            ByteOrder::Big => ByteOrder::Little,
            o => o,
        };
        Dtype { order, ..self }
    }

    /// What numpy's dtype reduce passes: `'f8'`, `'b1'`, `'c16'`.
    pub fn kind_size(self) -> String {
        format!("{}{}", self.kind.char(), self.itemsize)
    }

    /// numpy's `dtype.str`: `'<f8'`, `'|b1'`.
    pub fn descr(self) -> String {
        format!("{}{}{}", self.order.char(), self.kind.char(), self.itemsize)
    }

    /// numpy's name (`float64`, `complex128`, `bool`).
    pub fn name(self) -> String {
        match self.kind {
            Kind::Bool => "bool".into(),
            Kind::Int => format!("int{}", self.itemsize * 8),
            Kind::UInt => format!("uint{}", self.itemsize * 8),
            Kind::Float => format!("float{}", self.itemsize * 8),
            Kind::Complex => format!("complex{}", self.itemsize * 8),
        }
    }
}

impl std::fmt::Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.descr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_numpy_strings() {
        let d = Dtype::parse("<f8").unwrap();
        assert_eq!(
            (d.kind(), d.itemsize(), d.byte_order()),
            (Kind::Float, 8, ByteOrder::Little)
        );
        assert_eq!(Dtype::parse("u1").unwrap().descr(), "|u1");
        assert_eq!(Dtype::parse(">c16").unwrap().descr(), ">c16");
        assert_eq!(Dtype::parse("b1").unwrap().name(), "bool");
        assert_eq!(Dtype::parse("?").unwrap().descr(), "|b1");
        for bad in [
            "", "<", "f16", "c32", "i3", "O8", "V12", "S5", "<U3", "M8", "f+8", "f08x",
        ] {
            assert!(Dtype::parse(bad).is_none(), "{bad}");
        }
    }
}
