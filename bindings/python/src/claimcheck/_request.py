"""Builds a `claimcheck_request` from encoded strings, for one authorize call.

Every struct is created with one initializer (`ffi.new(type, init)`), which
cffi fills in C: filling cdata field by field costs about 100 ns per access,
as much as the engine spends on a request without a signature check (see
benchmarks/ffi_overhead.py).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ._lib import NULL, ffi

_from_buffer = ffi.from_buffer
_new = ffi.new
_EMPTY_VIEW = (NULL, 0)
# A non-NULL array for "the host parsed these and there are none" (never written).
_NO_PAIRS = ffi.new("claimcheck_pair[1]")
_PAIRS = ffi.typeof("claimcheck_pair[]")
_ATTRS = ffi.typeof("claimcheck_attribute[]")
_REQUEST = ffi.typeof("claimcheck_request *")
# The request struct is growable: `size` tells the library which fields this
# package's declarations have (a request without it is refused).
_REQUEST_SIZE = ffi.sizeof("claimcheck_request")
_STR_FIELDS = ("method", "path", "host", "source_address")


def build(strings: List[bytes], n_headers: int, n_cookies: Optional[int], n_query: Optional[int],
          kinds: List[int]) -> Tuple[Any, Any]:
    """Returns `(request pointer, keepalive)`; keep `keepalive` referenced until the call returns.

    `strings` holds method, path, host and source, then the name and value of
    every header, cookie, query parameter and attribute, in that order (views
    point into these bytes objects, nothing is copied); `n_cookies`/`n_query`
    None mean "let the engine parse them" (NULL).
    """
    views = [(_from_buffer(s), len(s)) if s else _EMPTY_VIEW for s in strings]
    # A dict initializer names only what is set (cffi zero-fills the rest);
    # measured twice as fast as a full positional tuple.
    init: Dict[str, Any] = {"size": _REQUEST_SIZE}
    for k, name in enumerate(_STR_FIELDS):
        if strings[k]:
            init[name] = views[k]
    i = 4
    headers: Any = None
    if n_headers:
        headers = _new(_PAIRS, [(views[k], views[k + 1]) for k in range(i, i + 2 * n_headers, 2)])
        init["headers"] = headers
        init["headers_len"] = n_headers
        i += 2 * n_headers
    cookies: Any = None
    if n_cookies is not None:
        cookies = _new(_PAIRS, [(views[k], views[k + 1]) for k in range(i, i + 2 * n_cookies, 2)]) if n_cookies else _NO_PAIRS
        init["cookies"] = cookies
        init["cookies_len"] = n_cookies
        i += 2 * n_cookies
    query: Any = None
    if n_query is not None:
        query = _new(_PAIRS, [(views[k], views[k + 1]) for k in range(i, i + 2 * n_query, 2)]) if n_query else _NO_PAIRS
        init["query"] = query
        init["query_len"] = n_query
        i += 2 * n_query
    attrs: Any = None
    if kinds:
        attrs = _new(_ATTRS, [(views[i + 2 * j], views[i + 2 * j + 1], kind) for j, kind in enumerate(kinds)])
        init["attributes"] = attrs
        init["attributes_len"] = len(kinds)
    req = _new(_REQUEST, init)
    return req, (views, headers, cookies, query, attrs)
