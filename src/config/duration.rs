//! Durations written as strings such as `30s`, `5m`, `1h30m` or `250ms`.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A duration read from the config; written as a string of number+unit
/// pairs (`ms`, `s`, `m`, `h`, `d`), for example `90s` or `1h30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ConfigDuration(pub Duration);

impl ConfigDuration {
    /// A duration of whole seconds.
    #[cfg(any(test, feature = "cli"))]
    pub const fn from_secs(secs: u64) -> Self {
        ConfigDuration(Duration::from_secs(secs))
    }

    /// The duration in seconds, with fractions.
    pub fn as_secs_f64(self) -> f64 {
        self.0.as_secs_f64()
    }

    /// Parses `30s`, `5m`, `1h30m`, `250ms`, `2d`, or `0`.
    pub fn parse(text: &str) -> Result<ConfigDuration, String> {
        let bad = || format!("`{text}` is not a duration; write it like `30s`, `5m` or `1h30m`");
        let text_trim = text.trim();
        if text_trim == "0" {
            return Ok(ConfigDuration(Duration::ZERO));
        }
        if text_trim.is_empty() {
            return Err(bad());
        }
        let mut total_ms: u128 = 0;
        let mut rest = text_trim;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 12 {
                return Err(bad());
            }
            let (number, after) = rest.split_at(digits);
            let value: u128 = number.parse().map_err(|_| bad())?;
            let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
            let (unit, after) = after.split_at(unit_len);
            let scale: u128 = match unit {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => return Err(bad()),
            };
            total_ms = total_ms.saturating_add(value.saturating_mul(scale));
            rest = after;
        }
        let ms = u64::try_from(total_ms).map_err(|_| bad())?;
        Ok(ConfigDuration(Duration::from_millis(ms)))
    }
}

impl fmt::Display for ConfigDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms == 0 {
            f.write_str("0s")
        } else if ms.is_multiple_of(3_600_000) {
            write!(f, "{}h", ms / 3_600_000)
        } else if ms.is_multiple_of(60_000) {
            write!(f, "{}m", ms / 60_000)
        } else if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = ConfigDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as `30s` or `5m`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                ConfigDuration::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DurationVisitor)
    }
}

impl Serialize for ConfigDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for ConfigDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^(0|([0-9]{1,12}(ms|s|m|h|d))+)$",
            "description": "A duration such as `30s`, `5m`, `1h30m` or `250ms`",
            "examples": ["60s", "5m"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(ConfigDuration::parse("30s").unwrap().0, Duration::from_secs(30));
        assert_eq!(ConfigDuration::parse("5m").unwrap().0, Duration::from_secs(300));
        assert_eq!(ConfigDuration::parse("1h30m").unwrap().0, Duration::from_secs(5400));
        assert_eq!(ConfigDuration::parse("250ms").unwrap().0, Duration::from_millis(250));
        assert_eq!(ConfigDuration::parse("0").unwrap().0, Duration::ZERO);
        assert_eq!(ConfigDuration::parse("2d").unwrap().0, Duration::from_secs(172_800));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in ["", "30", "s", "5 m", "-5s", "1.5s", "5w", "99999999999999s"] {
            let err = ConfigDuration::parse(bad).unwrap_err();
            assert!(err.contains("is not a duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn displays_in_the_largest_whole_unit() {
        assert_eq!(ConfigDuration::from_secs(300).to_string(), "5m");
        assert_eq!(ConfigDuration::from_secs(61).to_string(), "61s");
        assert_eq!(ConfigDuration(Duration::from_millis(1500)).to_string(), "1500ms");
    }
}
