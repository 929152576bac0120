"""The engine's answer for one request: `Decision`, `Reason` and `Identity`."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional

from ._lib import ffi, lib, to_str
from ._managed import Handle
from .errors import ClaimcheckError, DecisionClosedError


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
    """Who a verified token names: what a middleware hands the application on allow.

    Every field is read from the library's decision (`Decision.identity`),
    never recomputed in Python.
    """

    #: The config name of the provider whose key verified the token.
    provider: str
    #: The token's `iss`.
    issuer: str
    #: The token's `sub`, or None when it has none.
    subject: Optional[str]
    #: Every verified claim.
    claims: Dict[str, Any] = field(default_factory=dict)
    #: The granted scopes exactly as the rules' `auth.scopes` sees them (`Decision.scopes`).
    scopes: List[str] = field(default_factory=list)


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

_decision_allowed = lib.claimcheck_decision_allowed
_decision_status = lib.claimcheck_decision_status
_decision_reason = lib.claimcheck_decision_reason
_decision_message = lib.claimcheck_decision_message
_decision_detail = lib.claimcheck_decision_detail
_decision_www = lib.claimcheck_decision_www_authenticate
_decision_provider = lib.claimcheck_decision_provider
_decision_issuer = lib.claimcheck_decision_issuer
_decision_subject = lib.claimcheck_decision_subject
_decision_claims_json = lib.claimcheck_decision_claims_json
_decision_rule = lib.claimcheck_decision_rule
_decision_rule_errored = lib.claimcheck_decision_rule_errored


def _str_of(ptr: Any, accessor: Callable[[Any], Any]) -> Optional[str]:
    return to_str(accessor(ptr))


def _read_claim(ptr: Any, name: bytes) -> Optional[bytes]:
    out = ffi.new("claimcheck_str *")
    if lib.claimcheck_decision_claim(ptr, name, len(name), out) != 0:
        return None
    return ffi.unpack(out.ptr, out.len)


def _read_credential(ptr: Any) -> Optional[Credential]:
    kind = _CREDENTIAL_KINDS.get(int(lib.claimcheck_decision_credential_kind(ptr)))
    name = to_str(lib.claimcheck_decision_credential_name(ptr))
    return Credential(kind, name) if kind is not None and name is not None else None


def _read_scopes(ptr: Any) -> List[str]:
    view = ffi.new("claimcheck_str *")
    scopes = []
    for i in range(lib.claimcheck_decision_scopes_count(ptr)):
        code = lib.claimcheck_decision_scopes_get(ptr, i, view)
        if code != 0:
            raise ClaimcheckError(code, f"claimcheck_decision_scopes_get({i}) failed")
        scopes.append(ffi.unpack(view.ptr, view.len).decode("utf-8"))
    return scopes


class Decision(Handle):
    """The engine's answer for one request (immutable).

    Fields are read from the native decision on first access and kept, so a
    gateway that looks only at `allowed` and `status` pays for nothing else.
    A decision owns its data: it stays readable after its engine is closed.
    It is freed when collected, or earlier by `close()` (or a `with` block),
    after which reading any field raises `DecisionClosedError`; `close()` is
    safe while other threads read it.

    Attributes:
        allowed: whether the request may go through.
        status: the HTTP status to answer with (200 when allowed; 400, 401, 403 or 503).
        reason: a `Reason`.
        message: text safe to show the client.
        detail: what exactly went wrong, for the host's logs only (or None).
        www_authenticate: the `WWW-Authenticate` value to send, or None.
        provider, issuer, subject: the verified token's identity (None without one).
        claims: every verified claim as a dict (empty without a valid token).
        scopes: the granted scopes as the rules' `auth.scopes` sees them (empty without a valid token).
        rule: the 0-based index of the deciding rule in `authorization.rules`, or None.
        rule_errored: whether the deciding rule errored instead of evaluating.
        credential: where the request's one credential was (`Credential`), or None.
    """

    __slots__ = ("_allowed", "_status", "_reason", "_message", "_detail", "_www", "_provider", "_issuer",
                 "_subject", "_claims", "_scopes", "_rule", "_rule_errored", "_credential")

    def __init__(self, ptr: Any) -> None:
        """Takes ownership of a `claimcheck_decision *` (freed by `close()` or when collected)."""
        Handle.__init__(self, ptr)
        self._allowed = self._status = self._reason = self._message = self._detail = _UNSET
        self._www = self._provider = self._issuer = self._subject = self._claims = self._scopes = _UNSET
        self._rule = self._rule_errored = self._credential = _UNSET

    def _delete(self, ptr: Any) -> None:
        lib.claimcheck_decision_free(ptr)

    def _closed_error(self) -> Exception:
        return DecisionClosedError()

    @property
    def allowed(self) -> bool:
        """Whether the request may go through."""
        v = self._allowed
        if v is _UNSET or self._closed:
            v = self._allowed = self._with_ptr_locked(_decision_allowed)
        return v

    @property
    def status(self) -> int:
        """The HTTP status to answer with."""
        v = self._status
        if v is _UNSET or self._closed:
            v = self._status = self._with_ptr_locked(_decision_status)
        return v

    @property
    def reason(self) -> Reason:
        """The reason code."""
        v = self._reason
        if v is _UNSET or self._closed:
            v = self._reason = Reason(self._with_ptr_locked(_decision_reason))
        return v

    @property
    def message(self) -> str:
        """A message safe to show the client."""
        v = self._message
        if v is _UNSET or self._closed:
            v = self._message = self._with_ptr_locked(_str_of, _decision_message) or ""
        return v

    @property
    def detail(self) -> Optional[str]:
        """What exactly went wrong, for the host's logs (never for the client), or None."""
        v = self._detail
        if v is _UNSET or self._closed:
            v = self._detail = self._with_ptr_locked(_str_of, _decision_detail)
        return v

    @property
    def www_authenticate(self) -> Optional[str]:
        """The `WWW-Authenticate` header value to send, or None."""
        v = self._www
        if v is _UNSET or self._closed:
            v = self._www = self._with_ptr_locked(_str_of, _decision_www)
        return v

    @property
    def provider(self) -> Optional[str]:
        """The config name of the provider that verified the token, or None."""
        v = self._provider
        if v is _UNSET or self._closed:
            v = self._provider = self._with_ptr_locked(_str_of, _decision_provider)
        return v

    @property
    def issuer(self) -> Optional[str]:
        """The verified token's `iss`, or None."""
        v = self._issuer
        if v is _UNSET or self._closed:
            v = self._issuer = self._with_ptr_locked(_str_of, _decision_issuer)
        return v

    @property
    def subject(self) -> Optional[str]:
        """The verified token's `sub`, or None."""
        v = self._subject
        if v is _UNSET or self._closed:
            v = self._subject = self._with_ptr_locked(_str_of, _decision_subject)
        return v

    @property
    def claims(self) -> Dict[str, Any]:
        """Every verified claim, decoded from the library's claims JSON (empty without a valid token)."""
        v = self._claims
        if v is _UNSET or self._closed:
            text = self._with_ptr_locked(_str_of, _decision_claims_json)
            v = self._claims = json.loads(text) if text is not None else {}
        return v

    def claim(self, name: str) -> Any:
        """One verified claim, decoded; raises KeyError when the token lacks it (or there is no valid token)."""
        text = self._with_ptr_locked(_read_claim, name.encode("utf-8"))
        if text is None:
            raise KeyError(name)
        return json.loads(text)

    @property
    def scopes(self) -> List[str]:
        """The scopes the verified token grants, in its order, exactly as rules see `auth.scopes`.

        Read from the library (`claimcheck_decision_scopes_get`), so the core's
        rules apply: an `scp` array of strings, an `scp` string or (without
        `scp`) a `scope` string split on single spaces (a tab or newline stays
        part of a word); a claim of another shape, such as an `scp` list
        holding a non-string, grants none. Empty without a valid token.
        """
        v = self._scopes
        if v is _UNSET or self._closed:
            v = self._scopes = self._with_ptr_locked(_read_scopes)
        return v

    @property
    def rule(self) -> Optional[int]:
        """The 0-based index of the deciding rule, or None when no single rule decided."""
        v = self._rule
        if v is _UNSET or self._closed:
            index = self._with_ptr_locked(_decision_rule)
            v = self._rule = index if index >= 0 else None
        return v

    @property
    def rule_errored(self) -> bool:
        """Whether the deciding rule errored instead of evaluating."""
        v = self._rule_errored
        if v is _UNSET or self._closed:
            v = self._rule_errored = self._with_ptr_locked(_decision_rule_errored)
        return v

    @property
    def credential(self) -> Optional[Credential]:
        """Where the request's one credential was, whatever the outcome (None
        without one, or with several): what a gateway removes before forwarding."""
        v = self._credential
        if v is _UNSET or self._closed:
            v = self._credential = self._with_ptr_locked(_read_credential)
        return v

    @property
    def identity(self) -> Optional[Identity]:
        """The verified identity (provider, issuer, subject, claims and scopes), or None without a valid token."""
        provider = self.provider
        if provider is None:
            return None
        return Identity(provider=provider, issuer=self.issuer or "", subject=self.subject, claims=self.claims,
                        scopes=self.scopes)

    def as_dict(self) -> Dict[str, Any]:
        """Every field as a plain dict of JSON-ready values: the reason as its
        snake_case name, the credential as `{"kind": ..., "name": ...}` or None."""
        credential = self.credential
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
            "scopes": self.scopes,
            "rule": self.rule,
            "rule_errored": self.rule_errored,
            "credential": credential._asdict() if credential is not None else None,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self._closed:
            return "<claimcheck.Decision closed>"
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
