//! STRING bodies: `varuint36_small(byte_len << 2 | coding)` then the bytes.
//!
//! Readers accept all three codings. Writers pick Latin-1 when every char is
//! below U+0100 (one byte per char, what pyfory writes for such strings, and
//! the smallest form), otherwise UTF-8: it is what Rust holds already, so the
//! bytes are copied without transcoding, and every peer reads it. pyfory would
//! pick UTF-16 for BMP text; both are legal, and pyfory reads UTF-8.

use super::buffer::{Reader, Writer};
use crate::error::{Error, Result};
use crate::limits::Limit;

/// Latin-1 coding id.
pub const LATIN1: u64 = 0;
/// UTF-16LE coding id.
pub const UTF16: u64 = 1;
/// UTF-8 coding id.
pub const UTF8: u64 = 2;

/// Writes a string body. Short strings that need no transcoding (ASCII,
/// or text past Latin-1) take a path inlined into the caller; the others
/// are one call away.
#[inline(always)]
pub fn write_string(w: &mut Writer<'_>, s: &str) {
    let bytes = s.as_bytes();
    if bytes.len() <= Writer::SHORT_STRING && w.short_string(bytes) {
        return;
    }
    write_long_or_non_ascii(w, s);
}

/// [`write_string`] past its short ASCII path.
#[inline(never)]
fn write_long_or_non_ascii(w: &mut Writer<'_>, s: &str) {
    let bytes = s.as_bytes();
    if bytes.len() > Writer::SHORT_STRING && bytes.is_ascii() {
        write_header(w, bytes.len(), LATIN1);
        w.bytes(bytes);
        return;
    }
    write_non_ascii(w, s);
}

/// `<[u8]>::is_ascii`, without its byte-at-a-time tail on short strings
/// (field values are mostly short): whole words, the last one overlapping.
#[inline(always)]
fn is_ascii(b: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = b.len();
    if n > 64 {
        return b.is_ascii();
    }
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    if n >= 8 {
        let mut acc = word(n - 8);
        let mut i = 0;
        while i + 8 < n {
            acc |= word(i);
            i += 8;
        }
        return acc & HIGH == 0;
    }
    if n >= 4 {
        let half = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        return (half(0) | half(n - 4)) & HIGH as u32 == 0;
    }
    b.iter().all(|&c| c < 0x80)
}

/// Whether any byte is 0xC4 or above (a UTF-8 lead byte of a char past
/// U+00FF), eight bytes at a time: for each byte `b` with its high bit set,
/// `(b & 0x7f) + 0x3c` reaches 0x80 exactly when `b >= 0xC4`, and never
/// carries into the next byte.
#[inline]
fn has_lead_above_latin1(b: &[u8]) -> bool {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let hit = |w: u64| ((w & LOW) + 0x3c3c_3c3c_3c3c_3c3c) & w & HIGH != 0;
    let n = b.len();
    if n < 8 {
        return b.iter().any(|&c| c >= 0xC4);
    }
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let mut i = 0;
    while i + 8 < n {
        if hit(word(i)) {
            return true;
        }
        i += 8;
    }
    hit(word(n - 8))
}

/// `varuint36_small(len << 2 | coding)`: the LEB128 bytes of a header below
/// 2^32 are those of a varuint32, whose encoder is the cheaper one.
#[inline(always)]
fn write_header(w: &mut Writer<'_>, len: usize, coding: u64) {
    let header = ((len as u64) << 2) | coding;
    match u32::try_from(header) {
        Ok(h) => w.var_u32(h),
        Err(_) => w.var_u64(header),
    }
}

/// The rarer codings, out of line so the ASCII path stays small.
#[inline(never)]
fn write_non_ascii(w: &mut Writer<'_>, s: &str) {
    let bytes = s.as_bytes();
    // Nothing at or above 0xC4 means every char is below U+0100 (lead bytes
    // 0xC2/0xC3 and continuation bytes only): Latin-1.
    if !has_lead_above_latin1(bytes) {
        let n = s.chars().count();
        write_header(w, n, LATIN1);
        w.reserve(n);
        for c in s.chars() {
            w.u8(c as u32 as u8);
        }
        return;
    }
    write_header(w, bytes.len(), UTF8);
    w.bytes(bytes);
}

