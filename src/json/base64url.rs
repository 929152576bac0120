//! Strict base64url (RFC 7515 §2): the URL-safe alphabet, no padding, no
//! whitespace, and no stray bits in the last character, so every token has
//! exactly one encoding.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

const STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Decodes strict base64url; the error names the problem.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    STRICT.decode(text).map_err(|e| e.to_string())
}

/// Decodes into `out`, returning the decoded length; fails when `out` is too
/// small (so callers can keep short values on the stack).
pub fn decode_into_slice(text: &str, out: &mut [u8]) -> Result<usize, String> {
    STRICT.decode_slice(text, out).map_err(|e| e.to_string())
}

/// Encodes as unpadded base64url (development keys, the CLI, tests).
#[cfg(any(test, feature = "dev-keys", feature = "cli", feature = "test-hooks"))]
pub fn encode(bytes: &[u8]) -> String {
    STRICT.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_the_canonical_unpadded_url_safe_form() {
        assert_eq!(decode("Zm9v").unwrap(), b"foo");
        assert_eq!(decode("Zm8").unwrap(), b"fo");
        assert_eq!(decode("-_8").unwrap(), vec![0xfb, 0xff]);
        for bad in ["Zm8=", "Zm9v\n", "Zm 9v", "+/8", "Zm9", "Zm?v", "Z"] {
            assert!(decode(bad).is_err(), "{bad:?} must be rejected");
        }
        // `Zm9` decodes only with stray bits set: non-canonical.
        assert!(decode("Zm9").is_err());
    }
}
