"""The decision table through the binding: rows mirrored from tests/decision_table.rs
and tests/rules_engine.rs, at the pinned clock NOW."""

from __future__ import annotations

import json

import pytest

import claimcheck
from claimcheck import Reason
from conftest import AUDIENCE, ISSUER, NOW, b64url, claims, claims_with, config, jwks

INVALID = 'Bearer realm="claimcheck", error="invalid_token"'


def bearer(engine: claimcheck.Engine, token: str) -> claimcheck.Decision:
    return engine.authorize(token=token, now=NOW)


def assert_decision(d: claimcheck.Decision, status: int, reason: str) -> None:
    assert (d.status, d.reason.snake_name) == (status, reason), d.as_dict()
    assert d.allowed == (status == 200)


def alg_none() -> str:
    header = b64url(b'{"alg":"none"}')
    return f"{header}.{b64url(json.dumps(claims()).encode())}."


def forged(keys) -> str:
    h, _, s = keys.rsa.sign(claims()).split(".")
    return f"{h}.{b64url(json.dumps(claims_with(sub='admin')).encode())}.{s}"


# (name, config(keys), token(keys), status, reason): every row of the C fixtures
# (ffi/examples/c_fixtures.rs), which mirror tests/decision_table.rs.
ROWS = [
    ("valid", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims()), 200, "allowed"),
    ("optional_expired", lambda k: k.rsa_config(mode="optional"),
     lambda k: k.rsa.sign(claims_with(exp=NOW - 3600)), 401, "expired"),
    ("permissive_expired", lambda k: k.rsa_config(mode="permissive"),
     lambda k: k.rsa.sign(claims_with(exp=NOW - 3600)), 200, "allowed"),
    ("malformed", lambda k: k.rsa_config(), lambda k: "a.b.c", 401, "malformed_token"),
    ("padded", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims()) + "=", 401, "malformed_token"),
    ("too_large", lambda k: k.rsa_config(tail="limits:\n  maxTokenSize: 512\n"),
     lambda k: k.rsa.sign(claims()), 401, "token_too_large"),
    ("alg_none", lambda k: k.rsa_config(), lambda k: alg_none(), 401, "unsupported_algorithm"),
    ("es256_not_listed", lambda k: config(jwks(k.rsa, k.ec), "algorithms: [RS256]"),
     lambda k: k.ec.sign(claims()), 401, "unsupported_algorithm"),
    ("unknown_issuer", lambda k: k.rsa_config(),
     lambda k: k.rsa.sign(claims_with(iss="https://evil.example.com")), 401, "unknown_issuer"),
    ("unknown_kid", lambda k: k.rsa_config(), lambda k: k.rsa_other.sign(claims()), 401, "unknown_key"),
    ("forged", lambda k: k.rsa_config(), forged, 401, "invalid_signature"),
    ("impostor", lambda k: k.rsa_config(), lambda k: k.impostor.sign(claims()), 401, "invalid_signature"),
    ("bad_typ", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims(), typ="JOSE+JSON"), 401, "invalid_type"),
    ("atjwt_plain", lambda k: config(jwks(k.rsa), "typ: at+jwt"), lambda k: k.rsa.sign(claims()), 401, "invalid_type"),
    ("atjwt_ok", lambda k: config(jwks(k.rsa), "typ: at+jwt"),
     lambda k: k.rsa.sign(claims(), typ="application/AT+JWT"), 200, "allowed"),
    ("crit", lambda k: k.rsa_config(),
     lambda k: k.rsa.sign(claims(), extra={"crit": ["urn:example:x"], "urn:example:x": 1}), 401, "unknown_critical_header"),
    ("expired_edge", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(exp=NOW - 60)), 401, "expired"),
    ("inside_leeway", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(exp=NOW - 59)), 200, "allowed"),
    ("fraction", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(exp=NOW - 59.5)), 200, "allowed"),
    ("no_leeway", lambda k: config(jwks(k.rsa), "leeway: 0s"), lambda k: k.rsa.sign(claims_with(exp=NOW)), 401, "expired"),
    ("nbf_future", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(nbf=NOW + 61)), 401, "not_yet_valid"),
    ("nbf_in_leeway", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(nbf=NOW + 60)), 200, "allowed"),
    ("iat_future", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(iat=NOW + 61)), 401, "issued_in_future"),
    ("long_life", lambda k: config(jwks(k.rsa), "maxLifetime: 1h"),
     lambda k: k.rsa.sign(claims_with(iat=NOW - 10, exp=NOW + 3600)), 401, "lifetime_too_long"),
    ("ok_life", lambda k: config(jwks(k.rsa), "maxLifetime: 1h"),
     lambda k: k.rsa.sign(claims_with(iat=NOW - 10, exp=NOW + 3590)), 200, "allowed"),
    ("lifetime_no_iat", lambda k: config(jwks(k.rsa), "maxLifetime: 1h"),
     lambda k: k.rsa.sign(claims_with(iat=None)), 401, "invalid_claim"),
    ("wrong_aud", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(aud="api://other")), 401, "invalid_audience"),
    ("aud_list_none_ours", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(aud=["a", "b"])), 401, "invalid_audience"),
    ("aud_list_ok", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(aud=["other", AUDIENCE])), 200, "allowed"),
    ("aud_number", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(aud=1)), 401, "invalid_claim"),
    ("iss_list", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(iss=[ISSUER])), 401, "invalid_claim"),
    ("exp_string", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(exp="1")), 401, "invalid_claim"),
    ("nbf_bool", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(nbf=True)), 401, "invalid_claim"),
    ("sub_number", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(sub=5)), 401, "invalid_claim"),
    ("no_exp", lambda k: k.rsa_config(), lambda k: k.rsa.sign(claims_with(exp=None)), 401, "invalid_claim"),
    ("unavailable", lambda k: (f"authentication:\n  providers:\n    - issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n"
                               "      jwks:\n        url: http://127.0.0.1:1/keys\n        allowHttp: true\n"),
     lambda k: k.rsa.sign(claims()), 503, "keys_unavailable"),
]


