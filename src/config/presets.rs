//! IdP presets: a provider names its IdP (`okta`, `keycloak`, `auth0`,
//! `entra`, `google`) instead of typing the issuer, the key URL and where
//! groups and roles live. Each expands, after the schema is applied, into
//! the native fields (which `claimcheck convert` prints); fields the user
//! gave explicitly still apply, and a key source in `jwks` replaces the
//! preset's.

use super::error::{closest, ConfigError};
use super::origin::Origin;
use super::schema::{ClaimPaths, ConfigFile, EntraPreset, KeycloakPreset, OktaPreset, Provider};

/// What one preset expands to.
struct Expansion {
    preset: &'static str,
    issuer: String,
    jwks_url: String,
    groups: Vec<Vec<String>>,
    roles: Vec<Vec<String>>,
    typ_claim: Option<&'static str>,
    allowed_tenants: Option<Vec<String>>,
}

fn path(text: &str) -> Vec<String> {
    ClaimPaths::parse_path(text)
}

/// Expands every provider's preset in place. Errors name native paths
/// (the caller relocates them); the expansion is recorded in `origin`.
pub(crate) fn expand(file: &mut ConfigFile, origin: &mut Origin) -> Result<(), ConfigError> {
    let Some(auth) = file.authentication.as_mut() else {
        return Ok(());
    };
    for (i, p) in auth.providers.iter_mut().enumerate() {
        let base = format!("authentication.providers[{i}]");
        let presets = p.presets();
        let preset = match presets.as_slice() {
            [] => continue,
            [one] => *one,
            [first, second, ..] => {
                return Err(ConfigError::invalid(
                    format!("{base}.{second}"),
                    format!("give one IdP preset: `{first}` and `{second}` are both set"),
                ))
            }
        };
        let at = format!("{base}.{preset}");
        let x = match preset {
            "okta" => okta(p.okta.as_ref(), &at)?,
            "keycloak" => keycloak(p.keycloak.as_ref(), p, &at)?,
            "auth0" => auth0(p.auth0.as_ref().map(|a| a.domain.as_str()), &at)?,
            "entra" => entra(p.entra.as_ref(), &at)?,
            _ => google(),
        };
        apply(p, x, &base, origin)?;
    }
    Ok(())
}

fn apply(p: &mut Provider, x: Expansion, base: &str, origin: &mut Origin) -> Result<(), ConfigError> {
    let at = format!("{base}.{}", x.preset);
    if !p.issuer.is_empty() {
        return Err(ConfigError::invalid(
            format!("{base}.issuer"),
            format!(
                "`{}` sets the issuer (`{}`); remove `issuer`, or the preset",
                x.preset, x.issuer
            ),
        ));
    }
    if x.allowed_tenants.is_some() && p.allowed_tenants.is_some() {
        return Err(ConfigError::invalid(
            format!("{base}.allowedTenants"),
            "with `entra`, list the tenants in `entra.allowedTenants`",
        ));
    }
    let user_base = origin.paths.user_path(base);
    let user_at = origin.paths.user_path(&at);
    p.issuer = x.issuer.clone();
    origin.paths.add(format!("{base}.issuer"), user_at.clone());
    let j = &p.jwks;
    let has_source = has_key_source(j);
    let keys = if has_source {
        format!("keys from `{user_base}.jwks` (replacing the preset's `{}`)", x.jwks_url)
    } else {
        p.jwks.url = Some(x.jwks_url.clone());
        origin.paths.add(format!("{base}.jwks.url"), user_at.clone());
        format!("keys `{}`", x.jwks_url)
    };
    let describe = |paths: &[Vec<String>]| -> String {
        if paths.is_empty() {
            "nothing".to_owned()
        } else {
            paths.iter().map(|s| format!("`{}`", s.join("."))).collect::<Vec<_>>().join(" and ")
        }
    };
    let groups = p.groups_claim.get_or_insert_with(|| ClaimPaths(x.groups.clone()));
    let groups_text = describe(&groups.0);
    let roles = p.roles_claim.get_or_insert_with(|| ClaimPaths(x.roles.clone()));
    let roles_text = describe(&roles.0);
    let mut line = format!(
        "{user_at} -> issuer `{}`, {keys}, auth.groups from {groups_text}, auth.roles from {roles_text}",
        p.issuer
    );
    if let Some(typ) = x.typ_claim {
        if p.typ_claim.is_none() {
            p.typ_claim = Some(typ.to_owned());
        }
        line.push_str(&format!(", `typ` claim `{}` required when present (ID and refresh tokens refused)", p.typ_claim.as_deref().unwrap_or(typ)));
    }
    if let Some(tenants) = x.allowed_tenants {
        line.push_str(&format!(", tenants {}", tenants.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")));
        p.allowed_tenants = Some(tenants);
        origin.paths.add(format!("{base}.allowedTenants"), format!("{user_at}.allowedTenants"));
    }
    origin.mapped.push(line);
    p.okta = None;
    p.keycloak = None;
    p.auth0 = None;
    p.entra = None;
    p.google = None;
    Ok(())
}

/// Whether `jwks` names a key source of its own (which replaces the preset's).
fn has_key_source(j: &super::schema::Jwks) -> bool {
    j.url.is_some() || j.remote.is_some() || j.discovery == Some(true) || j.file.is_some() || j.inline.is_some()
}

/// A host name (with an optional port), as the presets take them.
fn host(value: &str, at: &str) -> Result<String, ConfigError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ConfigError::invalid(at, "must not be empty"));
    }
    for scheme in ["https://", "http://"] {
        if let Some(rest) = v.strip_prefix(scheme) {
            return Err(ConfigError::invalid(
                at,
                format!("write the host only, such as `{}`", rest.trim_end_matches('/')),
            ));
        }
    }
    if v.contains(['/', '@', '?', '#', '\\']) || v.contains(char::is_whitespace) {
        return Err(ConfigError::invalid(at, format!("`{v}` is not a host name")));
    }
    Ok(v.to_owned())
}

