"""Engine lifecycle, config errors, warnings, reload and the logger."""

from __future__ import annotations

import gc
import json
import os
import threading

import pytest

import claimcheck
from claimcheck import ConfigError, EngineClosedError, LogLevel, Result
from conftest import NOW, claims, claims_with, config, jwks


def test_close_twice_and_use_after_close(keys):
    e = claimcheck.Engine(keys.rsa_config())
    d = e.authorize(token=keys.rsa.sign(claims()), now=NOW)
    e.close()
    e.close()  # idempotent
    assert e.closed
    for call in (lambda: e.authorize(now=NOW), lambda: e.reload(keys.rsa_config()), lambda: e.warnings,
                 lambda: e.set_logger(print), lambda: e.reload_file("x.yaml")):
        with pytest.raises(EngineClosedError, match="the engine is closed") as info:
            call()
        assert info.value.code == Result.INVALID_HANDLE
    # A decision owns its data: it outlives the engine.
    assert d.allowed and d.subject == "alice@example.com" and d.claims["uid"] == "00u1"


def test_context_manager_closes(keys):
    with claimcheck.Engine(keys.rsa_config()) as e:
        assert not e.closed
    assert e.closed
    with pytest.raises(EngineClosedError):
        with e:
            pass


def test_from_file_and_reload_file(keys, tmp_path):
    key_file = tmp_path / "keys.json"
    key_file.write_text(json.dumps(jwks(keys.rsa)))
    cfg = config(jwks(keys.rsa)).split("      jwks:")[0] + "      jwks:\n        file: keys.json\n"
    (tmp_path / "a.yaml").write_text(cfg)
    (tmp_path / "b.yaml").write_text(cfg + "authorization:\n  rules:\n    - '\"Admins\" in auth.claims.groups'\n")
    token = keys.rsa.sign(claims())
    # Relative key files resolve against the config file's folder, whatever the cwd.
    with claimcheck.Engine.from_file(tmp_path / "a.yaml") as e:
        assert e.authorize(token=token, now=NOW).allowed
        e.reload_file(str(tmp_path / "b.yaml"))
        assert e.authorize(token=token, now=NOW).reason.snake_name == "no_rule_allowed"


def test_missing_file_is_an_io_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        claimcheck.Engine.from_file(tmp_path / "nope.yaml")
    assert info.value.code == Result.IO
    assert "nope.yaml" in str(info.value)


def test_syntax_error_has_line_and_column():
    with pytest.raises(ConfigError) as info:
        claimcheck.Engine("authentication: [\n  providers\n")
    err = info.value
    assert err.code == Result.CONFIG_SYNTAX
    assert err.line is not None and err.line >= 1 and err.column is not None
    assert err.rule is None and err.message
    assert err.location and "line" in err.location


def test_invalid_field_has_the_path():
    with pytest.raises(ConfigError) as info:
        claimcheck.Engine("authentication:\n  providers:\n    - name: x\n      issuer: https://x\n      audiense: [a]\n")
    err = info.value
    assert err.code == Result.CONFIG_INVALID
    assert err.path is not None and err.path.startswith("authentication.providers[0]")
    assert "audiense" in err.message
    assert err.line is None and err.rule is None


@pytest.mark.parametrize("rules,index,mention", [
    ("    - 'true'\n    - 'jwtt.sub == \"x\"'\n", 1, "jwtt"),
    ("    - deny: '1 +'\n", 0, ""),
    ("    - 'auth.claims.groups.nosuchfn()'\n", 0, "nosuchfn"),
])
def test_rule_error_has_index_and_column(keys, rules, index, mention):
    with pytest.raises(ConfigError) as info:
        claimcheck.Engine(keys.with_rules(rules))
    err = info.value
    assert err.code == Result.RULE_INVALID and err.code.snake_name == "rule_invalid"
    assert (err.rule, err.column is not None) == (index, True)
    assert f"authorization.rules[{index}]" in err.location
    assert mention in err.message
    assert isinstance(err, claimcheck.ClaimcheckError)


