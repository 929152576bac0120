"""The decision table through the binding: every row of tests/decision_table.yaml
(the data the Rust, C and Go runners read too), as the c-fixtures example writes
it to decision_table.json with its configs and tokens, at the pinned clock NOW;
and what the binding adds (the identity's accessors, parsed cookies and query,
request attributes, the real clock).

The fixtures come from CLAIMCHECK_FIXTURES when set (a folder written by
`cargo run -p claimcheck-ffi --example c-fixtures -- DIR`); otherwise this
module runs that example itself into a temporary folder.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

import claimcheck
from claimcheck import Reason
from conftest import ISSUER, NOW, REPO, claims


def _fixtures_dir() -> Path:
    given = os.environ.get("CLAIMCHECK_FIXTURES")
    if given:
        return Path(given)
    out = Path(tempfile.mkdtemp(prefix="claimcheck-py-fixtures"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", str(REPO / "target"))
    subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "claimcheck-ffi", "--example", "c-fixtures", "--", str(out)],
        cwd=REPO, env=env, check=True)
    return out


FIXTURES = _fixtures_dir()
TABLE = json.loads((FIXTURES / "decision_table.json").read_text())
ROWS: List[Dict[str, Any]] = TABLE["rows"]
assert ROWS and TABLE["now"] == NOW, (len(ROWS), TABLE["now"])


def bearer(engine: claimcheck.Engine, token: str) -> claimcheck.Decision:
    return engine.authorize(token=token, now=NOW)


def assert_decision(d: claimcheck.Decision, status: int, reason: str) -> None:
    assert (d.status, d.reason.snake_name) == (status, reason), d.as_dict()
    assert d.allowed == (status == 200)


def _credential(d: claimcheck.Decision) -> str:
    c = d.credential
    return "none" if c is None else f"{c.kind}:{c.name}"


def row_problems(row: Dict[str, Any], d: claimcheck.Decision) -> List[str]:
    """What is wrong with `d` as the answer to `row` (a null field is not checked)."""
    wrong = []
    if (d.status, d.reason.snake_name, d.allowed) != (row["status"], row["reason"], row["status"] == 200):
        wrong.append(f"got {d.status} {d.reason.snake_name} (allowed {d.allowed}), want {row['status']} {row['reason']}")
    if d.www_authenticate != row["www_authenticate"]:
        wrong.append(f"WWW-Authenticate {d.www_authenticate!r}, want {row['www_authenticate']!r} ({row['challenge']})")
    if row["identity"] is not None and (d.identity is not None) != row["identity"]:
        wrong.append(f"identity {d.identity!r}, want one: {row['identity']}")
    if d.identity is None and (d.claims != {} or d.subject is not None):
        wrong.append(f"no identity, but claims {d.claims!r} and subject {d.subject!r}")
    if row["subject"] is not None and d.subject != row["subject"]:
        wrong.append(f"subject {d.subject!r}, want {row['subject']!r}")
    if (row["status"] in (400, 503) or row["challenge"] == "invalid_token") and not d.detail:
        wrong.append("no detail for the host's logs")
    if row["detail"] is not None and row["detail"] not in (d.detail or ""):
        wrong.append(f"detail {d.detail!r} does not contain {row['detail']!r}")
    rule: Optional[int] = row["rule"]
    if rule is not None and d.rule != (None if rule == -1 else rule):
        wrong.append(f"rule {d.rule!r}, want {rule}")
    if row["rule_errored"] is not None and d.rule_errored != row["rule_errored"]:
        wrong.append(f"rule errored {d.rule_errored}, want {row['rule_errored']}")
    if row["credential"] is not None and _credential(d) != row["credential"]:
        wrong.append(f"credential {_credential(d)}, want {row['credential']}")
    return wrong


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_row(row):
    with claimcheck.Engine.from_file(FIXTURES / row["config"]) as engine:
        d = engine.authorize(headers=[(n, v) for n, v in row["headers"]], path=row["path"], now=NOW)
        assert row_problems(row, d) == [], d.as_dict()


class _Fake:
    """A decision's fields, to try row_problems on wrong decisions."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def test_the_runner_notices_a_wrong_decision():
    row = next(r for r in ROWS if r["challenge"] == "invalid_token" and r["credential"] is None and r["detail"] is None)
    good = dict(status=401, reason=Reason[row["reason"].upper()], allowed=False, www_authenticate=row["www_authenticate"],
                identity=None, claims={}, subject=None, detail="why", rule=None, rule_errored=False, credential=None)
    assert row_problems(row, _Fake(**good)) == []
    for field, value in [("status", 403), ("reason", Reason.DENIED_BY_RULE), ("allowed", True),
                         ("www_authenticate", 'Bearer realm="claimcheck"'), ("detail", None)]:
        assert row_problems(row, _Fake(**{**good, field: value})), f"a wrong {field} passes"


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


# Rules reading what only the request carries (tests/rules_engine.rs)

def alice(keys):
    return keys.rsa.sign(claims())


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


def test_current_time_is_used_without_now(keys):
    # Pinned-clock tokens are long expired at the real time.
    d = claimcheck.Engine(keys.rsa_config()).authorize(token=keys.rsa.sign(claims()))
    assert_decision(d, 401, "expired")
