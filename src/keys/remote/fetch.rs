//! One bounded HTTP GET for a JSON document (a JWKS or discovery metadata):
//! HTTPS with rustls (Mozilla roots plus `jwks.caFile`), plain HTTP only
//! when allowed, a time limit, a size limit, status 200, a JSON body, and
//! redirects followed only within the same host.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

use super::RemoteSettings;

/// Redirects followed within one host before giving up.
const MAX_REDIRECTS: usize = 3;

/// A fetched JSON document and how long the server lets us cache it.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// The parsed body.
    pub doc: Value,
    /// `Cache-Control: max-age` (`no-cache`/`no-store` count as 0).
    pub max_age: Option<Duration>,
}

/// An HTTP client configured for one remote key source.
pub(crate) struct Fetcher {
    agent: ureq::Agent,
    allow_http: bool,
    max_body: usize,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").field("allow_http", &self.allow_http).field("max_body", &self.max_body).finish()
    }
}

impl Fetcher {
    /// Builds the client; fails when `caFile` cannot be read or holds no certificate.
    pub fn new(settings: &RemoteSettings) -> Result<Fetcher, String> {
        let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        if let Some(path) = &settings.ca_file {
            roots.extend(read_ca_file(path)?);
        }
        // The crypto provider is the aws-lc-rs one we already link for
        // signatures; set explicitly so no process-wide default is needed.
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::new_with_certs(&roots))
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .build();
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(settings.fetch_timeout))
            // Redirects are followed by hand, so that another host is refused.
            .max_redirects(0)
            .http_status_as_error(false)
            .https_only(!settings.allow_http)
            .user_agent(concat!("claimcheck/", env!("CARGO_PKG_VERSION")))
            .accept("application/json, application/jwk-set+json")
            .build();
        Ok(Fetcher { agent: config.new_agent(), allow_http: settings.allow_http, max_body: settings.max_body })
    }

    /// GETs `url` and parses the body as JSON. Errors say what and where.
    pub fn get_json(&self, url: &str) -> Result<Fetched, String> {
        check_scheme(url, self.allow_http)?;
        let mut current = url.to_owned();
        for _ in 0..=MAX_REDIRECTS {
            let response = self.agent.get(&current).call().map_err(|e| format!("GET {current} failed: {e}"))?;
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = header(&response, "location")
                    .ok_or_else(|| format!("GET {current} answered {status} without a Location header"))?;
                let next = resolve_location(&current, &location)
                    .ok_or_else(|| format!("GET {current} answered {status} with an unusable Location `{location}`"))?;
                let (from, to) = (authority(&current), authority(&next));
                if !from.eq_ignore_ascii_case(to) {
                    return Err(format!("GET {current} answered {status}: redirect to another host `{to}` refused"));
                }
                check_scheme(&next, self.allow_http)
                    .map_err(|e| format!("GET {current} answered {status}: redirect refused: {e}"))?;
                current = next;
                continue;
            }
            if status != 200 {
                return Err(format!("GET {current} answered {status}, expected 200"));
            }
            let max_age = header(&response, "cache-control").and_then(|v| parse_max_age(&v));
            let content_type = header(&response, "content-type").unwrap_or_default();
            if let Some(len) = header(&response, "content-length").and_then(|v| v.trim().parse::<u64>().ok()) {
                if len > self.max_body as u64 {
                    return Err(format!(
                        "GET {current}: the body is {len} bytes, over the {}-byte limit (`limits.maxJwksSize`)",
                        self.max_body
                    ));
                }
            }
            let mut bytes = Vec::new();
            response
                .into_body()
                .into_reader()
                .take(self.max_body as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| format!("GET {current}: reading the body failed: {e}"))?;
            if bytes.len() > self.max_body {
                return Err(format!(
                    "GET {current}: the body is over the {}-byte limit (`limits.maxJwksSize`)",
                    self.max_body
                ));
            }
            let doc = crate::unique_json::from_slice(&bytes).map_err(|(e, _)| {
                format!("GET {current}: the body is not JSON (content-type `{content_type}`): {e}")
            })?;
            return Ok(Fetched { doc, max_age });
        }
        Err(format!("GET {url}: more than {MAX_REDIRECTS} redirects"))
    }
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Reads the certificates of a PEM bundle.
fn read_ca_file(path: &std::path::Path) -> Result<Vec<Certificate<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file `{}`: {e}", path.display()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(format!("the CA file `{}` is not valid PEM: {e}", path.display())),
        }
    }
    if certs.is_empty() {
        return Err(format!("the CA file `{}` holds no certificate", path.display()));
    }
    Ok(certs)
}

