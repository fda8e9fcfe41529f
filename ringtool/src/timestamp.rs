//! The minute-resolution date stamp stored in a gsrt header.

use crate::Error;

/// A UTC date and time to the minute, as stored at offset 0x00A of a gsrt header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// Full year, e.g. 2024.
    pub year: u16,
    /// 1 ..= 12.
    pub month: u8,
    /// 1 ..= 31.
    pub day: u8,
    /// 0 ..= 23.
    pub hour: u8,
    /// 0 ..= 59.
    pub minute: u8,
}

impl Timestamp {
    /// The UTC civil time of `secs` seconds since 1970-01-01T00:00Z, seconds dropped.
    ///
    /// Uses Howard Hinnant's days-to-civil algorithm (proleptic Gregorian
    /// calendar); years outside 0 ..= 65535 are clamped to that range.
    pub fn from_unix(secs: i64) -> Timestamp {
        const MIN_SECS: i64 = -62_167_219_200; // 0000-01-01T00:00Z
        const MAX_SECS: i64 = 2_005_949_145_540; // 65535-12-31T23:59Z
        let secs = secs.clamp(MIN_SECS, MAX_SECS);
        let days = secs.div_euclid(86_400);
        let of_day = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Timestamp {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: (of_day / 3600) as u8,
            minute: (of_day % 3600 / 60) as u8,
        }
    }

    /// The stamp reproducible builds ask for: `SOURCE_DATE_EPOCH` when that
    /// variable is set, else `fallback`. A set but unparsable value is an error.
    pub fn from_source_date_epoch(fallback: Timestamp) -> Result<Timestamp, Error> {
        match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(text) => Timestamp::from_epoch_text(&text),
            Err(_) => Ok(fallback),
        }
    }

    /// Parses a `SOURCE_DATE_EPOCH` value (whole seconds since 1970, UTC).
    pub fn from_epoch_text(text: &str) -> Result<Timestamp, Error> {
        text.trim()
            .parse::<i64>()
            .map(Timestamp::from_unix)
            .map_err(|_| Error::InvalidOption(format!("SOURCE_DATE_EPOCH {text:?} is not a whole number of seconds")))
    }

    /// Whether every field is inside its calendar range (the day is checked against the month).
    pub fn is_valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(i64::from(self.year), u32::from(self.month))
            && self.hour < 24
            && self.minute < 60
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02} {:02}:{:02}", self.year, self.month, self.day, self.hour, self.minute)
    }
}

/// (year, month 1..=12, day 1..=31) of the day `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u8 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(year: u16, month: u8, day: u8, hour: u8, minute: u8) -> Timestamp {
        Timestamp { year, month, day, hour, minute }
    }

    #[test]
    fn known_instants() {
        assert_eq!(Timestamp::from_unix(0), ts(1970, 1, 1, 0, 0));
        assert_eq!(Timestamp::from_unix(951_782_400), ts(2000, 2, 29, 0, 0));
        assert_eq!(Timestamp::from_unix(1_700_000_000), ts(2023, 11, 14, 22, 13));
        assert_eq!(Timestamp::from_unix(4_107_542_399), ts(2100, 2, 28, 23, 59));
        assert_eq!(Timestamp::from_unix(-1), ts(1969, 12, 31, 23, 59));
    }

    #[test]
    fn extremes_clamp_instead_of_wrapping() {
        assert_eq!(Timestamp::from_unix(i64::MAX).year, 65535);
        assert_eq!(Timestamp::from_unix(i64::MIN).year, 0);
    }

    #[test]
    fn every_day_of_four_centuries_is_valid_and_increasing() {
        let mut last = Timestamp::from_unix(0);
        for day in 1..146_097i64 {
            let t = Timestamp::from_unix(day * 86_400);
            assert!(t.is_valid(), "{t}");
            assert!((t.year, t.month, t.day) > (last.year, last.month, last.day), "{t}");
            last = t;
        }
        assert_eq!(last, ts(2369, 12, 31, 0, 0));
    }

    #[test]
    fn epoch_text() {
        assert_eq!(Timestamp::from_epoch_text(" 1700000000\n").unwrap(), ts(2023, 11, 14, 22, 13));
        let e = Timestamp::from_epoch_text("yesterday").unwrap_err().to_string();
        assert_eq!(e, "invalid option: SOURCE_DATE_EPOCH \"yesterday\" is not a whole number of seconds");
    }

    #[test]
    fn validity() {
        assert!(!ts(2023, 2, 29, 0, 0).is_valid());
        assert!(ts(2024, 2, 29, 0, 0).is_valid());
        assert!(!ts(2024, 13, 1, 0, 0).is_valid());
        assert!(!ts(2024, 1, 1, 24, 0).is_valid());
    }
}
