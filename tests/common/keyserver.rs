//! A scripted HTTP(S) server on 127.0.0.1 for the remote key tests: each
//! path answers what the test last set for it, every request is counted,
//! and a reply can be held on a gate until the test releases it. It stops
//! when dropped (and with the test process in any case).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What a path answers.
#[derive(Clone)]
pub enum Reply {
    /// 200 with this JSON (and `Cache-Control` when given).
    Json(Value),
    /// Any status, content type and body.
    Raw { status: u16, content_type: &'static str, body: Vec<u8> },
    /// A redirect to this location.
    Redirect(String),
    /// Close the connection without answering (the endpoint is "down").
    Hangup,
    /// Wait until the gate opens, then answer the inner reply.
    Gated(Arc<Gate>, Box<Reply>),
}

/// Holds a reply until released; says when a request is waiting on it.
#[derive(Default)]
pub struct Gate {
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Gate {
    pub fn new() -> Arc<Gate> {
        Arc::new(Gate::default())
    }

    /// Waits (at most 20s) until a request is held; panics otherwise.
    pub fn wait_entered(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut s = self.state.lock().unwrap();
        while s.0 == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no request reached the gate");
            s = self.changed.wait_timeout(s, left).unwrap().0;
        }
    }

    /// How many requests are held or were held.
    pub fn entered(&self) -> usize {
        self.state.lock().unwrap().0
    }

    pub fn is_released(&self) -> bool {
        self.state.lock().unwrap().1
    }

    pub fn release(&self) {
        self.state.lock().unwrap().1 = true;
        self.changed.notify_all();
    }

    fn hold(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut s = self.state.lock().unwrap();
        s.0 += 1;
        self.changed.notify_all();
        while !s.1 && Instant::now() < deadline {
            s = self.changed.wait_timeout(s, Duration::from_millis(100)).unwrap().0;
        }
    }
}

impl Drop for KeyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the stop flag.
        let _ = TcpStream::connect(self.addr);
    }
}

struct Shared {
    replies: Mutex<HashMap<String, Reply>>,
    hits: Mutex<HashMap<String, usize>>,
}

pub struct KeyServer {
    pub addr: SocketAddr,
    scheme: &'static str,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
}

/// A test CA and a server certificate for 127.0.0.1 and localhost.
pub struct TestPki {
    pub ca_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

impl TestPki {
    pub fn generate() -> TestPki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "claimcheck test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let server_key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        let server_cert = params.signed_by(&server_key, &issuer).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(server_cert.der().to_vec())],
                rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
                    server_key.serialize_der(),
                )),
            )
            .unwrap();
        TestPki { ca_pem: ca_cert.pem(), server: Arc::new(server) }
    }

    /// Writes the CA certificate to a fresh file and returns its path.
    pub fn write_ca(&self, name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("claimcheck-test-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ca.pem");
        std::fs::write(&path, &self.ca_pem).unwrap();
        path
    }
}

impl KeyServer {
    /// A plain HTTP server.
    pub fn http() -> KeyServer {
        KeyServer::start(None)
    }

    /// An HTTPS server with the given certificate.
    pub fn https(tls: Arc<rustls::ServerConfig>) -> KeyServer {
        KeyServer::start(Some(tls))
    }

    fn start(tls: Option<Arc<rustls::ServerConfig>>) -> KeyServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared { replies: Mutex::default(), hits: Mutex::default() });
        let stop = Arc::new(AtomicBool::new(false));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (s2, stop2) = (Arc::clone(&shared), Arc::clone(&stop));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let (shared, tls) = (Arc::clone(&s2), tls.clone());
                std::thread::spawn(move || serve(conn, &shared, tls));
            }
        });
        KeyServer { addr, scheme, shared, stop }
    }

    /// `http(s)://127.0.0.1:port{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    pub fn set(&self, path: &str, reply: Reply) {
        self.shared.replies.lock().unwrap().insert(path.to_owned(), reply);
    }

    /// Requests received for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        self.shared.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

fn serve(conn: TcpStream, shared: &Shared, tls: Option<Arc<rustls::ServerConfig>>) {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
    match tls {
        Some(config) => {
            let Ok(session) = rustls::ServerConnection::new(config) else { return };
            let mut stream = rustls::StreamOwned::new(session, conn);
            handle(&mut stream, shared);
            stream.conn.send_close_notify();
            let _ = stream.flush();
        }
        None => {
            let mut conn = conn;
            handle(&mut conn, shared);
        }
    }
}

fn handle<S: Read + Write>(stream: &mut S, shared: &Shared) {
    let mut reader = BufReader::new(&mut *stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    drop(reader);
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    *shared.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let reply = shared.replies.lock().unwrap().get(&path).cloned();
    let reply = reply.unwrap_or(Reply::Raw { status: 404, content_type: "text/plain", body: b"not found".to_vec() });
    respond(stream, reply);
}

fn respond<S: Write>(stream: &mut S, reply: Reply) {
    let (status, content_type, body, extra) = match reply {
        Reply::Json(v) => (200, "application/json", serde_json::to_vec(&v).unwrap(), String::new()),
        Reply::Raw { status, content_type, body } => (status, content_type, body, String::new()),
        Reply::Redirect(to) => (302, "text/plain", Vec::new(), format!("Location: {to}\r\n")),
        Reply::Hangup => return,
        Reply::Gated(gate, inner) => {
            gate.hold();
            return respond(stream, *inner);
        }
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
}
