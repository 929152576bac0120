"""claimcheck through the Python binding vs PyJWT + cel-python doing the same work.

Not a test. Usage (from bindings/python, with requirements-bench.txt and the
package installed): python benchmarks/compare.py [--number N] [--repeat R]

The work per decision: verify an Okta-like RS256 access token (claims ver,
jti, iss, aud, iat, exp, cid, uid, scp[2], sub, groups[8]) against the
issuer, audience, exp (60 s leeway) and an RS256-only algorithm list with a
key chosen by kid, then evaluate `"AI-Users" in auth.claims.groups` over the
verified claims. Every contender runs in this one process, back to back.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import timeit

import celpy
import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from conftest import AUDIENCE, ISSUER, Key, jwks  # noqa: E402

import claimcheck  # noqa: E402

RULE = '"AI-Users" in auth.claims.groups'


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--number", type=int, default=2000, help="calls per timing")
    ap.add_argument("--repeat", type=int, default=7, help="timings per contender")
    args = ap.parse_args()

    key = Key("RS256", "okta-1")
    other = Key("RS256", "okta-2")
    now = int(time.time())
    claims = {
        "ver": 1, "jti": "AT.1nU9Xg2ZtEMbd5R0TQvWhL7yE2Y8n0ob6oG1lWzKq4s", "iss": ISSUER, "aud": AUDIENCE,
        "iat": now - 60, "exp": now + 3600, "cid": "0oa8f5j3ecb5w6Rn35d7", "uid": "00u8f5j3ecb5w6Rn35d7",
        "scp": ["openid", "mcp:read"], "sub": "alice@example.com",
        "groups": ["Everyone", "AI-Users", "Engineering", "Platform", "Oncall", "EU", "Staff", "VPN"],
    }
    token = key.sign(claims)
    keyset = jwks(key, other)

    # claimcheck
    cfg = (f"authentication:\n  providers:\n    - name: okta\n      issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n"
           f"      algorithms: [RS256]\n      jwks:\n        inline: '{json.dumps(keyset)}'\n"
           f"authorization:\n  rules:\n    - '{RULE}'\n")
    engine = claimcheck.Engine(cfg)

    def cc_decide() -> bool:
        return engine.authorize(token=token).allowed

    def cc_decide_identity() -> bool:
        d = engine.authorize(token=token)
        return d.allowed and d.subject is not None and bool(d.claims)

    def cc_no_crypto() -> bool:
        return engine.authorize(token="a.b.c").allowed

    # PyJWT + cel-python: keys pre-parsed once, by kid, like claimcheck's.
    pyjwt_keys = {k["kid"]: jwt.PyJWK(k).key for k in keyset["keys"]}
    env = celpy.Environment()
    program = env.program(env.compile(RULE))

    def pyjwt_decode() -> dict:
        kid = jwt.get_unverified_header(token)["kid"]
        return jwt.decode(token, pyjwt_keys[kid], algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER,
                          leeway=60, options={"require": ["exp", "iss", "aud"]})

    verified = pyjwt_decode()

    def cel_eval() -> bool:
        return bool(program.evaluate({"auth": celpy.json_to_cel({"claims": verified})}))

    def pyjwt_cel() -> bool:
        c = pyjwt_decode()
        return bool(program.evaluate({"auth": celpy.json_to_cel({"claims": c})}))

    # Raw RS256 verification with cryptography: the floor for any contender.
    signing_input, _, sig = token.rpartition(".")
    import base64

    raw_sig = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    pub = key.private.public_key()

    def raw_verify() -> None:
        pub.verify(raw_sig, signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())

    assert cc_decide() and cc_decide_identity() and pyjwt_cel() and cel_eval() and not cc_no_crypto()

    contenders = [
        ("raw RS256 verify (cryptography)", raw_verify),
        ("claimcheck: authorize + allowed", cc_decide),
        ("claimcheck: authorize + allowed, subject, claims", cc_decide_identity),
        ("claimcheck: authorize, malformed token (binding + parse, no crypto)", cc_no_crypto),
        ("PyJWT decode (RS256, iss, aud, exp)", pyjwt_decode),
        ("cel-python eval (activation included)", cel_eval),
        ("PyJWT + cel-python", pyjwt_cel),
    ]
    results = {}
    for name, fn in contenders:
        fn()
        times = [t / args.number * 1e6 for t in timeit.repeat(fn, number=args.number, repeat=args.repeat)]
        results[name] = (min(times), statistics.median(times))

    print(f"python {platform.python_version()} ({platform.python_implementation()}), {platform.machine()}, "
          f"claimcheck {claimcheck.library_version()} via cffi {claimcheck.MODE} mode, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{args.repeat} timings x {args.number} calls each\n")
    print("| contender | best (us/call) | median (us/call) |")
    print("|---|---|---|")
    for name, (best, med) in results.items():
        print(f"| {name} | {best:.1f} | {med:.1f} |")
    base = results["PyJWT + cel-python"]
    for label in ("claimcheck: authorize + allowed", "claimcheck: authorize + allowed, subject, claims"):
        cc = results[label]
        print(f"\nPyJWT + cel-python / {label}: {base[0] / cc[0]:.1f}x (best), {base[1] / cc[1]:.1f}x (median)")


if __name__ == "__main__":
    main()
