//! Finding an issuer's `jwks_uri`: OpenID Connect discovery first, then RFC
//! 8414 authorization server metadata (well-known segment inserted between
//! the host and the issuer's path), then the appended form Okta also serves.

use serde_json::Value;

use super::fetch::{authority, check_scheme, path_of, Fetcher};

/// Entra's multi-tenant issuers carry this placeholder; its metadata lives
/// under the `common` tenant and repeats the placeholder in `issuer`.
const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// The metadata URLs tried for `issuer`, in order, without repeats.
pub(crate) fn candidate_urls(issuer: &str) -> Vec<String> {
    let issuer = issuer.replace(TENANT_PLACEHOLDER, "common");
    let trimmed = issuer.trim_end_matches('/');
    let scheme = trimmed.split_once("://").map(|(s, _)| s).unwrap_or("https");
    let path = path_of(trimmed).trim_end_matches('/');
    let mut urls = vec![
        format!("{trimmed}/.well-known/openid-configuration"),
        format!("{scheme}://{}/.well-known/oauth-authorization-server{path}", authority(trimmed)),
        format!("{trimmed}/.well-known/oauth-authorization-server"),
    ];
    urls.dedup();
    urls
}

/// Fetches the issuer's metadata and returns its `jwks_uri`, after checking
/// that the document's `issuer` is the configured one.
pub(crate) fn discover_jwks_uri(fetcher: &Fetcher, issuer: &str, allow_http: bool) -> Result<String, String> {
    let mut failures = Vec::new();
    for url in candidate_urls(issuer) {
        let doc = match fetcher.get_json(&url) {
            Ok(fetched) => fetched.doc,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        return jwks_uri_from(&doc, &url, issuer, allow_http);
    }
    Err(format!("discovery for issuer `{issuer}` failed: {}", failures.join("; ")))
}

/// Checks a metadata document and takes its `jwks_uri`.
fn jwks_uri_from(doc: &Value, url: &str, issuer: &str, allow_http: bool) -> Result<String, String> {
    let found = doc.get("issuer").and_then(Value::as_str);
    if found != Some(issuer) {
        return Err(format!(
            "the metadata at {url} names issuer {}, not the configured `{issuer}`",
            found.map(|i| format!("`{i}`")).unwrap_or_else(|| "none".to_owned())
        ));
    }
    let uri = doc
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the metadata at {url} has no `jwks_uri` string"))?;
    check_scheme(uri, allow_http).map_err(|e| format!("the metadata at {url} gives `jwks_uri` {e}"))?;
    Ok(uri.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn okta_issuers_try_oidc_then_rfc8414_then_appended() {
        assert_eq!(
            candidate_urls("https://org.okta.com/oauth2/default"),
            vec![
                "https://org.okta.com/oauth2/default/.well-known/openid-configuration",
                "https://org.okta.com/.well-known/oauth-authorization-server/oauth2/default",
                "https://org.okta.com/oauth2/default/.well-known/oauth-authorization-server",
            ]
        );
    }

    #[test]
    fn a_host_only_issuer_with_trailing_slash_has_two_candidates() {
        assert_eq!(
            candidate_urls("https://tenant.auth0.com/"),
            vec![
                "https://tenant.auth0.com/.well-known/openid-configuration",
                "https://tenant.auth0.com/.well-known/oauth-authorization-server",
            ]
        );
    }

    #[test]
    fn entra_templates_are_discovered_under_common() {
        let issuer = "https://login.microsoftonline.com/{tenantid}/v2.0";
        assert_eq!(
            candidate_urls(issuer).first().map(String::as_str),
            Some("https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration")
        );
        let doc = json!({"issuer": issuer, "jwks_uri": "https://login.microsoftonline.com/common/discovery/v2.0/keys"});
        assert!(jwks_uri_from(&doc, "u", issuer, false).is_ok());
        let wrong = json!({"issuer": "https://login.microsoftonline.com/common/v2.0", "jwks_uri": "https://x/keys"});
        assert!(jwks_uri_from(&wrong, "u", issuer, false).is_err());
    }

    #[test]
    fn metadata_must_name_the_issuer_and_an_https_jwks_uri() {
        let issuer = "https://idp.example.com";
        let other = json!({"issuer": "https://evil.example", "jwks_uri": "https://idp.example.com/keys"});
        let e = jwks_uri_from(&other, "u", issuer, false).unwrap_err();
        assert!(e.contains("`https://evil.example`, not the configured"), "{e}");
        let http = json!({"issuer": issuer, "jwks_uri": "http://idp.example.com/keys"});
        assert!(jwks_uri_from(&http, "u", issuer, false).is_err());
        assert!(jwks_uri_from(&http, "u", issuer, true).is_ok());
    }
}
