//! Capture timestamps: exact (secs, nanos) in the core, chrono only when formatting.

use std::fmt;

/// A capture timestamp, exact to the nanosecond, plus how many fractional digits the
/// source recorded (6 for classic pcap, 9 for nanosecond pcap, per `if_tsresol` for pcapng).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    /// The time of a frame whose record carries none (a pcapng Simple Packet Block, or a
    /// Custom Block numbered as a frame). It orders before every known time, is never shown
    /// as a date, and every duration involving it is unknown too.
    pub const UNKNOWN: Timestamp = Timestamp {
        secs: i64::MIN,
        nanos: 0,
    };

    pub const fn new(secs: i64, nanos: u32) -> Self {
        Self { secs, nanos }
    }

    /// False for [`Timestamp::UNKNOWN`].
    pub const fn is_known(self) -> bool {
        self.secs != i64::MIN
    }

    /// Nanoseconds since the epoch (saturating; fine for any capture date).
    pub fn as_nanos(self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// `self - earlier` in milliseconds (negative when `earlier` is later); NaN when either
    /// time is unknown. Latencies and findings use [`Timestamp::checked_millis_since`].
    pub fn millis_since(self, earlier: Timestamp) -> f64 {
        self.checked_millis_since(earlier).unwrap_or(f64::NAN)
    }

    /// `self - earlier` in milliseconds, `None` when either time is unknown.
    pub fn checked_millis_since(self, earlier: Timestamp) -> Option<f64> {
        (self.is_known() && earlier.is_known())
            .then(|| (self.as_nanos() - earlier.as_nanos()) as f64 / 1e6)
    }

    /// Whole seconds from `earlier` to `self` (saturating), `None` when either time is
    /// unknown: no time-based rule (idle splits, timeouts, windows) may use an unknown time.
    pub fn secs_since(self, earlier: Timestamp) -> Option<i64> {
        (self.is_known() && earlier.is_known()).then(|| self.secs.saturating_sub(earlier.secs))
    }

    /// RFC 3339 in UTC with `digits` fractional digits (0..=9), e.g. `2026-11-28T02:10:00.123456Z`.
    pub fn rfc3339(self, digits: u8) -> Rfc3339 {
        Rfc3339 {
            ts: self,
            digits: digits.min(9),
        }
    }
}

/// Display adapter returned by [`Timestamp::rfc3339`]; formats without allocating.
pub struct Rfc3339 {
    ts: Timestamp,
    digits: u8,
}

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::{Datelike, Timelike};
        if !self.ts.is_known() {
            return f.write_str("unknown");
        }
        // Fields rather than a strftime pattern: this runs once per exported message.
        match chrono::DateTime::from_timestamp(self.ts.secs, 0) {
            Some(dt) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second()
            )?,
            None => write!(f, "@{}", self.ts.secs)?,
        }
        if self.digits > 0 {
            let scaled = self.ts.nanos / 10u32.pow(9 - u32::from(self.digits));
            write!(f, ".{:0width$}", scaled, width = usize::from(self.digits))?;
        }
        f.write_str("Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_keeps_the_requested_precision() {
        let ts = Timestamp::new(1_700_000_000, 123_456_789);
        assert_eq!(ts.rfc3339(9).to_string(), "2023-11-14T22:13:20.123456789Z");
        assert_eq!(ts.rfc3339(6).to_string(), "2023-11-14T22:13:20.123456Z");
        assert_eq!(ts.rfc3339(0).to_string(), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn unknown_times_have_no_date_and_no_durations() {
        let unknown = Timestamp::UNKNOWN;
        let known = Timestamp::new(0, 0);
        assert!(!unknown.is_known());
        assert!(known.is_known());
        assert_eq!(unknown.rfc3339(6).to_string(), "unknown");
        assert_eq!(known.rfc3339(0).to_string(), "1970-01-01T00:00:00Z");
        assert!(unknown < known);
        for (a, b) in [(unknown, known), (known, unknown), (unknown, unknown)] {
            assert_eq!(a.checked_millis_since(b), None);
            assert_eq!(a.secs_since(b), None);
            assert!(a.millis_since(b).is_nan());
        }
        assert_eq!(Timestamp::new(5, 0).secs_since(known), Some(5));
        assert_eq!(
            Timestamp::new(5, 0).checked_millis_since(known),
            Some(5000.0)
        );
    }

    #[test]
    fn millis_between_timestamps() {
        let a = Timestamp::new(10, 900_000_000);
        let b = Timestamp::new(11, 1_000_000);
        assert!((b.millis_since(a) - 101.0).abs() < 1e-9);
    }
}
