//! `claimcheck dev-issuer`: a development OAuth2 issuer on loopback, shaped
//! like an Okta custom authorization server: discovery documents, a JWKS,
//! and a client_credentials token endpoint issuing RS256 access tokens with
//! `scp` and `groups`. For local testing only.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use claimcheck::dev::DevKey;
use claimcheck::cli::base64url;
use claimcheck::dev::Algorithm;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tiny_http::{Header, Method, Request, Response, Server};

use crate::common::usage;

/// Run a development OAuth2 issuer on 127.0.0.1 (discovery, JWKS,
/// client_credentials tokens, key rotation). Never for production.
///
/// Endpoints (issuer = http://127.0.0.1:PORT/oauth2/default):
///   GET  {issuer}/.well-known/openid-configuration (and oauth-authorization-server)
///   GET  {issuer}/v1/keys      the JWKS
///   POST {issuer}/v1/token     grant_type=client_credentials (Basic auth or client_id/client_secret)
///   POST {issuer}/v1/rotate    new signing key; the previous one stays published
#[derive(Args)]
#[command(after_help = "Built-in clients (client_id / secret: groups; scopes):
  ai-agent / ai-agent-secret: Everyone, AI-Users; mcp:read mcp:write
  reporting-job / reporting-job-secret: Everyone; mcp:read

Examples:
  claimcheck dev-issuer --port 9400
  curl -s -u ai-agent:ai-agent-secret -d grant_type=client_credentials http://127.0.0.1:9400/oauth2/default/v1/token
  claimcheck dev-issuer --clients clients.yaml   # [{id, secret, groups: [..], scopes: [..]}]")]
pub struct DevIssuerArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 9400)]
    port: u16,
    /// A YAML/JSON list of clients `{id, secret, groups, scopes, claims}`.
    #[arg(long, value_name = "FILE")]
    clients: Option<PathBuf>,
    /// The `aud` of issued tokens.
    #[arg(long, default_value = "api://default")]
    audience: String,
    /// Token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    ttl: u64,
}

/// A client the issuer knows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// client_id.
    pub id: String,
    /// client_secret.
    pub secret: String,
    /// `groups` claim.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Scopes the client may ask for (all of them by default).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Extra claims.
    #[serde(default)]
    pub claims: Map<String, Value>,
}

/// The built-in clients.
pub fn default_clients() -> Vec<Client> {
    vec![
        Client {
            id: "ai-agent".into(),
            secret: "ai-agent-secret".into(),
            groups: vec!["Everyone".into(), "AI-Users".into()],
            scopes: vec!["mcp:read".into(), "mcp:write".into()],
            claims: Map::new(),
        },
        Client {
            id: "reporting-job".into(),
            secret: "reporting-job-secret".into(),
            groups: vec!["Everyone".into()],
            scopes: vec!["mcp:read".into()],
            claims: Map::new(),
        },
    ]
}

struct Keys {
    current: DevKey,
    previous: Option<DevKey>,
    generation: u64,
}

/// A running development issuer.
pub struct DevIssuer {
    /// `http://127.0.0.1:PORT/oauth2/default`.
    pub issuer: String,
    server: Arc<Server>,
    keys: Arc<Mutex<Keys>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DevIssuer {
    /// Starts the issuer on 127.0.0.1:`port` in a background thread.
    pub fn start(port: u16, clients: Vec<Client>, audience: String, ttl: u64) -> Result<DevIssuer, String> {
        let server = Server::http(("127.0.0.1", port)).map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let port = server.server_addr().to_ip().map(|a| a.port()).ok_or("no port")?;
        let issuer = format!("http://127.0.0.1:{port}/oauth2/default");
        let keys = Arc::new(Mutex::new(Keys { current: new_key(1)?, previous: None, generation: 1 }));
        let server = Arc::new(server);
        let state = State { issuer: issuer.clone(), keys: keys.clone(), clients, audience, ttl, jti: AtomicU64::new(1) };
        let srv = server.clone();
        let thread = std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                state.handle(request);
            }
        });
        Ok(DevIssuer { issuer, server, keys, thread: Some(thread) })
    }

    /// Rotates the signing key; returns the new `kid`.
    pub fn rotate(&self) -> Result<String, String> {
        rotate(&self.keys)
    }
}

impl Drop for DevIssuer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn new_key(generation: u64) -> Result<DevKey, String> {
    DevKey::generate(Algorithm::RS256, &format!("dev-key-{generation}"))
}

fn rotate(keys: &Mutex<Keys>) -> Result<String, String> {
    let mut k = keys.lock().map_err(|_| "key lock poisoned")?;
    let generation = k.generation + 1;
    let fresh = new_key(generation)?;
    let kid = fresh.kid().to_owned();
    let old = std::mem::replace(&mut k.current, fresh);
    k.previous = Some(old);
    k.generation = generation;
    Ok(kid)
}

struct State {
    issuer: String,
    keys: Arc<Mutex<Keys>>,
    clients: Vec<Client>,
    audience: String,
    ttl: u64,
    jti: AtomicU64,
}

fn json_response(status: u16, body: &Value) -> Response<std::io::Cursor<Vec<u8>>> {
    let mut r = Response::from_data(body.to_string().into_bytes()).with_status_code(status);
    if let Ok(h) = Header::from_bytes("Content-Type", "application/json") {
        r.add_header(h);
    }
    r
}

