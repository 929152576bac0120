"""Many threads authorizing while another reloads between two configs."""

from __future__ import annotations

import threading

import claimcheck
from conftest import AUDIENCE, NOW, claims, claims_with, config, jwks

THREADS = 8
PER_THREAD = 400
RELOADS = 200


def test_decisions_during_reloads_match_one_config(keys):
    # a: only api://default; b: also api://other (the C stress test's pair).
    cfg_a = config(jwks(keys.rsa))
    cfg_b = cfg_a.replace(f"audiences: [{AUDIENCE}]", f"audiences: [{AUDIENCE}, api://other]")
    tokens = {
        "valid": keys.rsa.sign(claims()),
        "expired": keys.rsa.sign(claims_with(exp=NOW - 3600)),
        "wrong_aud": keys.rsa.sign(claims_with(aud="api://other")),
    }
    answers = {}
    for label, cfg in (("a", cfg_a), ("b", cfg_b)):
        with claimcheck.Engine(cfg) as e:
            for name, t in tokens.items():
                d = e.authorize(token=t, now=NOW)
                answers[(label, name)] = (d.status, d.reason.snake_name, d.subject)
    # The two configs must differ on wrong_aud, or the test shows nothing.
    assert answers[("a", "wrong_aud")] != answers[("b", "wrong_aud")]

    engine = claimcheck.Engine(cfg_a)
    stop = threading.Event()
    failures = []
    seen = {"a": 0, "b": 0}
    lock = threading.Lock()

    def worker(i):
        names = list(tokens)
        for n in range(PER_THREAD):
            name = names[(i + n) % len(names)]
            d = engine.authorize(token=tokens[name], now=NOW)
            got = (d.status, d.reason.snake_name, d.subject)
            matches = [label for label in ("a", "b") if answers[(label, name)] == got]
            with lock:
                if not matches:
                    failures.append((name, got))
                elif name == "wrong_aud":
                    seen[matches[0]] += 1

    reloads = [0]

    def reloader():
        # Until every worker is done (and at least RELOADS times).
        while not stop.is_set() or reloads[0] < RELOADS:
            engine.reload(cfg_b if reloads[0] % 2 == 0 else cfg_a)
            reloads[0] += 1

    r = threading.Thread(target=reloader)
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    r.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    r.join()
    engine.close()
    assert failures == []
    assert reloads[0] >= RELOADS
    # Both configs answered some requests: the reloads really interleaved.
    assert seen["a"] > 0 and seen["b"] > 0, seen