@pytest.mark.parametrize("name,make_config,make_token,status,reason", ROWS, ids=[r[0] for r in ROWS])
def test_row(keys, name, make_config, make_token, status, reason):
    with claimcheck.Engine(make_config(keys)) as engine:
        d = bearer(engine, make_token(keys))
    assert_decision(d, status, reason)
    if status == 401:
        assert d.www_authenticate is not None and d.www_authenticate.startswith(INVALID), d.www_authenticate
        assert d.identity is None and d.claims == {}
        assert d.detail, "the host gets a detail for its logs"
    if status == 503:
        assert d.www_authenticate is None and d.detail


def test_valid_token_is_allowed_with_the_identity(keys):
    d = bearer(claimcheck.Engine(keys.rsa_config()), keys.rsa.sign(claims()))
    assert_decision(d, 200, "allowed")
    assert d.reason is Reason.ALLOWED and str(d.reason) == "allowed"
    assert d.www_authenticate is None
    assert (d.provider, d.issuer, d.subject) == ("okta", ISSUER, "alice@example.com")
    assert d.claims == claims()
    assert d.claim("groups") == ["Everyone", "AI-Users"]
    with pytest.raises(KeyError):
        d.claim("tenant")
    ident = d.identity
    assert ident is not None and ident.scopes == ["mcp:read", "openid"] and ident.claims["cid"] == "0oa1"
    assert d.rule is None and d.rule_errored is False


def test_missing_token_strict_is_401_without_error_code(keys):
    d = claimcheck.Engine(keys.rsa_config()).authorize(now=NOW)
    assert_decision(d, 401, "missing_token")
    assert d.www_authenticate == 'Bearer realm="claimcheck"'


