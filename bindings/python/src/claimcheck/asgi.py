"""ASGI middleware (Starlette, FastAPI, any ASGI 3 app)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, FrozenSet, Iterable, List, Mapping, MutableMapping, Optional, Tuple

from ._http import denial, without_cookie, without_parameter
from .decision import Credential, Decision, Identity, identity_of
from .engine import Engine

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["ClaimcheckMiddleware", "identity", "decision"]


class ClaimcheckMiddleware:
    """Authorizes every HTTP and WebSocket request before the wrapped app sees it.

    Denied: answers with the decision's status, its `WWW-Authenticate` header
    and `{"error": reason, "message": message}` (a WebSocket is closed with
    code 1008 before it is accepted). Allowed: the app gets
    `scope["claimcheck.identity"]` (an `Identity`, or None for an
    unauthenticated request that optional/permissive mode let through) and
    `scope["claimcheck.decision"]`; with `strip_credential=True` the
    credential is removed from the scope first, wherever the config took it
    from (`Decision.credential`: its header, just its cookie, or just its
    query parameter), as are the headers named in `credential_headers`.

    Args:
        app: the ASGI app to protect.
        engine: the `Engine` to ask.
        strip_credential: remove the credential before calling the app.
        credential_headers: more header names `strip_credential` removes.
        attributes: optional `callable(scope) -> dict` of extra rule attributes.
    """

    def __init__(
        self,
        app: ASGIApp,
        engine: Engine,
        *,
        strip_credential: bool = False,
        credential_headers: Iterable[str] = (),
        attributes: Optional[Callable[[Scope], Mapping[str, Any]]] = None,
    ) -> None:
        self.app = app
        self.engine = engine
        self.strip_credential = strip_credential
        self.credential_headers = frozenset(h.lower().encode("latin-1") for h in credential_headers)
        self.attributes = attributes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point."""
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw_headers: List[Tuple[bytes, bytes]] = list(scope.get("headers") or [])
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw_headers]
        host = next((v for n, v in headers if n.lower() == "host"), "")
        path = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
        if isinstance(path, bytes):
            path = path.decode("latin-1")
        qs = scope.get("query_string") or b""
        if qs and "?" not in path:
            path = f"{path}?{qs.decode('latin-1')}"
        client = scope.get("client")
        method = scope.get("method", "GET") if kind == "http" else "GET"
        d = self.engine.authorize(
            headers=headers,
            method=method,
            path=path,
            host=host,
            source=client[0] if client else "",
            attributes=self.attributes(scope) if self.attributes else None,
        )
        if not d.allowed:
            await _deny(d, kind, send)
            return
        scope = dict(scope)
        scope["claimcheck.identity"] = d.identity
        scope["claimcheck.decision"] = d
        if self.strip_credential:
            _strip(scope, raw_headers, d.credential, self.credential_headers)
        await self.app(scope, receive, send)


def _strip(scope: Dict[str, Any], raw_headers: List[Tuple[bytes, bytes]], credential: Optional[Credential],
           extra: FrozenSet[bytes]) -> None:
    """Removes the credential from a (copied) scope."""
    drop = set(extra)
    headers = raw_headers
    if credential is not None and credential.kind == "header":
        drop.add(credential.name.encode("latin-1"))
    elif credential is not None and credential.kind == "cookie":
        headers = []
        for n, v in raw_headers:
            if n.lower() == b"cookie":
                rest = without_cookie(v.decode("latin-1"), credential.name)
                if rest is None:
                    continue
                v = rest.encode("latin-1")
            headers.append((n, v))
    elif credential is not None and credential.kind == "query":
        qs = (scope.get("query_string") or b"").decode("latin-1")
        scope["query_string"] = without_parameter(qs, credential.name).encode("latin-1")
    scope["headers"] = [(n, v) for n, v in headers if n.lower() not in drop]


async def _deny(d: Decision, kind: str, send: Send) -> None:
    if kind == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": d.reason.snake_name})
        return
    status, headers, body = denial(d)
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers],
    })
    await send({"type": "http.response.body", "body": body})


def identity(scope_or_request: Any) -> Optional[Identity]:
    """The `Identity` the middleware stored for this request (a scope or a Starlette `Request`), or None."""
    return identity_of(scope_or_request)


def decision(scope_or_request: Any) -> Optional[Decision]:
    """The full `Decision` the middleware stored for this request, or None."""
    scope = getattr(scope_or_request, "scope", scope_or_request)
    value = scope.get("claimcheck.decision")
    return value if isinstance(value, Decision) else None
