//! Small value types for DATE, TIMESTAMP, DURATION and DECIMAL, with
//! `chrono` conversions behind the `chrono` feature.

use num_bigint::BigInt;

use super::{Deserialize, ForyType, ReadContext, Serialize, WriteContext};
use crate::error::{Error, Result};
use crate::wire::type_id::{self as tid, TypeId};

/// A calendar date: days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date {
    /// Days since the epoch (negative before it).
    pub days: i64,
}

/// An instant: seconds and nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Seconds (floor).
    pub seconds: i64,
    /// Nanoseconds in `[0, 1e9)`.
    pub nanos: u32,
}

/// A signed span of time, floor-normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    /// Seconds (floor).
    pub seconds: i64,
    /// Nanoseconds in `[0, 1e9)`.
    pub nanos: i32,
}

/// An arbitrary-precision decimal: `unscaled * 10^-scale`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Decimal {
    /// The unscaled integer.
    pub unscaled: BigInt,
    /// The scale.
    pub scale: i32,
}

macro_rules! simple {
    ($t:ty, $id:expr, |$s:ident, $w:ident| $write:block, |$r:ident, $pos:ident| $read:block) => {
        impl ForyType for $t {
            fn type_id() -> TypeId {
                $id
            }
        }
        impl Serialize for $t {
            fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> Result<()> {
                let $s = self;
                let mut $w = ctx.writer();
                $write
                Ok(())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> Result<Self> {
                let $r = ctx.reader();
                let $pos = $r.pos();
                $read
            }
        }
    };
}

simple!(
    Date,
    tid::DATE,
    |s, w| {
        w.var_i64(s.days);
    },
    |r, _p| { Ok(Date { days: r.var_i64()? }) }
);
simple!(
    Timestamp,
    tid::TIMESTAMP,
    |s, w| {
        w.i64(s.seconds);
        w.u32(s.nanos);
    },
    |r, p| {
        let seconds = r.i64()?;
        let nanos = r.u32()?;
        if nanos >= 1_000_000_000 {
            return Err(Error::invalid(
                p,
                format!("timestamp nanos {nanos} out of range"),
            ));
        }
        Ok(Timestamp { seconds, nanos })
    }
);
simple!(
    Duration,
    tid::DURATION,
    |s, w| {
        w.var_i64(s.seconds);
        w.i32(s.nanos);
    },
    |r, p| {
        let seconds = r.var_i64()?;
        let nanos = r.i32()?;
        if !(0..1_000_000_000).contains(&nanos) {
            return Err(Error::invalid(
                p,
                format!("duration nanos {nanos} out of range"),
            ));
        }
        Ok(Duration { seconds, nanos })
    }
);
simple!(
    Decimal,
    tid::DECIMAL,
    |s, w| {
        crate::wire::decimal::write_decimal(&mut w, &s.unscaled, s.scale);
    },
    |r, _p| {
        let (unscaled, scale) = crate::wire::decimal::read_decimal(r)?;
        Ok(Decimal { unscaled, scale })
    }
);

#[cfg(feature = "chrono")]
mod chrono_conv {
    use super::*;

    impl From<chrono::NaiveDate> for Date {
        fn from(d: chrono::NaiveDate) -> Self {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
            Date {
                days: (d - epoch).num_days(),
            }
        }
    }

    impl TryFrom<Date> for chrono::NaiveDate {
        type Error = Error;
        fn try_from(d: Date) -> Result<Self> {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
            chrono::TimeDelta::try_days(d.days)
                .and_then(|delta| epoch.checked_add_signed(delta))
                .ok_or_else(|| Error::encode(format!("{} days is outside chrono's range", d.days)))
        }
    }

    impl From<chrono::DateTime<chrono::Utc>> for Timestamp {
        fn from(t: chrono::DateTime<chrono::Utc>) -> Self {
            Timestamp {
                seconds: t.timestamp(),
                nanos: t.timestamp_subsec_nanos(),
            }
        }
    }

    impl TryFrom<Timestamp> for chrono::DateTime<chrono::Utc> {
        type Error = Error;
        fn try_from(t: Timestamp) -> Result<Self> {
            chrono::DateTime::from_timestamp(t.seconds, t.nanos)
                .ok_or_else(|| Error::encode("timestamp outside chrono's range"))
        }
    }
}

#[cfg(all(test, feature = "chrono"))]
mod chrono_tests {
    use super::*;

    #[test]
    fn chrono_round_trips() {
        let d = chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
        let ours = Date::from(d);
        assert_eq!(ours.days, 19724);
        assert_eq!(chrono::NaiveDate::try_from(ours).unwrap(), d);
        let t = chrono::DateTime::from_timestamp(-1, 500_000_000).unwrap();
        let ts = Timestamp::from(t);
        assert_eq!((ts.seconds, ts.nanos), (-1, 500_000_000));
        assert_eq!(chrono::DateTime::<chrono::Utc>::try_from(ts).unwrap(), t);
        assert!(chrono::NaiveDate::try_from(Date { days: i64::MAX }).is_err());
    }
}
