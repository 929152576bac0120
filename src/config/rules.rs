//! How a rule is written in `authorization.rules`: a bare string (allow), or
//! a one-key map `allow:`, `if:` (agentgateway's spelling of allow), `deny:`
//! or `require:`.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::rules::{RuleKind, RuleSpec};

/// One entry of `authorization.rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleEntry(pub RuleSpec);

const RULE_KEYS: &[&str] = &["allow", "if", "deny", "require"];

impl<'de> Deserialize<'de> for RuleEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RuleVisitor;
        impl<'de> Visitor<'de> for RuleVisitor {
            type Value = RuleEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CEL expression string, or a map with one of `allow`, `if`, `deny`, `require`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RuleEntry(RuleSpec { kind: RuleKind::Allow, expr: v.to_owned() }))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut found: Option<RuleSpec> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let kind = match key.as_str() {
                        "allow" | "if" => RuleKind::Allow,
                        "deny" => RuleKind::Deny,
                        "require" => RuleKind::Require,
                        _ => return Err(de::Error::unknown_field(&key, RULE_KEYS)),
                    };
                    let expr: String = map.next_value()?;
                    if found.is_some() {
                        return Err(de::Error::custom(
                            "a rule has exactly one of `allow`, `if`, `deny`, `require`",
                        ));
                    }
                    found = Some(RuleSpec { kind, expr });
                }
                found.map(RuleEntry).ok_or_else(|| {
                    de::Error::custom("a rule needs one of `allow`, `if`, `deny`, `require`")
                })
            }
        }
        deserializer.deserialize_any(RuleVisitor)
    }
}

impl Serialize for RuleEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let key = match self.0.kind {
            RuleKind::Allow => "allow",
            RuleKind::Deny => "deny",
            RuleKind::Require => "require",
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(key, &self.0.expr)?;
        map.end()
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for RuleEntry {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Rule".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one = |key: &str, what: &str| {
            serde_json::json!({
                "type": "object",
                "properties": { key: {"type": "string", "description": what} },
                "required": [key],
                "additionalProperties": false
            })
        };
        schemars::json_schema!({
            "description": "A CEL rule: a bare string allows; or one of `allow`, `if`, `deny`, `require`",
            "oneOf": [
                {"type": "string", "description": "allow when true"},
                one("allow", "allow when true"),
                one("if", "allow when true (agentgateway's spelling)"),
                one("deny", "deny when true or when it errors"),
                one("require", "must be true (an error counts as false)")
            ]
        })
    }
}
