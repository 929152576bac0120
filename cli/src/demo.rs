//! `claimcheck demo`: the flow a gateway operator follows with Okta, on
//! 127.0.0.1 only: a development issuer, a small gateway that embeds
//! claimcheck in front of a tiny upstream, and a client walking through
//! the steps. Exits 0 only when every step behaves as described.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use clap::Args;
use claimcheck::{Engine, Request};
use serde_json::{json, Value};
use tiny_http::{Header, Response, Server};

use crate::common::{usage, Paint};
use crate::devissuer::{default_clients, unverified_claims, DevIssuer};

/// Run the whole flow on loopback: issuer, gateway, upstream, client.
///
/// Exit 0 when every step behaved as described, 1 otherwise.
#[derive(Args)]
#[command(after_help = "Example:
  claimcheck demo")]
pub struct DemoArgs {}

/// The gateway's config: the issuer found by discovery, the agentgateway
/// Okta page's rule, and a scope requirement.
fn gateway_config(issuer: &str) -> String {
    format!(
        "authentication:
  mode: strict
  providers:
    - name: okta-dev
      issuer: {issuer}
      audiences: [api://default]
      jwks:
        discovery: true
        allowHttp: true          # loopback development issuer only
        minRefetchInterval: 1s   # 30s by default; short so the demo runs fast
authorization:
  rules:
    - '\"AI-Users\" in auth.claims.groups'
    - require: '\"mcp:read\" in auth.scopes'
"
    )
}

struct Running {
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

/// The upstream: answers who the gateway said the caller is.
fn start_upstream() -> Result<Running, String> {
    let server = Arc::new(Server::http("127.0.0.1:0").map_err(|e| e.to_string())?);
    let port = server.server_addr().to_ip().map(|a| a.port()).ok_or("no port")?;
    let srv = server.clone();
    let thread = std::thread::spawn(move || {
        for request in srv.incoming_requests() {
            let subject = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("x-claimcheck-subject"))
                .map(|h| h.value.to_string());
            let saw_token = request.headers().iter().any(|h| h.field.equiv("authorization"));
            let body = json!({"upstream": "hello from the tool server", "path": request.url(), "subject": subject, "saw_token": saw_token});
            let _ = request.respond(Response::from_string(body.to_string()));
        }
    });
    Ok(Running { server, thread: Some(thread), url: format!("http://127.0.0.1:{port}") })
}

/// The gateway: claimcheck decides, then the request goes upstream without
/// the credential and with the verified subject.
fn start_gateway(engine: Arc<Engine>, upstream: String) -> Result<Running, String> {
    let server = Arc::new(Server::http("127.0.0.1:0").map_err(|e| e.to_string())?);
    let port = server.server_addr().to_ip().map(|a| a.port()).ok_or("no port")?;
    let srv = server.clone();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let thread = std::thread::spawn(move || {
        for request in srv.incoming_requests() {
            let owned: Vec<(String, String)> =
                request.headers().iter().map(|h| (h.field.to_string(), h.value.to_string())).collect();
            let headers: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let method = request.method().to_string();
            let url = request.url().to_owned();
            let decision = engine.authorize(&Request {
                method: &method,
                path: &url,
                host: "127.0.0.1",
                headers: &headers,
                source_address: &request.remote_addr().map(|a| a.to_string()).unwrap_or_default(),
                ..Default::default()
            });
            if !decision.allowed {
                let body = json!({"error": decision.reason.as_str(), "message": decision.message});
                let mut r = Response::from_string(body.to_string()).with_status_code(decision.status);
                if let Some(h) = decision.www_authenticate.as_deref().and_then(|w| header("WWW-Authenticate", w)) {
                    r.add_header(h);
                }
                let _ = request.respond(r);
                continue;
            }
            let subject = decision.identity.as_ref().and_then(|i| i.subject.clone()).unwrap_or_default();
            let forwarded = agent.get(format!("{upstream}{url}")).header("x-claimcheck-subject", &subject).call();
            let response = match forwarded {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    Response::from_string(resp.body_mut().read_to_string().unwrap_or_default()).with_status_code(status)
                }
                Err(e) => Response::from_string(format!("upstream error: {e}")).with_status_code(502),
            };
            let _ = request.respond(response);
        }
    });
    Ok(Running { server, thread: Some(thread), url: format!("http://127.0.0.1:{port}") })
}

struct Client {
    agent: ureq::Agent,
}

struct Answer {
    status: u16,
    www_authenticate: Option<String>,
    body: String,
}

impl Client {
    fn get(&self, url: &str, token: Option<&str>) -> Result<Answer, String> {
        let mut req = self.agent.get(url);
        if let Some(t) = token {
            req = req.header("authorization", &format!("Bearer {t}"));
        }
        let mut resp = req.call().map_err(|e| e.to_string())?;
        let www = resp.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(Answer { status: resp.status().as_u16(), www_authenticate: www, body: resp.body_mut().read_to_string().unwrap_or_default() })
    }