@pytest.mark.parametrize("mode", ["optional", "permissive"])
def test_missing_token_optional_and_permissive_pass_unauthenticated(keys, mode):
    d = claimcheck.Engine(keys.rsa_config(mode=mode)).authorize(now=NOW)
    assert_decision(d, 200, "allowed")
    assert d.identity is None and d.subject is None


def test_two_credentials_are_400_invalid_request(keys):
    auth = "Bearer " + keys.rsa.sign(claims())
    d = claimcheck.Engine(keys.rsa_config()).authorize(headers=[("authorization", auth), ("Authorization", auth)], now=NOW)
    assert_decision(d, 400, "multiple_tokens")
    assert 'error="invalid_request"' in d.www_authenticate


def test_cookie_and_query_token_sources(keys):
    cfg = keys.rsa_config().replace(
        "authentication:\n", "authentication:\n  tokenSource:\n    - cookie: {name: at}\n    - query: {name: access_token}\n")
    e = claimcheck.Engine(cfg)
    t = keys.rsa.sign(claims())
    # Parsed by the engine from the Cookie header / the path's query string ...
    assert_decision(e.authorize(headers={"Cookie": f"x=1; at={t}"}, now=NOW), 200, "allowed")
    assert_decision(e.authorize(path=f"/mcp?access_token={t}", now=NOW), 200, "allowed")
    # ... or handed over parsed; then they are all there is.
    assert_decision(e.authorize(cookies={"at": t}, now=NOW), 200, "allowed")
    assert_decision(e.authorize(query=[("access_token", t)], now=NOW), 200, "allowed")
    assert_decision(e.authorize(headers={"Cookie": f"at={t}"}, cookies={}, now=NOW), 401, "missing_token")


def test_resource_metadata_and_realm_appear_in_the_challenge(keys):
    cfg = keys.rsa_config().replace(
        "authentication:\n",
        "authentication:\n  realm: mcp\n  resourceMetadata: https://api.example.com/.well-known/oauth-protected-resource\n")
    d = claimcheck.Engine(cfg).authorize(now=NOW)
    assert d.www_authenticate == ('Bearer realm="mcp", resource_metadata='
                                  '"https://api.example.com/.well-known/oauth-protected-resource"')


# Rules (tests/rules_engine.rs)

def alice(keys):
    return keys.rsa.sign(claims())


def bob(keys):
    return keys.rsa.sign(claims_with(sub="bob@example.com", groups=["Everyone"]))


def test_allow_rule_matching_names_the_rule(keys):
    e = claimcheck.Engine(keys.with_rules("    - '\"Admins\" in auth.claims.groups'\n    - '\"AI-Users\" in auth.claims.groups'\n"))
    d = bearer(e, alice(keys))
    assert_decision(d, 200, "allowed")
    assert (d.rule, d.rule_errored) == (1, False)


def test_no_allow_rule_matching_is_403(keys):
    e = claimcheck.Engine(keys.with_rules("    - if: '\"AI-Users\" in auth.claims.groups'\n"))
    d = bearer(e, bob(keys))
    assert_decision(d, 403, "no_rule_allowed")
    assert d.rule is None and d.www_authenticate is None
    assert d.subject == "bob@example.com"


def test_deny_rule_wins(keys):
    e = claimcheck.Engine(keys.with_rules("    - 'true'\n    - deny: 'auth.claims.sub.startsWith(\"test-\")'\n"))
    d = bearer(e, keys.rsa.sign(claims_with(sub="test-robot")))
    assert_decision(d, 403, "denied_by_rule")
    assert (d.rule, d.rule_errored) == (1, False)
    assert_decision(bearer(e, alice(keys)), 200, "allowed")


def test_failed_scope_requirement_is_insufficient_scope(keys):
    e = claimcheck.Engine(keys.with_rules("    - require: '\"mcp:write\" in auth.scopes'\n"))
    d = bearer(e, alice(keys))
    assert_decision(d, 403, "required_rule_failed")
    assert d.rule == 0
    assert d.www_authenticate == 'Bearer realm="claimcheck", error="insufficient_scope", scope="mcp:write"'
    t = keys.rsa.sign(claims_with(scp=None, scope="openid mcp:write"))
    assert_decision(bearer(e, t), 200, "allowed")


