"""The ASGI (Starlette + TestClient) and WSGI (Werkzeug test client) middlewares end to end.

The clock is real here (a middleware has no `now`), so tokens are minted
valid for an hour from the current time.
"""

from __future__ import annotations

import json
import time

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from werkzeug.test import Client
from werkzeug.wrappers import Request as WRequest
from werkzeug.wrappers import Response as WResponse

import claimcheck
from claimcheck import asgi, wsgi
from conftest import claims_with


def live(keys, **changes):
    now = int(time.time())
    return keys.rsa.sign(claims_with(iat=now - 60, exp=now + 3600, **changes))


def rules_config(keys):
    return keys.with_rules(
        "    - require: '\"mcp:read\" in auth.scopes'\n"
        "    - '\"AI-Users\" in auth.claims.groups && request.method == \"GET\" && request.path.startsWith(\"/mcp\")'\n"
        "    - 'mcp.tool.name == \"search\"'\n")


def whoami_payload(ident, decision, authorization):
    return {
        "subject": ident.subject if ident else None,
        "provider": ident.provider if ident else None,
        "groups": ident.claims.get("groups") if ident else None,
        "rule": decision.rule if decision else None,
        "authorization": authorization,
    }


# ASGI

def starlette_app(engine, **kw):
    async def whoami(request: Request):
        return JSONResponse(whoami_payload(asgi.identity(request), asgi.decision(request),
                                           request.headers.get("authorization")))

    app = Starlette(routes=[Route("/mcp", whoami, methods=["GET", "POST"]), Route("/other", whoami)])
    return asgi.ClaimcheckMiddleware(app, engine, **kw)


@pytest.fixture()
def engine(keys):
    with claimcheck.Engine(rules_config(keys)) as e:
        yield e


def test_asgi_allows_and_hands_the_identity_to_the_app(keys, engine):
    client = TestClient(starlette_app(engine))
    r = client.get("/mcp", headers={"Authorization": "Bearer " + live(keys)})
    assert r.status_code == 200
    body = r.json()
    assert body["subject"] == "alice@example.com" and body["provider"] == "okta"
    assert body["groups"] == ["Everyone", "AI-Users"] and body["rule"] == 1
    assert body["authorization"].startswith("Bearer "), "kept unless strip_credential"


def test_asgi_strips_the_credential_when_asked(keys, engine):
    client = TestClient(starlette_app(engine, strip_credential=True))
    r = client.get("/mcp", headers={"Authorization": "Bearer " + live(keys)})
    assert r.status_code == 200
    assert r.json()["authorization"] is None and r.json()["subject"] == "alice@example.com"


def test_asgi_missing_token_is_401_with_challenge_and_json(engine):
    r = TestClient(starlette_app(engine)).get("/mcp")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="claimcheck"'
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["error"] == "missing_token" and body["message"]
    assert set(body) == {"error", "message"}, "no internal detail reaches the client"


def test_asgi_invalid_token_is_401_invalid_token(keys, engine):
    r = TestClient(starlette_app(engine)).get("/mcp", headers={"Authorization": "Bearer " + live(keys, aud="api://other")})
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert r.json()["error"] == "invalid_audience"


def test_asgi_rules_see_method_path_and_scope(keys, engine):
    client = TestClient(starlette_app(engine))
    auth = {"Authorization": "Bearer " + live(keys)}
    # POST is not allowed by rule 1 and no tool attribute is supplied: 403, no challenge.
    r = client.post("/mcp", headers=auth)
    assert r.status_code == 403 and r.json()["error"] == "no_rule_allowed"
    assert "www-authenticate" not in r.headers
    assert client.get("/other", headers=auth).status_code == 403
    # The scope requirement gives insufficient_scope.
    r = client.get("/mcp", headers={"Authorization": "Bearer " + live(keys, scp=["openid"])})
    assert r.status_code == 403 and r.json()["error"] == "required_rule_failed"
    assert 'error="insufficient_scope", scope="mcp:read"' in r.headers["www-authenticate"]


