"""WSGI middleware (Flask, Django, any WSGI app)."""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Mapping, Optional, Tuple

from ._http import denial, status_line, without_cookie, without_parameter
from .decision import Credential, Decision, Identity, identity_of
from .engine import Engine

Environ = dict
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

__all__ = ["ClaimcheckMiddleware", "identity", "decision"]

_PLAIN_HEADERS = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


def _headers(environ: Mapping[str, Any]) -> List[Tuple[str, str]]:
    out = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out.append((key[5:].replace("_", "-").lower(), value))
        elif key in _PLAIN_HEADERS and value:
            out.append((_PLAIN_HEADERS[key], value))
    return out


class ClaimcheckMiddleware:
    """Authorizes every request before the wrapped WSGI app sees it.

    Denied: answers with the decision's status, its `WWW-Authenticate` header
    and `{"error": reason, "message": message}`. Allowed: the app gets
    `environ["claimcheck.identity"]` (an `Identity`, or None for an
    unauthenticated request that optional/permissive mode let through) and
    `environ["claimcheck.decision"]`; with `strip_credential=True` the
    credential is removed from the environ first, wherever the config took
    it from (`Decision.credential`): its header (`HTTP_<NAME>`), or just its
    cookie from `HTTP_COOKIE` (the other cookies kept), or just its query
    parameter from `QUERY_STRING` (and from `REQUEST_URI`/`RAW_URI` when
    present; the other parameters kept), as are the headers named in
    `credential_headers` (these also when the request carried no credential,
    as optional and permissive modes allow).

    Args:
        app: the WSGI app to protect.
        engine: the `Engine` to ask.
        strip_credential: remove the credential (see above) before calling the app.
        credential_headers: more header names `strip_credential` removes, whatever the decision's credential.
        attributes: optional `callable(environ) -> dict` of extra rule attributes.
    """

    def __init__(
        self,
        app: WSGIApp,
        engine: Engine,
        *,
        strip_credential: bool = False,
        credential_headers: Iterable[str] = (),
        attributes: Optional[Callable[[Environ], Mapping[str, Any]]] = None,
    ) -> None:
        self.app = app
        self.engine = engine
        self.strip_credential = strip_credential
        self.credential_keys = tuple("HTTP_" + h.upper().replace("-", "_") for h in credential_headers)
        self.attributes = attributes

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI entry point."""
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path = f"{path}?{environ['QUERY_STRING']}"
        d = self.engine.authorize(
            headers=_headers(environ),
            method=environ.get("REQUEST_METHOD", "GET"),
            path=path,
            host=environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
            source=environ.get("REMOTE_ADDR", ""),
            attributes=self.attributes(environ) if self.attributes else None,
        )
        if not d.allowed:
            status, headers, body = denial(d)
            start_response(status_line(status), headers)
            return [body]
        environ["claimcheck.identity"] = d.identity
        environ["claimcheck.decision"] = d
        if self.strip_credential:
            for key in self.credential_keys:
                environ.pop(key, None)
            _strip(environ, d.credential)
        return self.app(environ, start_response)


def _strip(environ: Environ, credential: Optional[Credential]) -> None:
    """Removes the credential from the environ: its header, just its cookie,
    or just its query parameter."""
    if credential is None:
        return
    if credential.kind == "header":
        environ.pop("HTTP_" + credential.name.upper().replace("-", "_"), None)
        if credential.name == "authorization":
            environ.pop("HTTP_AUTHORIZATION", None)
    elif credential.kind == "cookie" and "HTTP_COOKIE" in environ:
        rest = without_cookie(environ["HTTP_COOKIE"], credential.name)
        if rest is None:
            del environ["HTTP_COOKIE"]
        else:
            environ["HTTP_COOKIE"] = rest
    elif credential.kind == "query":
        environ["QUERY_STRING"] = without_parameter(environ.get("QUERY_STRING", ""), credential.name)
        for key in ("REQUEST_URI", "RAW_URI"):
            if key in environ:
                path = environ[key].split("?", 1)[0]
                environ[key] = f"{path}?{environ['QUERY_STRING']}" if environ["QUERY_STRING"] else path


def identity(environ_or_request: Any) -> Optional[Identity]:
    """The `Identity` the middleware stored for this request (an environ or a Werkzeug request), or None."""
    return identity_of(environ_or_request)


def decision(environ_or_request: Any) -> Optional[Decision]:
    """The full `Decision` the middleware stored for this request, or None."""
    environ = getattr(environ_or_request, "environ", environ_or_request)
    value = environ.get("claimcheck.decision")
    return value if isinstance(value, Decision) else None
