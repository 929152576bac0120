"""The engine's answer for one request: `Decision`, `Reason` and `Identity`."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, NamedTuple, Optional

from ._lib import ffi, lib, to_str


class Reason(enum.IntEnum):
    """Why a request was allowed or denied; mirrors `CLAIMCHECK_REASON_*` (codes are never reused).

    `reason.name` is the member name (`EXPIRED`); `reason.snake_name` (and `str(reason)`)
    is the stable snake_case string the C library and the JSON error bodies use (`expired`).
    """

    ALLOWED = 0
    MISSING_TOKEN = 1
    MULTIPLE_TOKENS = 2
    MALFORMED_TOKEN = 3
    TOKEN_TOO_LARGE = 4
    UNSUPPORTED_ALGORITHM = 5
    UNKNOWN_ISSUER = 6
    UNKNOWN_KEY = 7
    INVALID_SIGNATURE = 8
    INVALID_TYPE = 9
    UNKNOWN_CRITICAL_HEADER = 10
    EXPIRED = 11
    NOT_YET_VALID = 12
    ISSUED_IN_FUTURE = 13
    LIFETIME_TOO_LONG = 14
    INVALID_AUDIENCE = 15
    INVALID_CLAIM = 16
    KEYS_UNAVAILABLE = 17
    DENIED_BY_RULE = 18
    REQUIRED_RULE_FAILED = 19
    NO_RULE_ALLOWED = 20
    NO_DECISION = 65535

    @property
    def snake_name(self) -> str:
        """The stable snake_case name (`"expired"`), as `claimcheck_reason_name` gives it."""
        return self.name.lower()

    def __str__(self) -> str:
        return self.snake_name


class LogLevel(enum.IntEnum):
    """The level of a message sent to the engine's logger (`CLAIMCHECK_LOG_*`)."""

    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4


@dataclass(frozen=True)
class Identity:
    """Who a verified token names: what a middleware hands the application on allow."""

    #: The config name of the provider whose key verified the token.
    provider: str
    #: The token's `iss`.
    issuer: str
    #: The token's `sub`, or None when it has none.
    subject: Optional[str]
    #: Every verified claim.
    claims: Dict[str, Any] = field(default_factory=dict)

    @property
    def scopes(self) -> List[str]:
        """The token's scopes as one list (`scp` array or string, or `scope` string), like the rules' `auth.scopes`."""
        raw = self.claims.get("scp", self.claims.get("scope"))
        if isinstance(raw, str):
            return raw.split()
        if isinstance(raw, list):
            return [s for s in raw if isinstance(s, str)]
        return []


_UNSET: Any = object()


class Credential(NamedTuple):
    """The place a request carried its credential."""

    kind: str
    """`"header"`, `"cookie"` or `"query"`."""
    name: str
    """The header (lower case), cookie or query parameter name from the config."""


_CREDENTIAL_KINDS = {
    lib.CLAIMCHECK_CREDENTIAL_HEADER: "header",
    lib.CLAIMCHECK_CREDENTIAL_COOKIE: "cookie",
    lib.CLAIMCHECK_CREDENTIAL_QUERY: "query",
}


