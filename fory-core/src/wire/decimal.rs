//! DECIMAL bodies: `varint32 scale | varuint64 header | [magnitude bytes]`.
//!
//! Small form (header bit 0 clear): `header = zigzag64(unscaled) << 1`.
//! Big form: `header = (((len << 1) | sign) << 1) | 1`, then `len` bytes of
//! the magnitude, little endian, without trailing zero bytes.

use num_bigint::{BigInt, Sign};

use super::buffer::{Reader, Writer};
use crate::error::{Error, Result};

/// Largest magnitude accepted from a stream, in bytes.
pub const MAX_MAGNITUDE_BYTES: usize = 1 << 16;

/// Writes a decimal body.
pub fn write_decimal(w: &mut Writer<'_>, unscaled: &BigInt, scale: i32) {
    w.var_i32(scale);
    if let Ok(v) = i64::try_from(unscaled) {
        if (-(1i64 << 62)..(1i64 << 62)).contains(&v) {
            let zz = ((v << 1) ^ (v >> 63)) as u64;
            w.var_u64(zz << 1);
            return;
        }
    }
    let (sign, mag) = unscaled.to_bytes_le();
    let neg = sign == Sign::Minus;
    let meta = ((mag.len() as u64) << 1) | neg as u64;
    w.var_u64((meta << 1) | 1);
    w.bytes(&mag);
}

/// Reads a decimal body as `(unscaled, scale)`.
pub fn read_decimal(r: &mut Reader<'_>) -> Result<(BigInt, i32)> {
    let scale = r.var_i32()?;
    let start = r.pos();
    let header = r.var_u64()?;
    if header & 1 == 0 {
        let zz = header >> 1;
        let v = ((zz >> 1) as i64) ^ -((zz & 1) as i64);
        return Ok((BigInt::from(v), scale));
    }
    let meta = header >> 1;
    let neg = meta & 1 == 1;
    let len = meta >> 1;
    if len as usize > MAX_MAGNITUDE_BYTES {
        return Err(Error::LengthLimit {
            what: "decimal magnitude",
            len,
            limit: MAX_MAGNITUDE_BYTES as u64,
            offset: start,
        });
    }
    let len = r.ensure("decimal magnitude", len)?;
    r.charge(len)?;
    let bytes = r.take(len)?;
    let sign = if neg { Sign::Minus } else { Sign::Plus };
    Ok((BigInt::from_bytes_le(sign, bytes), scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &str, scale: i32) -> String {
        let mut out = Vec::new();
        write_decimal(&mut Writer::new(&mut out), &v.parse().unwrap(), scale);
        hex::encode(out)
    }

    #[test]
    fn golden() {
        assert_eq!(enc("123", 2), "04ec03");
        assert_eq!(enc("-123", 2), "04ea03");
        assert_eq!(enc("0", 0), "0000");
        assert_eq!(enc("9223372036854775808", 0), "00210000000000000080");
        assert_eq!(
            enc("123456789012345678901234567890", 0),
            "0035d20a3f4eeee073c3f60fe98e01"
        );
    }

    #[test]
    fn roundtrip() {
        for s in [
            "0",
            "1",
            "-1",
            "4611686018427387903",
            "-4611686018427387904",
            "4611686018427387904",
            "-98765432109876543210123456789",
        ] {
            let mut out = Vec::new();
            let v: BigInt = s.parse().unwrap();
            write_decimal(&mut Writer::new(&mut out), &v, -3);
            let mut r = Reader::new(&out);
            assert_eq!(read_decimal(&mut r).unwrap(), (v, -3));
            assert_eq!(r.remaining(), 0);
        }
    }
}