fn segment(value: &str, at: &str) -> Result<String, ConfigError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ConfigError::invalid(at, "must not be empty"));
    }
    if v.contains(['/', '?', '#']) || v.contains(char::is_whitespace) {
        return Err(ConfigError::invalid(at, format!("`{v}` is a name, not a path or URL")));
    }
    Ok(v.to_owned())
}

fn okta(o: Option<&OktaPreset>, at: &str) -> Result<Expansion, ConfigError> {
    let o = o.cloned().unwrap_or_default();
    let domain = host(&o.domain, &format!("{at}.domain"))?;
    let server = match &o.authorization_server {
        Some(s) => segment(s, &format!("{at}.authorizationServer"))?,
        None => "default".to_owned(),
    };
    let issuer = format!("https://{domain}/oauth2/{server}");
    Ok(Expansion {
        preset: "okta",
        jwks_url: format!("{issuer}/v1/keys"),
        issuer,
        groups: vec![path("groups")],
        roles: vec![],
        typ_claim: None,
        allowed_tenants: None,
    })
}

fn keycloak(k: Option<&KeycloakPreset>, p: &Provider, at: &str) -> Result<Expansion, ConfigError> {
    let k = k.cloned().unwrap_or_default();
    let url_at = format!("{at}.url");
    let url = k.url.trim().trim_end_matches('/').to_owned();
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let Some(rest) = rest else {
        return Err(ConfigError::invalid(url_at, format!("`{url}` is not an http(s) URL")));
    };
    if rest.split(['/', '?', '#']).next().unwrap_or("").is_empty() {
        return Err(ConfigError::invalid(url_at, format!("`{url}` has no host")));
    }
    if url.contains("/realms/") || url.ends_with("/realms") {
        return Err(ConfigError::invalid(
            url_at,
            "give the server's base URL (such as `https://keycloak.example.com`); the realm goes in `realm`",
        ));
    }
    let realm = segment(&k.realm, &format!("{at}.realm"))?;
    let issuer = format!("{url}/realms/{realm}");
    let j = &p.jwks;
    let own_source = has_key_source(j);
    if url.starts_with("http://") && !own_source && !j.allow_http {
        return Err(ConfigError::invalid(
            url_at,
            format!("`{url}` is plain HTTP; keys must come over HTTPS (set `jwks: {{allowHttp: true}}` for a local test server)"),
        ));
    }
    let mut roles = vec![path("realm_access.roles")];
    if let Some(client) = &k.client {
        let client = client.trim();
        if client.is_empty() {
            return Err(ConfigError::invalid(format!("{at}.client"), "must not be empty"));
        }
        roles.push(vec!["resource_access".to_owned(), client.to_owned(), "roles".to_owned()]);
    }
    Ok(Expansion {
        preset: "keycloak",
        jwks_url: format!("{issuer}/protocol/openid-connect/certs"),
        issuer,
        groups: vec![path("groups")],
        roles,
        typ_claim: Some("Bearer"),
        allowed_tenants: None,
    })
}

