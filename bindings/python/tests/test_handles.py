"""Native handles: close(), `with`, collection, and closing an engine or a
decision while other threads are using it."""

from __future__ import annotations

import gc
import threading

import pytest

import claimcheck
from claimcheck import ClosedError, DecisionClosedError, EngineClosedError, Result
from claimcheck import engine as engine_mod
from claimcheck._managed import Handle
from conftest import NOW, claims, claims_with

JOIN_TIMEOUT = 60


def test_every_native_object_is_a_handle():
    assert issubclass(claimcheck.Engine, Handle)
    assert issubclass(claimcheck.Decision, Handle)
    assert issubclass(engine_mod._Error, Handle) and issubclass(engine_mod._Warnings, Handle)
    assert issubclass(EngineClosedError, ClosedError) and issubclass(DecisionClosedError, ClosedError)


def test_decision_close_and_use_after_close(keys):
    with claimcheck.Engine(keys.rsa_config()) as e:
        d = e.authorize(token=keys.rsa.sign(claims()), now=NOW)
    assert d.subject == "alice@example.com"  # read (and kept) before close
    ident = d.identity
    d.close()
    d.close()  # idempotent
    assert d.closed
    reads = [lambda: d.allowed, lambda: d.status, lambda: d.reason, lambda: d.message, lambda: d.detail,
             lambda: d.www_authenticate, lambda: d.provider, lambda: d.issuer, lambda: d.subject,
             lambda: d.claims, lambda: d.claim("sub"), lambda: d.scopes, lambda: d.rule,
             lambda: d.rule_errored, lambda: d.credential, lambda: d.identity, lambda: d.as_dict()]
    for read in reads:
        # Also the fields read before close: a closed decision answers nothing.
        with pytest.raises(DecisionClosedError, match="the decision is closed") as info:
            read()
        assert info.value.code == Result.INVALID_HANDLE
    assert repr(d) == "<claimcheck.Decision closed>"
    with pytest.raises(DecisionClosedError):
        with d:
            pass
    # What was copied out stays valid.
    assert ident.subject == "alice@example.com" and ident.scopes == ["mcp:read", "openid"]


def test_decision_as_context_manager(keys):
    with claimcheck.Engine(keys.rsa_config()) as e:
        with e.authorize(token=keys.rsa.sign(claims()), now=NOW) as d:
            assert d.allowed and d.claim("uid") == "00u1"
        assert d.closed
        with pytest.raises(DecisionClosedError):
            d.claim("uid")


def test_an_engine_never_closed_is_freed_when_collected(keys):
    e = claimcheck.Engine(keys.with_rules("    - deny: 'jwt.tenant == \"x\"'\n"))

    def logger(level, message):
        pass

    e.set_logger(logger)
    (key,) = [k for k, fn in engine_mod._loggers.items() if fn is logger]
    del e
    gc.collect()
    # Freeing the engine ran its logger's finalizer.
    assert key not in engine_mod._loggers


def test_a_failed_load_leaves_nothing_to_free(keys):
    with pytest.raises(claimcheck.ConfigError):
        claimcheck.Engine("authentication: [\n")
    gc.collect()  # the half-built Engine's __del__ must not free anything


def test_close_waits_for_nothing_and_frees_after_the_call_in_flight(keys, monkeypatch):
    # The deny rule errors (no tenant claim), so authorize calls the logger
    # from inside the library: the logger holds that call in flight.
    e = claimcheck.Engine(keys.with_rules("    - deny: 'jwt.tenant == \"x\"'\n"))
    freed = []
    free = claimcheck.Engine._delete

    def recording_free(self, ptr):
        freed.append(threading.current_thread().name)
        free(self, ptr)

    monkeypatch.setattr(claimcheck.Engine, "_delete", recording_free)
    inside, release = threading.Event(), threading.Event()

    def blocking_logger(level, message):
        if not inside.is_set():
            inside.set()
            release.wait(JOIN_TIMEOUT)

    e.set_logger(blocking_logger)
    key = max(k for k, fn in engine_mod._loggers.items() if fn is blocking_logger)
    result = {}

    def call():
        try:
            result["decision"] = e.authorize(token=keys.rsa.sign(claims()), now=NOW)
        except BaseException as exc:  # reported below
            result["error"] = exc

    worker = threading.Thread(target=call, name="in-flight")
    worker.start()
    assert inside.wait(JOIN_TIMEOUT), "authorize did not reach the logger"
    e.close()  # returns at once although a call is running
    assert e.closed
    with pytest.raises(EngineClosedError):
        e.authorize(token=keys.rsa.sign(claims()), now=NOW)
    assert freed == [], "the engine was freed under a running call"
    release.set()
    worker.join(JOIN_TIMEOUT)
    assert not worker.is_alive()
    assert "error" not in result, result
    d = result["decision"]
    assert (d.status, d.reason.snake_name, d.rule_errored, d.subject) == (403, "denied_by_rule", True, "alice@example.com")
    # The call's return freed the engine, once (and its logger's finalizer ran).
    assert freed == ["in-flight"]
    assert key not in engine_mod._loggers
    e.close()
    assert freed == ["in-flight"]