/// A string body's header and bytes, not yet decoded.
struct RawString<'de> {
    /// Where the header starts.
    start: usize,
    coding: u64,
    bytes: &'de [u8],
}

impl<'de> RawString<'de> {
    #[inline(always)]
    fn read(r: &mut Reader<'de>) -> Result<Self> {
        let start = r.pos();
        let header = r.var_u36_small()?;
        let len = r.check_len(Limit::StringLength, header >> 2)?;
        let bytes = r.take(len)?;
        Ok(RawString {
            start,
            coding: header & 3,
            bytes,
        })
    }

    /// The text as it stands in the stream, when it is UTF-8 already
    /// (Latin-1 that is all ASCII, or UTF-8): `Ok(None)` when it needs
    /// transcoding.
    #[inline(always)]
    fn as_utf8(&self) -> Result<Option<&'de str>> {
        match self.coding {
            LATIN1 if is_ascii(self.bytes) => {
                // SAFETY: ASCII bytes are valid UTF-8 (checked by the guard);
                // this skips a second validation pass on the commonest strings.
                let s = unsafe { std::str::from_utf8_unchecked(self.bytes) };
                Ok(Some(s))
            }
            UTF8 => std::str::from_utf8(self.bytes)
                .map(Some)
                .map_err(|_| Error::invalid(self.start, "invalid UTF-8 string")),
            LATIN1 | UTF16 => Ok(None),
            c => Err(Error::InvalidFlag {
                what: "string coding",
                found: c as u8,
                offset: self.start,
            }),
        }
    }

    /// Transcodes Latin-1 past ASCII or UTF-16 to a new `String`, charging
    /// its size to the reader's allocation budget first.
    fn transcode(&self, r: &mut Reader<'_>) -> Result<String> {
        let b = self.bytes;
        if self.coding == UTF16 {
            if b.len() % 2 != 0 {
                return Err(Error::invalid(
                    self.start,
                    "UTF-16 string with an odd byte length",
                ));
            }
            // a UTF-16 unit takes up to three UTF-8 bytes
            r.charge(b.len() / 2 * 3)?;
            let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
            return char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map_err(|_| Error::invalid(self.start, "invalid UTF-16 string"));
        }
        // Latin-1 above 0x7f takes two bytes
        r.charge(b.len() + b.iter().filter(|&&c| c >= 0x80).count())?;
        Ok(b.iter().map(|&c| c as char).collect())
    }
}

/// Reads a string body into a new `String`, from any of the three codings.
pub fn read_string(r: &mut Reader<'_>) -> Result<String> {
    let raw = RawString::read(r)?;
    // the commonest case first, without the `Option` of `as_utf8`
    if raw.coding == LATIN1 && is_ascii(raw.bytes) {
        r.charge(raw.bytes.len())?;
        // SAFETY: ASCII bytes are valid UTF-8 (checked just above); this
        // skips a second validation pass on the commonest strings.
        return Ok(unsafe { std::str::from_utf8_unchecked(raw.bytes) }.to_owned());
    }
    match raw.as_utf8()? {
        Some(s) => {
            r.charge(s.len())?;
            Ok(s.to_owned())
        }
        None => raw.transcode(r),
    }
}

/// Reads a string body, borrowing it from the stream when it is UTF-8
/// there already (ASCII Latin-1, which is what pyfory writes for ASCII text,
/// or UTF-8); Latin-1 past ASCII and UTF-16 are transcoded into an owned
/// `String`.
pub fn read_str_cow<'de>(r: &mut Reader<'de>) -> Result<std::borrow::Cow<'de, str>> {
    let raw = RawString::read(r)?;
    match raw.as_utf8()? {
        Some(s) => Ok(std::borrow::Cow::Borrowed(s)),
        None => raw.transcode(r).map(std::borrow::Cow::Owned),
    }
}