fn auth0(domain: Option<&str>, at: &str) -> Result<Expansion, ConfigError> {
    let domain = host(domain.unwrap_or(""), &format!("{at}.domain"))?;
    Ok(Expansion {
        preset: "auth0",
        issuer: format!("https://{domain}/"),
        jwks_url: format!("https://{domain}/.well-known/jwks.json"),
        groups: vec![],
        roles: vec![path("permissions")],
        typ_claim: None,
        allowed_tenants: None,
    })
}

/// A tenant id: a GUID in its 8-4-4-4-12 hex form.
fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

const MULTI_TENANT: [&str; 2] = ["organizations", "common"];

fn entra(e: Option<&EntraPreset>, at: &str) -> Result<Expansion, ConfigError> {
    let e = e.cloned().unwrap_or_default();
    let tenant_at = format!("{at}.tenant");
    let tenant = e.tenant.trim().to_ascii_lowercase();
    let version = match e.version {
        None | Some(2) => 2,
        Some(1) => 1,
        Some(other) => {
            return Err(ConfigError::invalid(
                format!("{at}.version"),
                format!("`{other}` is no Entra access token version; write 1 or 2"),
            ))
        }
    };
    let multi = MULTI_TENANT.contains(&tenant.as_str());
    if !multi && !is_guid(&tenant) {
        let mut msg = if tenant.is_empty() {
            "must not be empty".to_owned()
        } else {
            format!("`{}` is not a tenant id", e.tenant.trim())
        };
        if let Some(best) = closest(&tenant, MULTI_TENANT) {
            msg.push_str(&format!("; did you mean `{best}`?"));
        } else {
            msg.push_str(": Entra's issuer carries the tenant id (a GUID such as `72f988bf-86f1-41af-91ab-2d7cd011db47`), not a domain name; or write `organizations` or `common` with `allowedTenants`");
        }
        return Err(ConfigError::invalid(tenant_at, msg));
    }
    let allowed_at = format!("{at}.allowedTenants");
    let allowed = match (multi, &e.allowed_tenants) {
        (true, None) => {
            return Err(ConfigError::invalid(
                allowed_at,
                format!("`tenant: {tenant}` accepts tokens from any Entra tenant: list the tenant ids you accept in `allowedTenants`"),
            ))
        }
        (true, Some(list)) if list.is_empty() => {
            return Err(ConfigError::invalid(allowed_at, "must name at least one tenant id"))
        }
        (true, Some(list)) => {
            for (i, t) in list.iter().enumerate() {
                if !is_guid(t.trim()) {
                    return Err(ConfigError::invalid(
                        format!("{allowed_at}[{i}]"),
                        format!("`{t}` is not a tenant id (a GUID, the token's `tid`)"),
                    ));
                }
            }
            Some(list.iter().map(|t| t.trim().to_ascii_lowercase()).collect())
        }
        (false, Some(_)) => {
            return Err(ConfigError::invalid(
                allowed_at,
                "only applies to `tenant: organizations` or `tenant: common`; a tenant id accepts that tenant alone",
            ))
        }
        (false, None) => None,
    };
    let issuer_tenant = if multi { "{tenantid}" } else { tenant.as_str() };
    let (issuer, jwks_url) = if version == 2 {
        (
            format!("https://login.microsoftonline.com/{issuer_tenant}/v2.0"),
            format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"),
        )
    } else {
        (
            format!("https://sts.windows.net/{issuer_tenant}/"),
            format!("https://login.microsoftonline.com/{tenant}/discovery/keys"),
        )
    };
    Ok(Expansion {
        preset: "entra",
        issuer,
        jwks_url,
        groups: vec![path("groups")],
        roles: vec![path("roles")],
        typ_claim: None,
        allowed_tenants: allowed,
    })
}

fn google() -> Expansion {
    Expansion {
        preset: "google",
        issuer: "https://accounts.google.com".to_owned(),
        jwks_url: "https://www.googleapis.com/oauth2/v3/certs".to_owned(),
        groups: vec![],
        roles: vec![],
        typ_claim: None,
        allowed_tenants: None,
    }
}

#[cfg(test)]
mod tests {
    use super::is_guid;

    #[test]
    fn tenant_ids_are_guids() {
        assert!(is_guid("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert!(!is_guid("contoso.onmicrosoft.com"));
        assert!(!is_guid("72f988bf-86f1-41af-91ab-2d7cd011db4"));
        assert!(!is_guid("72f988bf86f141af91ab2d7cd011db47"));
    }
}