/// Refuses anything but https, or http when allowed.
pub(crate) fn check_scheme(url: &str, allow_http: bool) -> Result<(), String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("https://") {
        Ok(())
    } else if lower.starts_with("http://") {
        if allow_http {
            Ok(())
        } else {
            Err(format!("`{url}` is plain HTTP and `jwks.allowHttp` is off"))
        }
    } else {
        Err(format!("`{url}` is not an http(s) URL"))
    }
}

/// `scheme://` and the rest, or `None` when the URL has no scheme.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    Some((scheme, rest))
}

/// The `host[:port]` of an absolute URL (userinfo stripped).
pub(crate) fn authority(url: &str) -> &str {
    let rest = split_scheme(url).map(|(_, r)| r).unwrap_or(url);
    let auth = rest.split(['/', '?', '#']).next().unwrap_or("");
    auth.rsplit('@').next().unwrap_or(auth)
}

/// The path (with query) of an absolute URL, `/` when empty.
pub(crate) fn path_of(url: &str) -> &str {
    let rest = split_scheme(url).map(|(_, r)| r).unwrap_or(url);
    match rest.find(['/', '?', '#']) {
        Some(i) => rest.get(i..).unwrap_or("/"),
        None => "",
    }
}

/// Resolves a `Location` value against the URL that answered it.
fn resolve_location(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if split_scheme(location).is_some_and(|(s, _)| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+')) {
        return Some(location.to_owned());
    }
    let (scheme, _) = split_scheme(base)?;
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{rest}"));
    }
    let origin = format!("{scheme}://{}", authority(base));
    if location.starts_with('/') {
        return Some(format!("{origin}{location}"));
    }
    // A relative path: replace the last segment of the base path.
    let path = path_of(base);
    let path = path.split(['?', '#']).next().unwrap_or("");
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    Some(format!("{origin}{dir}/{location}"))
}

/// `max-age=N` from a `Cache-Control` value; `no-cache` and `no-store` count as 0.
pub(crate) fn parse_max_age(value: &str) -> Option<Duration> {
    let mut result = None;
    for directive in value.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        if directive == "no-cache" || directive == "no-store" {
            return Some(Duration::ZERO);
        }
        if let Some(n) = directive.strip_prefix("max-age=") {
            result = n.trim_matches('"').parse::<u64>().ok().map(Duration::from_secs);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_and_no_store_is_zero() {
        assert_eq!(parse_max_age("public, max-age=3600"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(parse_max_age("public"), None);
        assert_eq!(parse_max_age("max-age=abc"), None);
    }

    #[test]
    fn locations_resolve_against_the_base() {
        let base = "https://idp.example.com/oauth2/v1/keys?x=1";
        assert_eq!(resolve_location(base, "/k").as_deref(), Some("https://idp.example.com/k"));
        assert_eq!(resolve_location(base, "k2").as_deref(), Some("https://idp.example.com/oauth2/v1/k2"));
        assert_eq!(resolve_location(base, "//evil.example/k").as_deref(), Some("https://evil.example/k"));
        assert_eq!(resolve_location(base, "http://evil.example/k").as_deref(), Some("http://evil.example/k"));
    }

    #[test]
    fn authority_and_path_split_urls() {
        assert_eq!(authority("https://u:p@Idp.example.com:8443/a?b"), "Idp.example.com:8443");
        assert_eq!(path_of("https://idp.example.com/oauth2/default"), "/oauth2/default");
        assert_eq!(path_of("https://idp.example.com"), "");
    }

    #[test]
    fn plain_http_needs_allow_http() {
        assert!(check_scheme("http://127.0.0.1/k", false).is_err());
        assert!(check_scheme("http://127.0.0.1/k", true).is_ok());
        assert!(check_scheme("HTTPS://idp/k", false).is_ok());
        assert!(check_scheme("ftp://idp/k", true).is_err());
    }
}