class Decision:
    """The engine's answer for one request (immutable).

    Fields are read from the native decision on first access and kept, so a
    gateway that looks only at `allowed` and `status` pays for nothing else.

    Attributes:
        allowed: whether the request may go through.
        status: the HTTP status to answer with (200 when allowed; 400, 401, 403 or 503).
        reason: a `Reason`.
        message: text safe to show the client.
        detail: what exactly went wrong, for the host's logs only (or None).
        www_authenticate: the `WWW-Authenticate` value to send, or None.
        provider, issuer, subject: the verified token's identity (None without one).
        claims: every verified claim as a dict (empty without a valid token).
        rule: the 0-based index of the deciding rule in `authorization.rules`, or None.
        rule_errored: whether the deciding rule errored instead of evaluating.
        credential: where the request's one credential was (`Credential`), or None.
    """

    __slots__ = ("_ptr", "_allowed", "_status", "_reason", "_message", "_detail", "_www",
                 "_provider", "_issuer", "_subject", "_claims", "_rule", "_rule_errored", "_credential")

    def __init__(self, ptr: Any) -> None:
        """Wraps an owned `claimcheck_decision *` (freed when this object is collected)."""
        self._ptr = ffi.gc(ptr, lib.claimcheck_decision_free)
        self._allowed = self._status = self._reason = self._message = self._detail = _UNSET
        self._www = self._provider = self._issuer = self._subject = self._claims = _UNSET
        self._rule = self._rule_errored = self._credential = _UNSET

    @property
    def allowed(self) -> bool:
        """Whether the request may go through."""
        if self._allowed is _UNSET:
            self._allowed = bool(lib.claimcheck_decision_allowed(self._ptr))
        return self._allowed

    @property
    def status(self) -> int:
        """The HTTP status to answer with."""
        if self._status is _UNSET:
            self._status = int(lib.claimcheck_decision_status(self._ptr))
        return self._status

    @property
    def reason(self) -> Reason:
        """The reason code."""
        if self._reason is _UNSET:
            self._reason = Reason(lib.claimcheck_decision_reason(self._ptr))
        return self._reason

    @property
    def message(self) -> str:
        """A message safe to show the client."""
        if self._message is _UNSET:
            self._message = to_str(lib.claimcheck_decision_message(self._ptr)) or ""
        return self._message

    @property
    def detail(self) -> Optional[str]:
        """What exactly went wrong, for the host's logs (never for the client), or None."""
        if self._detail is _UNSET:
            self._detail = to_str(lib.claimcheck_decision_detail(self._ptr))
        return self._detail

    @property
    def www_authenticate(self) -> Optional[str]:
        """The `WWW-Authenticate` header value to send, or None."""
        if self._www is _UNSET:
            self._www = to_str(lib.claimcheck_decision_www_authenticate(self._ptr))
        return self._www

    @property
    def provider(self) -> Optional[str]:
        """The config name of the provider that verified the token, or None."""
        if self._provider is _UNSET:
            self._provider = to_str(lib.claimcheck_decision_provider(self._ptr))
        return self._provider

    @property
    def issuer(self) -> Optional[str]:
        """The verified token's `iss`, or None."""
        if self._issuer is _UNSET:
            self._issuer = to_str(lib.claimcheck_decision_issuer(self._ptr))
        return self._issuer

    @property
    def subject(self) -> Optional[str]:
        """The verified token's `sub`, or None."""
        if self._subject is _UNSET:
            self._subject = to_str(lib.claimcheck_decision_subject(self._ptr))
        return self._subject

    @property
    def claims(self) -> Dict[str, Any]:
        """Every verified claim, decoded from the claims JSON (empty without a valid token)."""
        if self._claims is _UNSET:
            text = to_str(lib.claimcheck_decision_claims_json(self._ptr))
            self._claims = json.loads(text) if text is not None else {}
        return self._claims

    def claim(self, name: str) -> Any:
        """One verified claim, decoded; raises KeyError when the token lacks it (or there is no valid token)."""
        raw = name.encode("utf-8")
        out = ffi.new("claimcheck_str *")
        if lib.claimcheck_decision_claim(self._ptr, raw, len(raw), out) != 0:
            raise KeyError(name)
        return json.loads(ffi.unpack(out.ptr, out.len))

    @property
    def rule(self) -> Optional[int]:
        """The 0-based index of the deciding rule, or None when no single rule decided."""
        if self._rule is _UNSET:
            index = int(lib.claimcheck_decision_rule(self._ptr))
            self._rule = index if index >= 0 else None
        return self._rule

    @property
    def rule_errored(self) -> bool:
        """Whether the deciding rule errored instead of evaluating."""
        if self._rule_errored is _UNSET:
            self._rule_errored = bool(lib.claimcheck_decision_rule_errored(self._ptr))
        return self._rule_errored

    @property
    def credential(self) -> Optional["Credential"]:
        """Where the request's one credential was, whatever the outcome (None
        without one, or with several): what a gateway removes before forwarding."""
        if self._credential is _UNSET:
            kind = _CREDENTIAL_KINDS.get(int(lib.claimcheck_decision_credential_kind(self._ptr)))
            name = to_str(lib.claimcheck_decision_credential_name(self._ptr))
            self._credential = Credential(kind, name) if kind is not None and name is not None else None
        return self._credential

    @property
    def identity(self) -> Optional[Identity]:
        """The verified identity, or None without a valid token."""
        provider = self.provider
        if provider is None:
            return None
        return Identity(provider=provider, issuer=self.issuer or "", subject=self.subject, claims=self.claims)

    def as_dict(self) -> Dict[str, Any]:
        """Every field as a plain dict (the reason as its snake_case name)."""
        return {
            "allowed": self.allowed,
            "status": self.status,
            "reason": self.reason.snake_name,
            "message": self.message,
            "detail": self.detail,
            "www_authenticate": self.www_authenticate,
            "provider": self.provider,
            "issuer": self.issuer,
            "subject": self.subject,
            "claims": self.claims,
            "rule": self.rule,
            "rule_errored": self.rule_errored,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Decision(allowed={self.allowed}, status={self.status}, reason={self.reason.snake_name!r}, "
                f"rule={self.rule}, subject={self.subject!r})")


def identity_of(carrier: Any) -> Optional[Identity]:
    """The identity a claimcheck middleware stored, or None.

    `carrier` is an ASGI scope, a WSGI environ, or an object with a `.scope`
    (Starlette/FastAPI `Request`) or `.environ` (Werkzeug/Flask request).
    """
    for attr in ("scope", "environ"):
        inner = getattr(carrier, attr, None)
        if isinstance(inner, Mapping):
            carrier = inner
            break
    if not isinstance(carrier, Mapping):
        raise TypeError("identity_of() takes an ASGI scope, a WSGI environ or a request object")
    value = carrier.get("claimcheck.identity")
    return value if isinstance(value, Identity) else None
