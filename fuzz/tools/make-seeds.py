#!/usr/bin/env python3
"""Writes the committed seed corpora under fuzz/seeds/ (run from the repo
root: python3 fuzz/tools/make-seeds.py [VECTORS_DIR]). Valid tokens are
signed with the fixture keys in fuzz/keys/ by `claimcheck mint` (built
from this tree); a few small public vectors (Wycheproof, RFC 7515, RFC 7520
cookbook, cel-spec; Apache-2.0 / IETF) are copied as representative inputs.
Re-running rewrites the seeds; only small inputs are kept."""
import base64, json, os, shutil, subprocess, sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VECTORS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "vectors")
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
KEYS = os.path.join(ROOT, "fuzz", "keys")
NOW = 1750000000
CLI = os.path.join(ROOT, "target", "debug", "claimcheck")


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def mint(key, claims):
    out = subprocess.run([CLI, "mint", "--key", os.path.join(KEYS, key), "--claims", json.dumps(claims)],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def vec(*path):
    with open(os.path.join(VECTORS, *path)) as f:
        return json.load(f)


shutil.rmtree(SEEDS, ignore_errors=True)

good = {"iss": "https://issuer.example", "aud": "api://fuzz", "sub": "alice", "exp": NOW + 3600,
        "iat": NOW - 60, "nbf": NOW - 60, "groups": ["eng", "admins"], "scp": ["read", "write"]}
hs_good = dict(good, iss="https://hs.example", aud=["api://fuzz", "other"], scope="read write")
hs_good.pop("scp")

# --- token_validate: mode byte 0 = raw token; 1/2/3 = header\0payload signed with RS256/ES256/HS256.
raw = {
    "valid-rs256": mint("rs256.json", good),
    "valid-es256": mint("es256.json", dict(good, aud=["x", "api://fuzz"])),
    "valid-hs256": mint("hs256.json", hs_good),
    "expired-rs256": mint("rs256.json", dict(good, exp=NOW - 3600)),
    "banned-hs256": mint("hs256.json", dict(hs_good, groups=["banned"])),
}
for name, tok in raw.items():
    write("token_validate", "raw-" + name, b"\x00" + tok.encode())
sig = vec("wycheproof", "json_web_signature_test.json")
picked = 0
for g in sig["testGroups"]:
    for t in g["tests"][:2]:
        if picked < 12 and len(t["jws"]) < 1200 and not t["jws"].startswith("{"):
            write("token_validate", "wycheproof-tc%d" % t["tcId"], b"\x00" + t["jws"].encode())
            picked += 1
a = vec("rfc7515", "appendix_a.json")
for ex in a["examples"]:
    if isinstance(ex.get("compact"), str):
        write("token_validate", "rfc7515-" + ex["name"], b"\x00" + ex["compact"].encode())
        # The RFC's header and payload texts (CRLF and all), re-signed by a fixture key.
        write("token_validate", "signed-3-" + ex["name"],
              b"\x03" + ex["protected_header_json"].encode() + b"\x00" + ex["payload_utf8"].encode())
write("token_validate", "raw-jwe-shape", b"\x00a.b.c.d.e")
write("token_validate", "raw-json-serialization", b"\x00{\"payload\":\"e30\",\"signatures\":[]}")
headers = {
    1: {"alg": "RS256", "kid": "fuzz-rs256", "typ": "JWT"},
    2: {"alg": "ES256", "kid": "fuzz-es256", "typ": "at+jwt"},
    3: {"alg": "HS256", "kid": "fuzz-hs256"},
}
payloads = {
    1: good,
    2: dict(good, aud=["api://fuzz"], exp=NOW + 1.5, jti="j-1"),
    3: dict(hs_good, exp=NOW + 30, nbf=NOW + 29.999, name="caf\u00e9 \ud83d\ude00"),
}
for mode, h in headers.items():
    p = json.dumps(payloads[mode], ensure_ascii=(mode == 3)).encode()
    write("token_validate", "signed-%d" % mode, bytes([mode]) + json.dumps(h).encode() + b"\x00" + p)
write("token_validate", "signed-3-crit", b"\x03" + b'{"alg":"HS256","kid":"fuzz-hs256","crit":["exp"],"exp":1}' + b"\x00" + json.dumps(hs_good).encode())
write("token_validate", "signed-3-dupiss", b"\x03\x00" + b'{"iss":"https://hs.example","aud":"api://fuzz","iss":"https://issuer.example"}')
write("token_validate", "signed-2-escapes", b"\x02" + b'{"alg":"ES256","k\\u0069d":"fuzz-es256"}' + b"\x00" + b'{"iss":"https:\\/\\/issuer.example","aud":["api:\\/\\/fuzz"],"exp":1750003600e0}')

# --- claims_scan_diff: claims texts.
claims_texts = [
    json.dumps(good),
    r'{"iss":"https://x.example/","aud":["api://default","b"],"exp":1767229200,"n":-1.5e3,"o":{"k":[true,false,null]},"s":"\u00e9\ud83d\ude00\n"}',
    '{"sub":"caf\\u00e9\\n","gr\\u006fups":["a","b"],"scp":"read  write ","exp":1767229200.000001,"iat":1.7672292e9}',
    '{"aud":"api://default","nbf":-0,"exp":9007199254740993,"big":123456789012345678901234567890}',
    '{"scope":"a b","scp":5,"jti":"x","aud":["api://default",1]}',
    '{"a":[[[[[[[[[[[[[[1]]]]]]]]]]]]]]}',
    '{"a":1,"a":2}',
    '{"e":1e400}',
    ' { "groups" : [ "banned" , "x\\"y" ] , "exp" : 1767229200 } ',
    '{}',
]
for i, t in enumerate(claims_texts):
    write("claims_scan_diff", "claims-%02d" % i, t)

# --- jwks_parse: key sets.
for k in ["rs256", "es256", "hs256"]:
    with open(os.path.join(KEYS, k + ".jwks.json"), "rb") as f:
        write("jwks_parse", "fixture-" + k, f.read())
keys = vec("wycheproof", "json_web_key_test.json")
for g in keys["testGroups"][:10]:
    doc = g.get("public") or g.get("private")
    if doc:
        write("jwks_parse", "wycheproof-" + g["comment"], json.dumps(doc))
for name in ["3_1.ec_public_key.json", "3_3.rsa_public_key.json", "3_5.symmetric_key_mac_computation.json"]:
    write("jwks_parse", "cookbook-" + name, json.dumps({"keys": [vec("jose-cookbook", "jwk", name)]}))
write("jwks_parse", "private-rsa", json.dumps({"keys": [vec("jose-cookbook", "jwk", "3_4.rsa_private_key.json")]}))
write("jwks_parse", "not-a-jwks", '[{"kty":"oct","k":"AA"}]')

# --- config_parse: native YAML/JSON and agentgateway policies.
with open(os.path.join(KEYS, "es256.jwks.json")) as f:
    ec_jwks = json.load(f)
ec_inline = json.dumps(ec_jwks)
write("config_parse", "native.yaml", """authentication:
  mode: strict
  realm: api
  tokenSource:
    - header: {name: Authorization, prefix: "Bearer "}
    - cookie: {name: session}
    - query: {name: access_token}
  providers:
    - name: okta
      issuer: https://issuer.example
      audiences: [api://fuzz]
      algorithms: [ES256]
      leeway: 30s
      requiredClaims: [sub]
      maxLifetime: 1h
      typ: at+jwt
      jwks:
        inline: %s
authorization:
  rules:
    - 'request.method == "GET"'
    - deny: '"banned" in auth.claims.groups'
    - require: '"read" in auth.scopes'
    - if: 'has(jwt.sub)'
limits:
  maxTokenSize: 8192
  maxJsonDepth: 8
  maxRules: 16
""" % ec_inline)
write("config_parse", "native.json", json.dumps({
    "authentication": {"mode": "optional", "providers": [
        {"issuer": "https://issuer.example", "audiences": ["*"], "jwks": {"inline": ec_jwks}}]},
    "authorization": {"rules": ["true", {"allow": "now > timestamp('2020-01-01T00:00:00Z')"}]}}))
write("config_parse", "agentgateway-jwtauth.yaml", """policies:
  jwtAuth:
    mode: strict
    location:
      header: {name: x-token}
    providers:
    - issuer: https://issuer.example
      audiences: [api://fuzz]
      jwks: '%s'
      jwtValidationOptions:
        requiredClaims: [exp, sub]
  mcpAuthorization:
    rules:
    - 'mcp.tool.name == "echo"'
""" % ec_inline)
write("config_parse", "agentgateway-mcp.yaml", """policies:
  mcpAuthentication:
    issuer: https://issuer.example
    audiences: [api://fuzz]
    jwks: '%s'
    provider:
      keycloak: {}
    resourceMetadata:
      resource: http://localhost:3000/mcp
      scopesSupported: [read]
""" % ec_inline)
write("config_parse", "agentgateway-authz.yaml", """policies:
  jwtAuth:
    issuer: https://issuer.example
    audiences: [api://fuzz]
    jwks: '%s'
  authorization:
    rules:
    - '"AI-Users" in jwt.groups'
""" % ec_inline)
write("config_parse", "empty.yaml", "")
write("config_parse", "permissive.yaml", "authentication:\n  mode: permissive\n  providers: []\n")
write("config_parse", "bad-anchor.yaml", "a: &x [*x]\nb: *x\n")

# --- cel_rules: kind byte, rules (0x01-separated) \0 claims \0 attributes.
claims = json.dumps(dict(good, tid="t1", roles=["r1"], nested={"a": {"b": [1, 2.5, "x"]}}))
attrs = json.dumps({"mcp.tool.name": "read_file", "mcp.tool.arguments": {"path": "/etc"}, "source.port": 443,
                    "llm.model": "gpt", "request.uri": "/v1"})
rules = [
    (0x00, '"admins" in auth.claims.groups'),
    (0x01, 'jwt.exp < now + duration("1h")'),
    (0x02, 'auth.scopes.exists(s, s == "read") && request.method == "POST"'),
    (0x80, 'mcp.tool.name.startsWith("read") && source.port == 443'),
    (0x00, 'jwt.nested.a.b.map(x, string(x)).size() == 3'),
    (0x24, 'request.headers["x-request-id"] == "abc"\x01has(jwt.sub) ? jwt.sub.matches("^a.*$") : false\x01[1,2,3].all(x, x > 0)'),
    (0x00, 'cel.bind(x, jwt.groups, x.filter(g, g.endsWith("s")).size() > 0)'),
    (0x00, 'timestamp("2025-01-01T00:00:00Z") + duration("24h") < now'),
    (0x00, '[1,2,3,4,5,6,7,8,9,10].map(x, [1,2,3,4,5,6,7,8,9,10].map(y, x * y)).size() == 10'),
    (0x00, '"a".repeat(10)'),
    (0x00, 'int("9223372036854775807") + 1 > 0'),
    (0x00, 'jwt.sub.matches("(a+)+$")'),
]
for i, (kind, r) in enumerate(rules):
    write("cel_rules", "rule-%02d" % i, bytes([kind]) + r.encode() + b"\x00" + claims.encode() + b"\x00" + attrs.encode())
write("cel_rules", "unauthenticated", b"\x00" + b'jwt == null && request.path.startsWith("/v1")' + b"\x00\x00{}")

# --- cel-spec: a few expressions from the conformance files as extra rules.
import re
for fname in ["macros.textproto", "string.textproto", "timestamps.textproto"]:
    with open(os.path.join(VECTORS, "cel-spec", fname)) as f:
        exprs = re.findall(r'^\s*expr: "((?:[^"\\]|\\.)*)"', f.read(), re.M)
    for j, e in enumerate(exprs[:4]):
        e = e.encode().decode("unicode_escape").encode("latin-1", "replace")
        write("cel_rules", "celspec-%s-%d" % (fname.split(".")[0], j), b"\x00" + e + b"\x00" + claims.encode() + b"\x00{}")

# --- ffi_request: arbitrary-encoded; start from small byte strings (the
# target's own Arbitrary decoding shapes them).
for i, blob in enumerate([b"", b"\x00" * 16, b"\x02\x05GET\x02\x01/\x00" + b"\x01" * 40, bytes(range(256))]):
    write("ffi_request", "bytes-%d" % i, blob)
print("seeds written to", SEEDS)
