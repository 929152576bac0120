"""What both middlewares share: the answer to a denial (the Go middleware's
behaviour), and removing a credential from a cookie header or a query string."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import List, Optional, Tuple
from urllib.parse import unquote_plus

from .decision import Decision


def denial(decision: Decision) -> Tuple[int, List[Tuple[str, str]], bytes]:
    """The status, headers and body for a denied request.

    The body is `{"error": <reason, snake_case>, "message": <safe message>}`;
    the decision's `detail` is never sent to the client.
    """
    body = json.dumps({"error": decision.reason.snake_name, "message": decision.message}).encode("utf-8")
    headers = [("content-type", "application/json"), ("content-length", str(len(body)))]
    if decision.www_authenticate is not None:
        headers.append(("www-authenticate", decision.www_authenticate))
    return decision.status, headers, body


def status_line(status: int) -> str:
    """`"401 Unauthorized"`, for WSGI's start_response."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"


def without_cookie(header: str, name: str) -> Optional[str]:
    """A `Cookie` header value without the cookie `name` (the others kept in
    order); None when nothing is left."""
    kept = [part.strip() for part in header.split(";")
            if part.strip() and part.split("=", 1)[0].strip() != name]
    return "; ".join(kept) if kept else None


def without_parameter(query: str, name: str) -> str:
    """A raw query string without the parameter `name` (compared decoded, as
    the engine reads it), the others kept in order and as they were encoded."""
    return "&".join(pair for pair in query.split("&")
                    if pair and unquote_plus(pair.split("=", 1)[0]) != name)