impl State {
    fn handle(&self, mut request: Request) {
        let url = request.url().split('?').next().unwrap_or("").to_owned();
        let path = url.strip_prefix("/oauth2/default").unwrap_or("<none>");
        let response = match (request.method(), path) {
            (Method::Get, "/.well-known/openid-configuration") | (Method::Get, "/.well-known/oauth-authorization-server") => {
                json_response(200, &self.metadata())
            }
            (Method::Get, "/v1/keys") => match self.keys.lock() {
                Ok(k) => {
                    let mut published = vec![&k.current];
                    published.extend(k.previous.as_ref());
                    json_response(200, &DevKey::jwks(&published))
                }
                Err(_) => json_response(500, &json!({"error": "server_error"})),
            },
            (Method::Post, "/v1/token") => {
                let mut body = String::new();
                let _ = request.as_reader().take(64 * 1024).read_to_string(&mut body);
                let basic = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("authorization"))
                    .map(|h| h.value.as_str().to_owned());
                match self.token(&body, basic.as_deref()) {
                    Ok(v) => json_response(200, &v),
                    Err((status, error)) => json_response(status, &json!({"error": error})),
                }
            }
            (Method::Post, "/v1/rotate") => match rotate(&self.keys) {
                Ok(kid) => json_response(200, &json!({"kid": kid})),
                Err(e) => json_response(500, &json!({"error": e})),
            },
            _ => json_response(404, &json!({"error": "not_found"})),
        };
        let _ = request.respond(response);
    }

    fn metadata(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "jwks_uri": format!("{}/v1/keys", self.issuer),
            "token_endpoint": format!("{}/v1/token", self.issuer),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["mcp:read", "mcp:write"],
            "response_types_supported": ["token"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })
    }

    fn token(&self, body: &str, authorization: Option<&str>) -> Result<Value, (u16, &'static str)> {
        let form: BTreeMap<String, String> = body
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (decode(k), decode(v)))
            .collect();
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return Err((400, "unsupported_grant_type"));
        }
        let (id, secret) = match authorization.and_then(|a| a.strip_prefix("Basic ").or_else(|| a.strip_prefix("basic "))) {
            Some(b64) => {
                use base64::Engine;
                let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|_| (401, "invalid_client"))?;
                let raw = String::from_utf8(raw).map_err(|_| (401, "invalid_client"))?;
                let (i, s) = raw.split_once(':').ok_or((401, "invalid_client"))?;
                (decode(i), decode(s))
            }
            None => (
                form.get("client_id").cloned().unwrap_or_default(),
                form.get("client_secret").cloned().unwrap_or_default(),
            ),
        };
        let client = self.clients.iter().find(|c| c.id == id && c.secret == secret).ok_or((401, "invalid_client"))?;
        let scopes: Vec<String> = match form.get("scope") {
            Some(s) => {
                let asked: Vec<String> = s.split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
                if asked.iter().any(|a| !client.scopes.contains(a)) {
                    return Err((400, "invalid_scope"));
                }
                asked
            }
            None => client.scopes.clone(),
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let mut claims = json!({
            "ver": 1,
            "jti": format!("AT.dev-{}", self.jti.fetch_add(1, Ordering::Relaxed)),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.ttl,
            "cid": client.id,
            "scp": scopes,
            "sub": client.id,
            "groups": client.groups,
        });
        if let Some(obj) = claims.as_object_mut() {
            for (k, v) in &client.claims {
                obj.insert(k.clone(), v.clone());
            }
        }
        let keys = self.keys.lock().map_err(|_| (500, "server_error"))?;
        let token = keys.current.sign(&claims, None, &Map::new()).map_err(|_| (500, "server_error"))?;
        Ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": self.ttl, "scope": scopes.join(" ")}))
    }
}

/// A form field, percent-decoded (`+` is a space).
fn decode(text: &str) -> String {
    claimcheck::cli::percent_decode(text).map(|c| c.into_owned()).unwrap_or_default()
}

/// The token's claims, decoded without verification (for transcripts).
pub fn unverified_claims(token: &str) -> Value {
    token
        .split('.')
        .nth(1)
        .and_then(|p| base64url::decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

/// Runs `claimcheck dev-issuer` until interrupted.
pub fn run(args: DevIssuerArgs) -> ExitCode {
    let clients = match &args.clients {
        None => default_clients(),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_saphyr::from_str::<Vec<Client>>(&t).map_err(|e| e.to_string()))
        {
            Ok(c) => c,
            Err(e) => return usage("dev-issuer", format!("`{}`: {e}", path.display())),
        },
    };
    let issuer = match DevIssuer::start(args.port, clients, args.audience, args.ttl) {
        Ok(i) => i,
        Err(e) => return usage("dev-issuer", e),
    };
    // A closed stdout (the caller stopped reading) must not stop the server.
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "development issuer (not for production): {}", issuer.issuer);
    let _ = writeln!(out, "  discovery: {}/.well-known/openid-configuration", issuer.issuer);
    let _ = writeln!(out, "  jwks:      {}/v1/keys", issuer.issuer);
    let _ = writeln!(out, "  token:     POST {}/v1/token (client_credentials)", issuer.issuer);
    let _ = writeln!(out, "  rotate:    POST {}/v1/rotate", issuer.issuer);
    let _ = out.flush();
    loop {
        std::thread::park();
    }
}