def test_asgi_extra_attributes_from_the_scope(keys, engine):
    app = starlette_app(engine, attributes=lambda scope: {"mcp.tool.name": scope["path"].rsplit("/", 1)[-1]})
    client = TestClient(app)
    auth = {"Authorization": "Bearer " + live(keys)}
    assert client.post("/mcp", headers=auth).status_code == 403

    async def search(request: Request):
        return JSONResponse({"ok": True})

    app2 = asgi.ClaimcheckMiddleware(Starlette(routes=[Route("/tools/search", search, methods=["POST"])]), engine,
                                     attributes=lambda scope: {"mcp.tool.name": scope["path"].rsplit("/", 1)[-1]})
    assert TestClient(app2).post("/tools/search", headers=auth).json() == {"ok": True}


def test_asgi_optional_mode_passes_without_identity(keys):
    with claimcheck.Engine(keys.rsa_config(mode="optional")) as e:
        r = TestClient(starlette_app(e)).get("/mcp")
    assert r.status_code == 200 and r.json()["subject"] is None


def test_asgi_lifespan_passes_through(keys, engine):
    import contextlib

    started = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        started.append(True)
        yield

    app = Starlette(routes=[], lifespan=lifespan)
    with TestClient(asgi.ClaimcheckMiddleware(app, engine)):
        pass
    assert started == [True]


# WSGI

def wsgi_app(environ, start_response):
    req = WRequest(environ)
    payload = whoami_payload(wsgi.identity(req), wsgi.decision(environ), req.headers.get("Authorization"))
    return WResponse(json.dumps(payload), mimetype="application/json")(environ, start_response)


def test_wsgi_allows_and_hands_the_identity_to_the_app(keys, engine):
    client = Client(wsgi.ClaimcheckMiddleware(wsgi_app, engine))
    r = client.get("/mcp", headers={"Authorization": "Bearer " + live(keys)})
    assert r.status_code == 200
    body = r.get_json()
    assert body["subject"] == "alice@example.com" and body["rule"] == 1
    assert body["authorization"].startswith("Bearer ")


def test_wsgi_strips_the_credential_when_asked(keys, engine):
    client = Client(wsgi.ClaimcheckMiddleware(wsgi_app, engine, strip_credential=True))
    r = client.get("/mcp", headers={"Authorization": "Bearer " + live(keys)})
    assert r.status_code == 200 and r.get_json()["authorization"] is None


def test_wsgi_denials(keys, engine):
    client = Client(wsgi.ClaimcheckMiddleware(wsgi_app, engine))
    r = client.get("/mcp")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Bearer realm="claimcheck"'
    assert r.get_json() == {"error": "missing_token", "message": r.get_json()["message"]}
    r = client.get("/mcp", headers={"Authorization": "Bearer a.b.c"})
    assert r.status_code == 401 and r.get_json()["error"] == "malformed_token"
    r = client.post("/mcp", headers={"Authorization": "Bearer " + live(keys)})
    assert r.status_code == 403 and r.get_json()["error"] == "no_rule_allowed"
    assert r.status == "403 Forbidden"


def test_wsgi_query_string_reaches_the_rules(keys):
    cfg = keys.with_rules("    - 'request.path == \"/mcp?x=1\"'\n")
    with claimcheck.Engine(cfg) as e:
        client = Client(wsgi.ClaimcheckMiddleware(wsgi_app, e))
        auth = {"Authorization": "Bearer " + live(keys)}
        assert client.get("/mcp?x=1", headers=auth).status_code == 200
        assert client.get("/mcp?x=2", headers=auth).status_code == 403


def test_identity_of_rejects_other_objects():
    with pytest.raises(TypeError):
        claimcheck.identity_of(42)
    assert claimcheck.identity_of({}) is None


def test_asgi_websocket_denied_before_accept_and_allowed_with_identity(keys, engine):
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def ws(websocket: WebSocket):
        await websocket.accept()
        ident = asgi.identity(websocket)
        await websocket.send_json({"subject": ident.subject if ident else None})
        await websocket.close()

    cfg = keys.rsa_config()  # no rules: any valid token may connect
    with claimcheck.Engine(cfg) as e:
        client = TestClient(asgi.ClaimcheckMiddleware(Starlette(routes=[WebSocketRoute("/ws", ws)]), e))
        with pytest.raises(WebSocketDisconnect) as info:
            with client.websocket_connect("/ws"):
                pass
        assert info.value.code == 1008
        with client.websocket_connect("/ws", headers={"Authorization": "Bearer " + live(keys)}) as conn:
            assert conn.receive_json() == {"subject": "alice@example.com"}


# Stripping the credential wherever the config takes it from

