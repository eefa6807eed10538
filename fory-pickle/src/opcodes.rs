//! The pickle opcodes, named as CPython's `Lib/pickle.py` and `pickletools`
//! name them. The wire format lives here and in [`crate::ops`] only.

/// One opcode byte.
pub type Opcode = u8;

macro_rules! opcodes {
    ($($(#[$m:meta])* $name:ident = $v:expr;)*) => {
        $( $(#[$m])* pub const $name: Opcode = $v; )*
        /// The `pickletools` name of an opcode, or `None` for a byte that is no opcode.
        pub fn name(op: Opcode) -> Option<&'static str> {
            match op {
                $( $v => Some(stringify!($name)), )*
                _ => None,
            }
        }
    };
}

opcodes! {
    /// Push the special mark object.
    MARK = b'(';
    /// Every pickle ends with STOP.
    STOP = b'.';
    /// Discard the topmost stack item.
    POP = b'0';
    /// Discard the stack through the topmost mark.
    POP_MARK = b'1';
    /// Duplicate the top stack item.
    DUP = b'2';
    /// Text float (protocol 0): rejected.
    FLOAT = b'F';
    /// Text int (protocol 0): rejected.
    INT = b'I';
    /// 4-byte signed int.
    BININT = b'J';
    /// 1-byte unsigned int.
    BININT1 = b'K';
    /// Text long (protocol 0): rejected.
    LONG = b'L';
    /// 2-byte unsigned int.
    BININT2 = b'M';
    /// None.
    NONE = b'N';
    /// Persistent id (text): rejected.
    PERSID = b'P';
    /// Persistent id: rejected.
    BINPERSID = b'Q';
    /// Call a callable with an argument tuple.
    REDUCE = b'R';
    /// Text string (protocol 0): rejected.
    STRING = b'S';
    /// Python 2 str, 4-byte length: rejected.
    BINSTRING = b'T';
    /// Python 2 str, 1-byte length: rejected.
    SHORT_BINSTRING = b'U';
    /// Text unicode (protocol 0): rejected.
    UNICODE = b'V';
    /// UTF-8 str, 4-byte length.
    BINUNICODE = b'X';
    /// Append one item to a list.
    APPEND = b'a';
    /// `__setstate__` / dict update of the object below the state.
    BUILD = b'b';
    /// A global, `module\nname\n` (protocols 0-3).
    GLOBAL = b'c';
    /// Build a dict from the items above the mark.
    DICT = b'd';
    /// Push an empty dict.
    EMPTY_DICT = b'}';
    /// Append the items above the mark to a list.
    APPENDS = b'e';
    /// Memo get, text index: rejected.
    GET = b'g';
    /// Memo get, 1-byte index.
    BINGET = b'h';
    /// Build a class instance (protocol 0): rejected.
    INST = b'i';
    /// Memo get, 4-byte index.
    LONG_BINGET = b'j';
    /// Build a list from the items above the mark.
    LIST = b'l';
    /// Push an empty list.
    EMPTY_LIST = b']';
    /// Build a class instance: rejected.
    OBJ = b'o';
    /// Memo put, text index: rejected.
    PUT = b'p';
    /// Memo put, 1-byte index.
    BINPUT = b'q';
    /// Memo put, 4-byte index.
    LONG_BINPUT = b'r';
    /// `d[k] = v`.
    SETITEM = b's';
    /// Build a tuple from the items above the mark.
    TUPLE = b't';
    /// Push an empty tuple.
    EMPTY_TUPLE = b')';
    /// Set several dict items.
    SETITEMS = b'u';
    /// 8-byte big-endian float.
    BINFLOAT = b'G';
    /// Protocol version.
    PROTO = 0x80;
    /// `cls.__new__(cls, *args)`: rejected.
    NEWOBJ = 0x81;
    /// Extension registry code, 1 byte: rejected.
    EXT1 = 0x82;
    /// Extension registry code, 2 bytes: rejected.
    EXT2 = 0x83;
    /// Extension registry code, 4 bytes: rejected.
    EXT4 = 0x84;
    /// 1-tuple from the top item.
    TUPLE1 = 0x85;
    /// 2-tuple from the two top items.
    TUPLE2 = 0x86;
    /// 3-tuple from the three top items.
    TUPLE3 = 0x87;
    /// True.
    NEWTRUE = 0x88;
    /// False.
    NEWFALSE = 0x89;
    /// Long int, 1-byte length, little-endian two's complement.
    LONG1 = 0x8a;
    /// Long int, 4-byte length.
    LONG4 = 0x8b;
    /// UTF-8 str, 1-byte length.
    SHORT_BINUNICODE = 0x8c;
    /// UTF-8 str, 8-byte length.
    BINUNICODE8 = 0x8d;
    /// bytes, 8-byte length.
    BINBYTES8 = 0x8e;
    /// Push an empty set.
    EMPTY_SET = 0x8f;
    /// Add the items above the mark to a set.
    ADDITEMS = 0x90;
    /// Build a frozenset from the items above the mark.
    FROZENSET = 0x91;
    /// `cls.__new__(cls, *args, **kwargs)`: rejected.
    NEWOBJ_EX = 0x92;
    /// A global from the two strings on the stack.
    STACK_GLOBAL = 0x93;
    /// Memo put at index `len(memo)`.
    MEMOIZE = 0x94;
    /// A read-ahead hint: the length of the next frame.
    FRAME = 0x95;
    /// bytearray, 8-byte length.
    BYTEARRAY8 = 0x96;
    /// The next out-of-band buffer.
    NEXT_BUFFER = 0x97;
    /// Make the top of the stack read-only.
    READONLY_BUFFER = 0x98;
    /// bytes, 4-byte length.
    BINBYTES = b'B';
    /// bytes, 1-byte length.
    SHORT_BINBYTES = b'C';
}

/// The protocol an opcode first appeared in (as `pickletools` reports it).
pub fn protocol_of(op: Opcode) -> u8 {
    match op {
        PROTO | NEWOBJ | EXT1 | EXT2 | EXT4 | TUPLE1 | TUPLE2 | TUPLE3 | NEWTRUE | NEWFALSE
        | LONG1 | LONG4 => 2,
        BINBYTES | SHORT_BINBYTES => 3,
        SHORT_BINUNICODE | BINUNICODE8 | BINBYTES8 | EMPTY_SET | ADDITEMS | FROZENSET
        | NEWOBJ_EX | STACK_GLOBAL | MEMOIZE | FRAME => 4,
        BYTEARRAY8 | NEXT_BUFFER | READONLY_BUFFER => 5,
        BININT | BININT1 | BININT2 | BINSTRING | SHORT_BINSTRING | BINUNICODE | BINFLOAT
        | EMPTY_LIST | EMPTY_TUPLE | EMPTY_DICT | APPENDS | SETITEMS | POP_MARK | BINGET
        | LONG_BINGET | BINPUT | LONG_BINPUT | BINPERSID | OBJ => 1,
        _ => 0,
    }
}

/// How the name of an opcode shows in errors: `BINBYTES8 (0x8e)`.
pub(crate) fn describe(op: Opcode) -> String {
    match name(op) {
        Some(n) => format!("{n} ({op:#04x})"),
        None => format!("unknown opcode {op:#04x}"),
    }
}

/// The highest protocol this crate reads and writes.
pub const HIGHEST_PROTOCOL: u8 = 5;
