//! What the loader needs to know about a key URL's host: whether it is on
//! this machine. Decided from a parsed IP literal or the exact name
//! `localhost`, never from a string prefix (`http://127.attacker.example`
//! is not loopback).

use std::net::{Ipv4Addr, Ipv6Addr};

/// True when `url` is `http://` or `https://` with a host that is a
/// loopback IP literal (127.0.0.0/8, `[::1]`) or exactly `localhost` (any
/// case), and nothing that could make a client read the host differently:
/// no user info (`127.0.0.1@evil`), no backslash, no percent-escapes in
/// the authority, and a port (if any) of digits only.
pub(crate) fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains(['@', '\\', '%']) || authority.contains(char::is_whitespace) {
        return false;
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        match inner.split_once(']') {
            Some((host, after)) => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => return false,
            },
            None => return false,
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    if authority.starts_with('[') {
        return host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    host.eq_ignore_ascii_case("localhost") || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn loopback_is_an_ip_literal_or_exactly_localhost() {
        for url in [
            "http://localhost:7080/keys",
            "http://LOCALHOST/keys",
            "http://127.0.0.1/keys",
            "http://127.255.3.4:9/keys",
            "http://[::1]:80/keys",
            "http://[::1]/keys",
            "https://127.0.0.1?x",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://127.attacker.example/jwks",
            "http://127.0.0.1.attacker.example/jwks",
            "http://127.0.0.1@attacker.example/jwks",
            "http://attacker.example@127.0.0.1/jwks",
            "http://127.0.0.1\\@attacker.example/jwks",
            "http://127.0.0.1%2f@attacker.example/",
            "http://localhost.evil.com/keys",
            "http://localhost./keys",
            "http://127.1/keys",
            "http://0177.0.0.1/keys",
            "http://[::ffff:127.0.0.1]/keys",
            "http://[::1]x/keys",
            "http://127.0.0.1:80x/keys",
            "http://127.0.0.1:/keys",
            "http://idp.example.com/keys",
            "ftp://127.0.0.1/keys",
            "127.0.0.1/keys",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