    fn token(&self, issuer: &str, id: &str, secret: &str) -> Result<String, String> {
        let mut resp = self
            .agent
            .post(format!("{issuer}/v1/token"))
            .send_form([("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)])
            .map_err(|e| e.to_string())?;
        let mut text = String::new();
        resp.body_mut().as_reader().read_to_string(&mut text).map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("token endpoint answered {text}: {e}"))?;
        v["access_token"].as_str().map(str::to_owned).ok_or_else(|| format!("no access_token in {text}"))
    }
}

struct Transcript {
    paint: Paint,
    failures: usize,
}

impl Transcript {
    fn step(&mut self, title: &str) {
        println!("\n{}", self.paint.bold(&format!("== {title}")));
    }

    fn expect(&mut self, what: &str, ok: bool) {
        if ok {
            println!("   {} {what}", self.paint.good("ok"));
        } else {
            self.failures += 1;
            println!("   {} {what}", self.paint.bad("FAILED"));
        }
    }
}

fn short(token: &str) -> String {
    format!("{}...{}", token.get(..16).unwrap_or(token), token.get(token.len().saturating_sub(8)..).unwrap_or(""))
}

/// Runs `claimcheck demo`.
pub fn run(_: DemoArgs) -> ExitCode {
    match demo() {
        Ok(0) => {
            println!("\ndemo: every step behaved as described");
            ExitCode::SUCCESS
        }
        Ok(n) => {
            println!("\ndemo: {n} step(s) FAILED");
            ExitCode::from(1)
        }
        Err(e) => usage("demo", e),
    }
}

fn demo() -> Result<usize, String> {
    let paint = Paint::stdout();
    let mut t = Transcript { paint, failures: 0 };
    let issuer = DevIssuer::start(0, default_clients(), "api://default".into(), 3600)?;
    let upstream = start_upstream()?;
    let config = gateway_config(&issuer.issuer);
    let engine = Arc::new(Engine::new(&config).map_err(|e| format!("gateway config: {e}"))?);
    let gateway = start_gateway(engine.clone(), upstream.url.clone())?;
    let client = Client { agent: ureq::Agent::config_builder().http_status_as_error(false).build().into() };
    let api = format!("{}/mcp/tools", gateway.url);

    println!("development issuer: {}  (Okta-shaped: /v1/keys, /v1/token)", issuer.issuer);
    println!("gateway:            {}  (claimcheck embedded, in front of {})", gateway.url, upstream.url);
    println!("gateway config:\n{}", config.lines().map(|l| format!("   | {l}")).collect::<Vec<_>>().join("\n"));

    t.step("1. a request without a token");
    let a = client.get(&api, None)?;
    println!("   GET /mcp/tools -> {}", a.status);
    println!("   WWW-Authenticate: {}", a.www_authenticate.as_deref().unwrap_or("(none)"));
    t.expect("401 with a Bearer challenge", a.status == 401 && a.www_authenticate.as_deref().is_some_and(|w| w.starts_with("Bearer realm=")));

    t.step("2. the AI agent gets a token (client_credentials)");
    let token = client.token(&issuer.issuer, "ai-agent", "ai-agent-secret")?;
    println!("   POST {}/v1/token -> access_token {}", issuer.issuer, short(&token));
    t.expect("a token was issued", token.split('.').count() == 3);

    t.step("3. the same request with the token");
    let a = client.get(&api, Some(&token))?;
    println!("   GET /mcp/tools (Authorization: Bearer ...) -> {}", a.status);
    println!("   upstream said: {}", a.body);
    let body: Value = serde_json::from_str(&a.body).unwrap_or(Value::Null);
    t.expect(
        "200, the upstream saw the verified subject and not the token",
        a.status == 200 && body["subject"] == "ai-agent" && body["saw_token"] == false,
    );

    t.step("4. the token's claims, decoded (verified by the gateway in step 3)");
    let claims = unverified_claims(&token);
    println!("{}", serde_json::to_string_pretty(&claims).unwrap_or_default().lines().map(|l| format!("   {l}")).collect::<Vec<_>>().join("\n"));
    t.expect("scp and groups claims are present", claims["scp"].is_array() && claims["groups"].is_array());

    t.step("5. a client outside the AI-Users group");
    let other = client.token(&issuer.issuer, "reporting-job", "reporting-job-secret")?;
    let a = client.get(&api, Some(&other))?;
    println!("   reporting-job's groups: {}", unverified_claims(&other)["groups"]);
    println!("   GET /mcp/tools -> {} {}", a.status, a.body);
    t.expect("403 no_rule_allowed", a.status == 403 && a.body.contains("no_rule_allowed"));

    t.step("6. the issuer rotates its signing key; no gateway restart");
    // The gateway refetches keys for an unknown kid at most once per
    // `minRefetchInterval` (1s here) after its last fetch.
    std::thread::sleep(Duration::from_millis(1100));
    let before = engine.key_status().first().map(|s| s.kids.clone()).unwrap_or_default();
    let kid = issuer.rotate()?;
    let fresh = client.token(&issuer.issuer, "ai-agent", "ai-agent-secret")?;
    let a = client.get(&api, Some(&fresh))?;
    let after = engine.key_status().first().map(|s| s.kids.clone()).unwrap_or_default();
    println!("   new signing key: {kid}; gateway keys before {before:?}, after {after:?}");
    println!("   GET /mcp/tools with a token signed by {kid} -> {}", a.status);
    t.expect("200 with the new key, picked up without a restart", a.status == 200 && after.contains(&kid));
    let a = client.get(&api, Some(&token))?;
    t.expect("the earlier token (old key, still published) still works", a.status == 200);

    drop(gateway);
    drop(upstream);
    drop(issuer);
    Ok(t.failures)
}