SOURCES = ("  tokenSource:\n    - header: {name: X-Api-Token}\n"
           "    - cookie: {name: session}\n    - query: {name: access_token}\n")


@pytest.fixture()
def sources_engine(keys):
    with claimcheck.Engine(keys.rsa_config().replace("authentication:\n", "authentication:\n" + SOURCES, 1)) as e:
        yield e


def strip_cases(token):
    # (path, headers, what the app must see: token header, cookie header, query string)
    return [
        ("/mcp?a=1", {"X-Api-Token": token, "X-Other": "o"}, (None, None, "a=1")),
        ("/mcp", {"Cookie": f"a=1; session={token}; b=2"}, (None, "a=1; b=2", "")),
        ("/mcp", {"Cookie": f"session={token}"}, (None, None, "")),
        (f"/mcp?x=1&access_token={token}&y=%2F", {}, (None, None, "x=1&y=%2F")),
        (f"/mcp?access%5Ftoken={token}", {}, (None, None, "")),
    ]


def test_asgi_strips_a_header_cookie_or_query_credential_alone(keys, sources_engine):
    async def seen(request: Request):
        return JSONResponse([request.headers.get("x-api-token"), request.headers.get("cookie"),
                             request.scope["query_string"].decode()])

    app = Starlette(routes=[Route("/mcp", seen)])
    client = TestClient(asgi.ClaimcheckMiddleware(app, sources_engine, strip_credential=True))
    token = live(keys)
    for path, headers, want in strip_cases(token):
        r = client.get(path, headers=headers)
        assert r.status_code == 200, (path, r.text)
        assert tuple(r.json()) == want, (path, headers)
    d = sources_engine.authorize(path=f"/mcp?access_token={token}")
    assert d.credential == claimcheck.Credential("query", "access_token")
    assert sources_engine.authorize(path="/mcp").credential is None


def test_wsgi_strips_a_header_cookie_or_query_credential_alone(keys, sources_engine):
    def seen(environ, start_response):
        body = json.dumps([environ.get("HTTP_X_API_TOKEN"), environ.get("HTTP_COOKIE"), environ.get("QUERY_STRING", "")])
        return WResponse(body, mimetype="application/json")(environ, start_response)

    # use_cookies=False: the test client would replace the Cookie header with its own jar.
    client = Client(wsgi.ClaimcheckMiddleware(seen, sources_engine, strip_credential=True), use_cookies=False)
    for path, headers, want in strip_cases(live(keys)):
        r = client.get(path, headers=headers)
        assert r.status_code == 200, (path, r.get_data(as_text=True))
        assert tuple(r.get_json()) == want, (path, headers)


def test_wsgi_strips_a_query_credential_from_the_raw_uris_too(keys, sources_engine):
    def seen(environ, start_response):
        body = json.dumps([environ.get("QUERY_STRING"), environ.get("REQUEST_URI"), environ.get("RAW_URI")])
        return WResponse(body, mimetype="application/json")(environ, start_response)

    client = Client(wsgi.ClaimcheckMiddleware(seen, sources_engine, strip_credential=True))
    token = live(keys)
    r = client.get(f"/mcp?x=1&access_token={token}&y=2")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json() == ["x=1&y=2", "/mcp?x=1&y=2", "/mcp?x=1&y=2"]
    r = client.get(f"/mcp?access_token={token}")
    assert r.get_json() == ["", "/mcp", "/mcp"]


@pytest.mark.parametrize("prefix", ["Bearer\t", "Bearer", "bearer  \t"])
def test_asgi_strips_a_malformed_bearer_header_in_permissive_mode(keys, prefix):
    """A header that starts with the Bearer scheme but is no well-formed
    credential is malformed, never absent: permissive mode goes on without an
    identity, and the forged header never reaches the app (issue 16, #8)."""
    with claimcheck.Engine(keys.rsa_config(mode="permissive")) as e:
        client = TestClient(starlette_app(e, strip_credential=True))
        r = client.get("/mcp", headers={"Authorization": prefix + live(keys)})
        assert r.status_code == 200
        assert r.json()["subject"] is None and r.json()["authorization"] is None
    with claimcheck.Engine(keys.rsa_config()) as strict:
        r = TestClient(starlette_app(strict)).get("/mcp", headers={"Authorization": prefix + live(keys)})
        assert r.status_code == 401
        assert 'error="invalid_token"' in r.headers["www-authenticate"]