def test_erroring_rules(keys):
    e = claimcheck.Engine(keys.with_rules("    - 'true'\n    - deny: 'jwt.tenant == \"x\"'\n"))
    d = bearer(e, alice(keys))
    assert_decision(d, 403, "denied_by_rule")
    assert (d.rule, d.rule_errored) == (1, True) and d.detail
    d = bearer(claimcheck.Engine(keys.with_rules("    - 'jwt.tenant == \"x\"'\n")), alice(keys))
    assert_decision(d, 403, "no_rule_allowed")
    d = bearer(claimcheck.Engine(keys.with_rules("    - require: 'jwt.tenant == \"x\"'\n")), alice(keys))
    assert_decision(d, 403, "required_rule_failed")
    assert d.rule_errored


def test_unauthenticated_request_denied_by_rules_is_401(keys):
    e = claimcheck.Engine(keys.with_rules("    - '\"AI-Users\" in auth.claims.groups'\n", mode="optional"))
    d = e.authorize(now=NOW)
    assert_decision(d, 401, "no_rule_allowed")
    assert d.www_authenticate == 'Bearer realm="claimcheck"'
    e = claimcheck.Engine(keys.with_rules("    - 'jwt == null && request.path.startsWith(\"/public\")'\n", mode="optional"))
    assert_decision(e.authorize(path="/public/x", now=NOW), 200, "allowed")
    assert_decision(e.authorize(path="/private", now=NOW), 401, "no_rule_allowed")


def test_rules_read_the_request_and_host_attributes(keys):
    e = claimcheck.Engine(keys.with_rules(
        "    - require: 'request.method == \"POST\" && request.headers[\"x-tenant\"] == \"acme\"'\n"
        "    - require: 'source.address.startsWith(\"10.\")'\n"
        "    - 'mcp.tool.name == \"search\" && jwt.exp - 60 > jwt.iat'\n"))
    hdrs = {"Authorization": "Bearer " + alice(keys), "X-Tenant": "acme"}
    d = e.authorize(headers=hdrs, method="POST", source="10.1.2.3", attributes={"mcp.tool.name": "search"}, now=NOW)
    assert_decision(d, 200, "allowed")
    assert d.rule == 2
    d = e.authorize(headers=hdrs, method="POST", source="10.1.2.3", attributes={"mcp.tool.name": "delete"}, now=NOW)
    assert_decision(d, 403, "no_rule_allowed")
    d = e.authorize(headers=hdrs, method="GET", source="10.1.2.3", attributes={"mcp.tool.name": "search"}, now=NOW)
    assert_decision(d, 403, "required_rule_failed")


def test_json_attributes_reach_rules_as_values(keys):
    e = claimcheck.Engine(keys.with_rules("    - 'mcp.tool.args.limit > 10 && \"a\" in mcp.tool.tags'\n"))
    ok = e.authorize(token=alice(keys), attributes={"mcp.tool.args": {"limit": 11}, "mcp.tool.tags": ["a", "b"]}, now=NOW)
    assert_decision(ok, 200, "allowed")
    no = e.authorize(token=alice(keys), attributes={"mcp.tool.args": {"limit": 3}, "mcp.tool.tags": ["a"]}, now=NOW)
    assert_decision(no, 403, "no_rule_allowed")


def test_comprehension_variable_is_bound(keys):
    e = claimcheck.Engine(keys.with_rules("    - 'auth.claims.groups.exists(g, g.startsWith(\"AI-\"))'\n"))
    assert_decision(bearer(e, alice(keys)), 200, "allowed")


def test_current_time_is_used_without_now(keys):
    # Pinned-clock tokens are long expired at the real time.
    d = claimcheck.Engine(keys.rsa_config()).authorize(token=keys.rsa.sign(claims()))
    assert_decision(d, 401, "expired")
