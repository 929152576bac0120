"""What both middlewares answer on a denial (the Go middleware's behaviour)."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import List, Tuple

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