def test_close_from_inside_a_callback_of_the_same_call(keys):
    e = claimcheck.Engine(keys.with_rules("    - deny: 'jwt.tenant == \"x\"'\n"))
    e.set_logger(lambda level, message: e.close())
    result = {}

    def call():
        result["decision"] = e.authorize(token=keys.rsa.sign(claims()), now=NOW)

    worker = threading.Thread(target=call)
    worker.start()
    worker.join(JOIN_TIMEOUT)
    assert not worker.is_alive(), "close() from a callback deadlocked"
    assert result["decision"].reason.snake_name == "denied_by_rule"
    assert e.closed
    with pytest.raises(EngineClosedError):
        e.authorize(now=NOW)


THREADS = 6
ROUNDS = 15


def _expected(d):
    return (d.status, d.reason.snake_name, d.subject, d.claim("uid") if d.allowed else None, d.scopes)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_close_while_threads_authorize(keys, round_):
    """Every call made around close() returns its real decision or raises EngineClosedError."""
    tokens = [keys.rsa.sign(claims_with(sub=f"user-{i}", uid=f"u{i}")) for i in range(THREADS)]
    expired = keys.rsa.sign(claims_with(exp=int(NOW) - 3600))
    e = claimcheck.Engine(keys.rsa_config())
    want = {i: _expected(e.authorize(token=t, now=NOW)) for i, t in enumerate(tokens)}
    want_expired = _expected(e.authorize(token=expired, now=NOW))
    assert want[0] == (200, "allowed", "user-0", "u0", ["mcp:read", "openid"])
    assert want_expired[:3] == (401, "expired", None)

    running = [threading.Event() for _ in range(THREADS)]
    failures, endings = [], []
    lock = threading.Lock()

    def worker(i):
        n = 0
        while True:
            token = tokens[i] if n % 3 else expired
            try:
                d = e.authorize(token=token, now=NOW)
            except EngineClosedError as exc:
                with lock:
                    endings.append((i, exc))
                return
            except BaseException as exc:
                with lock:
                    failures.append((i, repr(exc)))
                return
            got = _expected(d)
            if got != (want[i] if n % 3 else want_expired):
                with lock:
                    failures.append((i, got))
            n += 1
            if n == 5:
                running[i].set()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for w in workers:
        w.start()
    for ev in running:
        assert ev.wait(JOIN_TIMEOUT), "a worker made no progress"
    e.close()
    for w in workers:
        w.join(JOIN_TIMEOUT)
    assert not any(w.is_alive() for w in workers), "a worker did not stop after close()"
    assert failures == []
    # Every worker stopped on the documented error, and only on it.
    assert sorted(i for i, _ in endings) == list(range(THREADS))
    for _, exc in endings:
        assert exc.code == Result.INVALID_HANDLE and str(exc) == "the engine is closed"
    with pytest.raises(EngineClosedError):
        e.authorize(token=tokens[0], now=NOW)


def test_close_a_decision_while_threads_read_it(keys):
    with claimcheck.Engine(keys.rsa_config()) as e:
        for _ in range(ROUNDS):
            d = e.authorize(token=keys.rsa.sign(claims()), now=NOW)
            running = [threading.Event() for _ in range(THREADS)]
            failures, endings = [], []
            lock = threading.Lock()

            def reader(i, d=d, running=running, failures=failures, endings=endings, lock=lock):
                n = 0
                while True:
                    try:
                        got = (d.claim("uid"), d.claim("groups"), d.scopes, d.subject)
                    except DecisionClosedError:
                        with lock:
                            endings.append(i)
                        return
                    except BaseException as exc:
                        with lock:
                            failures.append(repr(exc))
                        return
                    if got != ("00u1", ["Everyone", "AI-Users"], ["mcp:read", "openid"], "alice@example.com"):
                        with lock:
                            failures.append(got)
                    n += 1
                    if n == 5:
                        running[i].set()

            readers = [threading.Thread(target=reader, args=(i,)) for i in range(THREADS)]
            for r in readers:
                r.start()
            for ev in running:
                assert ev.wait(JOIN_TIMEOUT)
            d.close()
            for r in readers:
                r.join(JOIN_TIMEOUT)
            assert not any(r.is_alive() for r in readers)
            assert failures == []
            assert sorted(endings) == list(range(THREADS))