def test_failed_reload_keeps_the_running_config(keys):
    e = claimcheck.Engine(keys.with_rules("    - '\"AI-Users\" in auth.claims.groups'\n"))
    bob = keys.rsa.sign(claims_with(sub="bob@example.com", groups=["Everyone"]))
    with pytest.raises(ConfigError) as info:
        e.reload(keys.with_rules("    - 'nosuchvar'\n"))
    assert info.value.code == Result.RULE_INVALID
    assert e.authorize(token=keys.rsa.sign(claims()), now=NOW).allowed
    assert not e.authorize(token=bob, now=NOW).allowed
    e.reload(keys.rsa_config())
    assert e.authorize(token=bob, now=NOW).allowed


def test_warnings_name_the_skipped_key(keys):
    broken = {"keys": [{"kty": "RSA", "kid": "broken", "n": "AQAB", "e": "AQAB"}, keys.rsa.public_jwk()]}
    e = claimcheck.Engine(config(broken))
    assert any("broken" in w for w in e.warnings), e.warnings
    assert e.authorize(token=keys.rsa.sign(claims()), now=NOW).allowed
    e.reload(keys.rsa_config())
    assert e.warnings == []


def test_logger_receives_rule_errors_and_failed_reloads(keys):
    e = claimcheck.Engine(keys.with_rules("    - 'true'\n    - deny: 'jwt.tenant == \"x\"'\n"))
    got = []
    lock = threading.Lock()

    def log(level, message):
        with lock:
            got.append((level, message))

    e.set_logger(log)
    e.authorize(token=keys.rsa.sign(claims()), now=NOW)
    with pytest.raises(ConfigError):
        e.reload("authentication: [\n")
    assert any(isinstance(lvl, LogLevel) and lvl >= LogLevel.WARN and "tenant" in msg for lvl, msg in got), got
    assert any(lvl == LogLevel.ERROR and "line" in msg for lvl, msg in got), got
    # Removing the logger stops delivery.
    e.set_logger(None)
    n = len(got)
    e.authorize(token=keys.rsa.sign(claims()), now=NOW)
    assert len(got) == n


def test_logger_is_kept_alive_and_released(keys):
    from claimcheck import engine as engine_mod

    e = claimcheck.Engine(keys.with_rules("    - deny: 'jwt.tenant == \"x\"'\n"))
    got = []
    e.set_logger(lambda level, message: got.append(message))  # no other reference
    gc.collect()
    e.authorize(token=keys.rsa.sign(claims()), now=NOW)
    assert got
    before = len(engine_mod._loggers)
    e.set_logger(lambda level, message: None)  # replacing runs the old finalizer
    assert len(engine_mod._loggers) == before
    e.close()  # freeing runs the last finalizer
    assert len(engine_mod._loggers) == before - 1


def test_logger_exception_does_not_break_authorize(keys, monkeypatch):
    reported = []
    monkeypatch.setattr("sys.unraisablehook", lambda info: reported.append(info.exc_value))
    e = claimcheck.Engine(keys.with_rules("    - deny: 'jwt.tenant == \"x\"'\n"))
    seen = []

    def bad(level, message):
        seen.append(message)
        raise RuntimeError("boom")

    e.set_logger(bad)
    d = e.authorize(token=keys.rsa.sign(claims()), now=NOW)
    assert seen and d.reason.snake_name == "denied_by_rule"
    assert reported and isinstance(reported[0], RuntimeError), "the exception is reported, not lost"


def test_logger_accepts_a_logging_logger(keys, caplog):
    import logging

    e = claimcheck.Engine(keys.with_rules("    - deny: 'jwt.tenant == \"x\"'\n"))
    e.set_logger(logging.getLogger("claimcheck.test"))
    with caplog.at_level(logging.DEBUG, logger="claimcheck.test"):
        e.authorize(token=keys.rsa.sign(claims()), now=NOW)
    assert any("tenant" in r.getMessage() for r in caplog.records)


def test_invalid_json_attribute_value_is_an_error(keys):
    e = claimcheck.Engine(keys.rsa_config())
    with pytest.raises(TypeError):
        e.authorize(attributes={"x.y": object()}, now=NOW)


def test_library_version_and_mode():
    assert claimcheck.library_version() == "0.1.0"
    assert claimcheck.ABI_VERSION == 2
    # scripts/test-python says which mode it expects, so a silently failed
    # compile of the API-mode extension (a slower binding) fails the run.
    assert claimcheck.MODE == os.environ.get("CLAIMCHECK_EXPECT_MODE", claimcheck.MODE)
    assert claimcheck.MODE in ("api", "abi")
