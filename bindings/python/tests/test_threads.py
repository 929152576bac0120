"""Many threads authorizing at once, also while another thread reloads.

What a user observes is checked, not how the scheduler interleaved the
threads: every decision is the one a single-threaded engine with one of
the two configs gives for that thread's own token (its own subject and
claims, never another thread's), never a mix of the two configs, and after
the last reload the engine answers with the last config.
"""

from __future__ import annotations

import threading

import claimcheck
from conftest import AUDIENCE, NOW, claims_with, config, jwks

THREADS = 8
PER_THREAD = 300
RELOADS = 200
JOIN_TIMEOUT = 120


def _configs(keys):
    # a: only api://default. b: also api://other, and a deny rule for tokens
    # for api://other. A torn config (b's audiences with a's rules) would
    # allow the wrong_aud token: an answer neither config gives.
    cfg_a = config(jwks(keys.rsa))
    cfg_b = cfg_a.replace(f"audiences: [{AUDIENCE}]", f"audiences: [{AUDIENCE}, api://other]") + (
        "authorization:\n  rules:\n    - deny: 'jwt.aud == \"api://other\"'\n"
    )
    return {"a": cfg_a, "b": cfg_b}


def _tokens(keys, i):
    """Thread i's own tokens: its subject and uid are in every verified decision."""
    own = {"sub": f"user-{i}", "uid": f"uid-{i}", "scp": ["mcp:read", f"t{i}"]}
    return {
        "valid": keys.rsa.sign(claims_with(**own)),
        "expired": keys.rsa.sign(claims_with(exp=int(NOW) - 3600, **own)),
        "wrong_aud": keys.rsa.sign(claims_with(aud="api://other", **own)),
    }


def _observed(d):
    claims = d.claims
    return (d.status, d.reason.snake_name, d.subject, claims.get("uid"), d.scopes, d.rule)


def _answers(cfgs, tokens):
    """(config, thread, token name) -> what a fresh single-threaded engine answers."""
    answers = {}
    for label, cfg in cfgs.items():
        with claimcheck.Engine(cfg) as e:
            for i, toks in tokens.items():
                for name, t in toks.items():
                    answers[(label, i, name)] = _observed(e.authorize(token=t, now=NOW))
    return answers


def _run(engine, tokens, answers, labels, during=None):
    """THREADS workers, each authorizing its own tokens PER_THREAD times;
    returns the decisions no config explains."""
    failures = []
    lock = threading.Lock()

    def worker(i):
        names = list(tokens[i])
        for n in range(PER_THREAD):
            name = names[(i + n) % len(names)]
            try:
                got = _observed(engine.authorize(token=tokens[i][name], now=NOW))
            except BaseException as exc:  # reported, not lost in the thread
                got = repr(exc)
            if not any(answers[(label, i, name)] == got for label in labels):
                with lock:
                    failures.append((i, name, got))

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for w in workers:
        w.start()
    if during is not None:
        during(lambda: any(w.is_alive() for w in workers))
    for w in workers:
        w.join(JOIN_TIMEOUT)
    assert not any(w.is_alive() for w in workers), "a worker hung"
    return failures


def test_concurrent_decisions_are_each_threads_own(keys):
    cfgs = _configs(keys)
    tokens = {i: _tokens(keys, i) for i in range(THREADS)}
    answers = _answers(cfgs, tokens)
    # The rows differ per thread (subject, uid, scopes), so a decision handed
    # to the wrong thread is caught.
    assert answers[("a", 0, "valid")] == (200, "allowed", "user-0", "uid-0", ["mcp:read", "t0"], None)
    assert answers[("a", 1, "valid")][2:5] == ("user-1", "uid-1", ["mcp:read", "t1"])
    with claimcheck.Engine(cfgs["a"]) as engine:
        assert _run(engine, tokens, answers, ["a"]) == []


def test_decisions_during_reloads_match_one_config_then_the_last(keys):
    cfgs = _configs(keys)
    tokens = {i: _tokens(keys, i) for i in range(THREADS)}
    answers = _answers(cfgs, tokens)
    # The configs differ on wrong_aud (401 under a, 403 by the rule under b),
    # or the test would show nothing.
    assert answers[("a", 0, "wrong_aud")][:2] == (401, "invalid_audience")
    assert answers[("b", 0, "wrong_aud")][:2] == (403, "denied_by_rule")
    assert answers[("a", 0, "valid")] == answers[("b", 0, "valid")]

    engine = claimcheck.Engine(cfgs["a"])
    reloads = []

    def reload_while(workers_running):
        # At least RELOADS reloads, and on until every worker is done.
        while workers_running() or len(reloads) < RELOADS:
            label = "b" if len(reloads) % 2 == 0 else "a"
            engine.reload(cfgs[label])
            reloads.append(label)

    failures = _run(engine, tokens, answers, ["a", "b"], during=reload_while)
    assert failures == []
    assert len(reloads) >= RELOADS
    # After the last reload every thread's answers are the last config's.
    last = reloads[-1]
    for i, toks in tokens.items():
        for name, t in toks.items():
            assert _observed(engine.authorize(token=t, now=NOW)) == answers[(last, i, name)], (last, i, name)
    engine.close()