/// Reads a string body as a `&str` borrowed from the stream, without a copy.
/// A string that needs transcoding (Latin-1 past ASCII, UTF-16) cannot be
/// borrowed: that is an [`Error::TypeMismatch`] (read it as `String` or
/// `Cow<str>` instead).
pub fn read_str<'de>(r: &mut Reader<'de>) -> Result<&'de str> {
    let raw = RawString::read(r)?;
    match raw.as_utf8()? {
        Some(s) => Ok(s),
        None => Err(Error::TypeMismatch {
            expected: "a string stored as UTF-8 or ASCII (borrowable as &str)".into(),
            found: if raw.coding == UTF16 {
                "a UTF-16 string".into()
            } else {
                "a Latin-1 string with non-ASCII characters".into()
            },
            offset: raw.start,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        let mut v = Vec::new();
        write_string(&mut Writer::new(&mut v), s);
        hex::encode(v)
    }

    #[test]
    fn ascii_check_matches_std() {
        let base: Vec<u8> = (0..80u8).map(|i| b'a' + i % 26).collect();
        for n in 0..base.len() {
            assert!(is_ascii(&base[..n]), "{n}");
            for bad in 0..n {
                let mut v = base[..n].to_vec();
                v[bad] |= 0x80;
                assert!(!is_ascii(&v), "{n} {bad}");
                assert_eq!(is_ascii(&v), v.is_ascii());
            }
        }
    }

    /// The body as the format describes it, built the slow way.
    fn reference(s: &str) -> Vec<u8> {
        let (coding, body): (u64, Vec<u8>) = if s.chars().all(|c| (c as u32) < 0x100) {
            (LATIN1, s.chars().map(|c| c as u32 as u8).collect())
        } else {
            (UTF8, s.as_bytes().to_vec())
        };
        let mut v = Vec::new();
        Writer::new(&mut v).var_u64(((body.len() as u64) << 2) | coding);
        v.extend_from_slice(&body);
        v
    }

    #[test]
    fn short_string_path_matches_the_reference() {
        let base: String = (0..80u8).map(|i| (b'a' + i % 26) as char).collect();
        // every length natively, each window case's edges under Miri
        let lens: Vec<usize> = if cfg!(miri) {
            vec![0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 79]
        } else {
            (0..base.len()).collect()
        };
        for n in lens {
            let ascii = &base[..n];
            // after some bytes, so the stores land at unaligned offsets
            for prefix in 0..3 {
                let mut v = vec![0xAA; prefix];
                write_string(&mut Writer::new(&mut v), ascii);
                assert_eq!(&v[..prefix], &vec![0xAA; prefix][..]);
                assert_eq!(v[prefix..], reference(ascii), "{n}");
            }
            // one non-ASCII char anywhere: Latin-1 (é) or UTF-8 (ሴ)
            // every position natively, the window edges under Miri
            let bads: Vec<usize> = if cfg!(miri) {
                [0, n / 2, n.saturating_sub(1)]
                    .into_iter()
                    .filter(|&b| b < n)
                    .collect()
            } else {
                (0..n).collect()
            };
            for bad in bads {
                for c in ['é', '\u{1234}'] {
                    let s: String = ascii
                        .chars()
                        .enumerate()
                        .map(|(i, a)| if i == bad { c } else { a })
                        .collect();
                    let mut v = Vec::new();
                    write_string(&mut Writer::new(&mut v), &s);
                    assert_eq!(v, reference(&s), "{n} {bad} {c}");
                }
                // Latin-1 lead bytes in one window, a char past U+00FF in
                // another: UTF-8
                let s: String = ascii
                    .chars()
                    .enumerate()
                    .map(|(i, a)| match i {
                        _ if i == bad => 'é',
                        0 => '\u{100}',
                        _ => a,
                    })
                    .collect();
                let mut v = Vec::new();
                write_string(&mut Writer::new(&mut v), &s);
                assert_eq!(v, reference(&s), "{n} {bad} mixed");
            }
        }
    }

    #[test]
    fn short_string_leaves_latin1_text_to_the_caller() {
        let mut v = vec![7u8];
        assert!(!Writer::new(&mut v).short_string("abcdefghijklmnopqrsé".as_bytes()));
        assert!(!Writer::new(&mut v).short_string("\u{80}".as_bytes()));
        assert!(!Writer::new(&mut v).short_string("ÿ".repeat(20).as_bytes()));
        assert_eq!(v, [7]);
        assert!(Writer::new(&mut v).short_string(b"xyz"));
        assert_eq!(v, [7, 12, b'x', b'y', b'z']);
        // past Latin-1: UTF-8 as it is, header 3 << 2 | 2
        assert!(Writer::new(&mut v).short_string("ሴ".as_bytes()));
        assert_eq!(v, [7, 12, b'x', b'y', b'z', 14, 0xE1, 0x88, 0xB4]);
    }

    #[test]
    fn latin1_lead_check_matches_the_bytewise_one() {
        for n in 0..40usize {
            for pos in 0..n.max(1) {
                for b in [0x00u8, 0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xc4, 0xe1, 0xff] {
                    let mut v = vec![b'a'; n];
                    if n > 0 {
                        v[pos] = b;
                    }
                    let want = v.iter().any(|&c| c >= 0xC4);
                    assert_eq!(has_lead_above_latin1(&v), want, "{n} {pos} {b:#x}");
                }
            }
        }
    }

    #[test]
    fn golden() {
        assert_eq!(enc(""), "00");
        assert_eq!(enc("abc"), "0c616263");
        assert_eq!(enc("héllo"), "1468e96c6c6f");
        assert_eq!(enc("😀"), "12f09f9880");
        assert_eq!(enc("你好"), "1ae4bda0e5a5bd");
    }

    #[test]
    fn reads_all_codings() {
        for (hex_in, want) in [
            ("0c616263", "abc"),
            ("11604f7d59", "你好"),
            ("12f09f9880", "😀"),
            ("1468e96c6c6f", "héllo"),
        ] {
            let b = hex::decode(hex_in).unwrap();
            let mut r = Reader::new(&b);
            assert_eq!(read_string(&mut r).unwrap(), want);
            assert_eq!(r.remaining(), 0);
        }
        // coding 3 is reserved; odd UTF-16 and bad UTF-8 are errors
        for bad in ["0361", "0561", "0aff"] {
            let b = hex::decode(bad).unwrap();
            assert!(read_string(&mut Reader::new(&b)).is_err(), "{bad}");
        }
        // a 1 GiB claim in a tiny stream
        let b = hex::decode("80808080040000").unwrap();
        assert!(matches!(
            read_string(&mut Reader::new(&b)),
            Err(Error::LengthLimit { .. })
        ));
    }

    /// The borrowing readers take the same bytes as `read_string`, borrow
    /// exactly the ASCII Latin-1 and UTF-8 bodies, and fail where it fails.
    #[test]
    fn borrowing_readers_agree_with_read_string() {
        use std::borrow::Cow;
        for (hex_in, borrowable) in [
            ("0c616263", true),      // Latin-1, ASCII
            ("00", true),            // empty
            ("11604f7d59", false),   // UTF-16
            ("12f09f9880", true),    // UTF-8
            ("1468e96c6c6f", false), // Latin-1 past ASCII
        ] {
            let b = hex::decode(hex_in).unwrap();
            let want = read_string(&mut Reader::new(&b)).unwrap();
            let mut r = Reader::new(&b);
            let cow = read_str_cow(&mut r).unwrap();
            assert_eq!(r.remaining(), 0);
            assert_eq!(cow, want);
            assert_eq!(matches!(cow, Cow::Borrowed(_)), borrowable, "{hex_in}");
            let mut r = Reader::new(&b);
            match read_str(&mut r) {
                Ok(s) => {
                    assert!(borrowable, "{hex_in}");
                    assert_eq!(s, want);
                    assert_eq!(s.as_ptr(), b[1..].as_ptr());
                    assert_eq!(r.remaining(), 0);
                }
                Err(e) => {
                    assert!(!borrowable, "{hex_in}");
                    assert!(matches!(e, Error::TypeMismatch { offset: 0, .. }), "{e}");
                }
            }
        }
        for bad in ["0361", "0561", "0aff", "80808080040000", "0c61"] {
            let b = hex::decode(bad).unwrap();
            assert!(read_str(&mut Reader::new(&b)).is_err(), "{bad}");
            assert!(read_str_cow(&mut Reader::new(&b)).is_err(), "{bad}");
        }
    }
}
