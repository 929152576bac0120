"""Shared test support: keys, token minting (cryptography) and configs.

Mirrors tests/common/mod.rs of the Rust crate: the same issuer, audience,
pinned clock and Okta-shaped claims, so rows can be copied one to one.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

NOW = 1_750_000_000.0
ISSUER = "https://idp.example.com/oauth2/default"
AUDIENCE = "api://default"
REPO = Path(__file__).resolve().parents[3]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class Key:
    """A signing key with a kid, and its public JWK."""

    def __init__(self, alg: str, kid: str) -> None:
        self.alg, self.kid = alg, kid
        if alg == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
        else:
            raise ValueError(alg)

    def public_jwk(self) -> Dict[str, Any]:
        pub = self.private.public_key()
        if self.alg == "RS256":
            nums = pub.public_numbers()
            return {"kty": "RSA", "kid": self.kid, "alg": "RS256", "use": "sig", "n": _int_b64(nums.n), "e": _int_b64(nums.e)}
        nums = pub.public_numbers()
        return {"kty": "EC", "kid": self.kid, "alg": "ES256", "use": "sig", "crv": "P-256",
                "x": b64url(nums.x.to_bytes(32, "big")), "y": b64url(nums.y.to_bytes(32, "big"))}

    def sign_raw(self, header: Dict[str, Any], payload: bytes) -> str:
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(payload)}".encode()
        if self.alg == "RS256":
            sig = self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        else:
            from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

            r, s = decode_dss_signature(self.private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{signing_input.decode()}.{b64url(sig)}"

    def sign(self, claims: Dict[str, Any], typ: Optional[str] = "JWT", extra: Optional[Dict[str, Any]] = None) -> str:
        header: Dict[str, Any] = {"alg": self.alg, "kid": self.kid}
        if typ is not None:
            header["typ"] = typ
        header.update(extra or {})
        return self.sign_raw(header, json.dumps(claims).encode())


def jwks(*keys: Key) -> Dict[str, Any]:
    return {"keys": [k.public_jwk() for k in keys]}


def claims() -> Dict[str, Any]:
    """Okta-shaped claims valid at NOW."""
    return {
        "ver": 1, "jti": "AT.abc", "iss": ISSUER, "aud": AUDIENCE,
        "iat": int(NOW) - 60, "exp": int(NOW) + 3600, "cid": "0oa1", "uid": "00u1",
        "scp": ["mcp:read", "openid"], "sub": "alice@example.com", "groups": ["Everyone", "AI-Users"],
    }


def claims_with(**changes: Any) -> Dict[str, Any]:
    """claims() with changes merged in (None removes the claim)."""
    c = claims()
    for k, v in changes.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def config(keyset: Dict[str, Any], provider_extra: str = "", tail: str = "", mode: Optional[str] = None) -> str:
    """A one-provider YAML config, the JWKS inline (as tests/common/mod.rs builds it)."""
    extra = "".join(f"      {line.strip()}\n" for line in provider_extra.splitlines() if line.strip())
    head = f"  mode: {mode}\n" if mode else ""
    return (f"authentication:\n{head}  providers:\n    - name: okta\n      issuer: {ISSUER}\n"
            f"      audiences: [{AUDIENCE}]\n{extra}      jwks:\n        inline: '{json.dumps(keyset)}'\n{tail}")


class Keys:
    def __init__(self) -> None:
        self.rsa = Key("RS256", "rsa-1")
        self.rsa_other = Key("RS256", "rsa-2")
        self.impostor = Key("RS256", "rsa-1")
        self.ec = Key("ES256", "ec-1")

    def rsa_config(self, **kw: Any) -> str:
        return config(jwks(self.rsa), **kw)

    def with_rules(self, rules: str, **kw: Any) -> str:
        return config(jwks(self.rsa), tail=f"authorization:\n  rules:\n{rules}", **kw)


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()
