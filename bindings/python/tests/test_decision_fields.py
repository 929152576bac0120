"""Decision fields read from the library: scopes (the core's rules, not a
Python re-implementation), the identity built from them, and as_dict()."""

from __future__ import annotations

import json

import pytest

import claimcheck
from conftest import NOW, claims, claims_with

REQUIRE_READ = "    - require: '\"mcp:read\" in auth.scopes'\n"

# (claim changes, the scopes the core grants). Rows marked "core" are where
# a Python re-implementation (split on any whitespace, keep the strings of a
# mixed list) answered differently.
SCOPE_ROWS = {
    "scp array": ({}, ["mcp:read", "openid"]),
    "scp string, split on spaces": ({"scp": "mcp:read  openid"}, ["mcp:read", "openid"]),
    "scope string when there is no scp": ({"scp": None, "scope": "mcp:read openid"}, ["mcp:read", "openid"]),
    # core: a list holding anything but strings grants nothing at all.
    "scp list with a number": ({"scp": ["mcp:read", 7, "openid"]}, []),
    "scp list with null": ({"scp": ["mcp:read", None]}, []),
    "scp list with an object": ({"scp": [{"s": "x"}, "mcp:read"]}, []),
    # core: only the space separates; a tab or newline is part of a word.
    "scope string with a tab and newlines": (
        {"scp": None, "scope": "mcp:read\topenid\nprofile  email\r\n"},
        ["mcp:read\topenid\nprofile", "email\r\n"],
    ),
    "scp string with a tab": ({"scp": "mcp:read\tadmin"}, ["mcp:read\tadmin"]),
    # A present scp of another shape grants nothing and scope does not count instead.
    "scp number with a scope string": ({"scp": 5, "scope": "mcp:read"}, []),
    "scope not a string": ({"scp": None, "scope": ["mcp:read"]}, []),
    "neither claim": ({"scp": None}, []),
}


@pytest.fixture(scope="module")
def scope_engine(keys):
    with claimcheck.Engine(keys.with_rules(REQUIRE_READ)) as e:
        yield e


@pytest.mark.parametrize("name", list(SCOPE_ROWS))
def test_scopes_are_the_cores(keys, scope_engine, name):
    changes, want = SCOPE_ROWS[name]
    d = scope_engine.authorize(token=keys.rsa.sign(claims_with(**changes)), now=NOW)
    assert d.scopes == want
    # The identity carries the same list, and the rules saw the same list:
    # '"mcp:read" in auth.scopes' holds exactly when Decision.scopes has it.
    assert d.identity is not None and d.identity.scopes == want
    assert d.allowed == ("mcp:read" in want), d.as_dict()
    assert d.reason.snake_name == ("allowed" if "mcp:read" in want else "required_rule_failed")


def test_identity_scopes_do_not_follow_the_claims(keys, scope_engine):
    # Built from the library's list, not recomputed from the claims dict.
    d = scope_engine.authorize(token=keys.rsa.sign(claims_with(scp=["mcp:read", 7])), now=NOW)
    ident = d.identity
    assert ident.claims["scp"] == ["mcp:read", 7]
    assert ident.scopes == []


def test_no_valid_token_has_no_scopes(keys, scope_engine):
    assert scope_engine.authorize(now=NOW).scopes == []
    expired = scope_engine.authorize(token=keys.rsa.sign(claims_with(exp=int(NOW) - 3600)), now=NOW)
    assert expired.reason.snake_name == "expired"
    assert expired.scopes == [] and expired.identity is None


SOURCES = ("  tokenSource:\n    - header: {name: X-Api-Token}\n"
           "    - cookie: {name: session}\n    - query: {name: access_token}\n")


def test_as_dict_has_every_field_with_the_credential(keys):
    token = keys.rsa.sign(claims())
    with claimcheck.Engine(keys.rsa_config().replace("authentication:\n", "authentication:\n" + SOURCES, 1)) as e:
        cases = [
            ({"headers": {"X-Api-Token": token}}, {"kind": "header", "name": "x-api-token"}),
            ({"headers": {"Cookie": f"a=1; session={token}"}}, {"kind": "cookie", "name": "session"}),
            ({"path": f"/mcp?access_token={token}"}, {"kind": "query", "name": "access_token"}),
            ({"path": "/mcp"}, None),
        ]
        for kwargs, credential in cases:
            d = e.authorize(now=NOW, **kwargs)
            got = d.as_dict()
            assert got["credential"] == credential, kwargs
            # The dict's credential is the decision's own, in plain form.
            assert got["credential"] == (d.credential._asdict() if d.credential is not None else None)


def test_as_dict_lists_every_field_and_is_json(keys):
    with claimcheck.Engine(keys.with_rules("    - allow: 'true'\n")) as e:
        d = e.authorize(token=keys.rsa.sign(claims()), now=NOW)
        got = d.as_dict()
    assert got == {
        "allowed": True,
        "status": 200,
        "reason": "allowed",
        "message": d.message,
        "detail": None,
        "www_authenticate": None,
        "provider": "okta",
        "issuer": claims()["iss"],
        "subject": "alice@example.com",
        "claims": claims(),
        "scopes": ["mcp:read", "openid"],
        "rule": 0,
        "rule_errored": False,
        "credential": {"kind": "header", "name": "authorization"},
    }
    assert json.loads(json.dumps(got)) == got


def test_decisions_differing_only_in_the_credential_are_not_equal(keys):
    token = keys.rsa.sign(claims())
    with claimcheck.Engine(keys.rsa_config().replace("authentication:\n", "authentication:\n" + SOURCES, 1)) as e:
        by_header = e.authorize(headers={"X-Api-Token": token}, now=NOW)
        by_cookie = e.authorize(headers={"Cookie": f"session={token}"}, now=NOW)
        assert by_header.allowed and by_cookie.allowed
        assert by_header != by_cookie
        assert by_header == e.authorize(headers={"X-Api-Token": token}, now=NOW)
