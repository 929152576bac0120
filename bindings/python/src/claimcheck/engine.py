"""`Engine`: one loaded config, shared by every thread, reloadable in place."""

from __future__ import annotations

import itertools
import json
import logging
import os
import sys
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _request
from ._lib import NULL, ffi, lib, to_str
from ._managed import Handle
from .decision import Decision, LogLevel
from .errors import ClaimcheckError, ConfigError, EngineClosedError

Pairs = Union[Mapping[str, str], Iterable[Tuple[str, str]], None]
Logger = Union[Callable[[LogLevel, str], None], logging.Logger]

_ATTRIBUTE_STRING = lib.CLAIMCHECK_ATTRIBUTE_STRING
_ATTRIBUTE_JSON = lib.CLAIMCHECK_ATTRIBUTE_JSON
_engine_authorize = lib.claimcheck_engine_authorize
_engine_authorize_at = lib.claimcheck_engine_authorize_at


class _Error(Handle):
    """An owned `claimcheck_error *` (the details of a failed load), freed on leaving `with`."""

    __slots__ = ()

    def _delete(self, ptr: Any) -> None:
        lib.claimcheck_error_free(ptr)


class _Warnings(Handle):
    """An owned `claimcheck_warnings *` snapshot, freed on leaving `with`."""

    __slots__ = ()

    def _delete(self, ptr: Any) -> None:
        lib.claimcheck_warnings_free(ptr)

    def texts(self) -> List[str]:
        """Every warning of the snapshot, in order."""
        return self._with_ptr(_warning_texts)


def _warning_texts(snapshot: Any) -> List[str]:
    view = ffi.new("claimcheck_str *")
    result = []
    for i in range(lib.claimcheck_warnings_count(snapshot)):
        code = lib.claimcheck_warnings_get(snapshot, i, view)
        if code != 0:
            _raise_for(code)
        result.append(ffi.unpack(view.ptr, view.len).decode("utf-8"))
    return result


def _raise_for(code: int, error_out: Any = None) -> None:
    """Turns a failed result (and its owned error object, if any) into an exception."""
    err = error_out[0] if error_out is not None else NULL
    if err == NULL:
        name = to_str(lib.claimcheck_result_name(code)) or f"result {code}"
        raise ClaimcheckError(code, name.replace("_", " "))
    with _Error(err) as handle:
        exc = handle._with_ptr(_config_error)
    raise exc


def _config_error(err: Any) -> ConfigError:
    """The `ConfigError` for a live `claimcheck_error *` (its strings copied out)."""
    line, rule, column = (int(lib.claimcheck_error_line(err)), int(lib.claimcheck_error_rule(err)),
                          int(lib.claimcheck_error_column(err)))
    return ConfigError(
        int(lib.claimcheck_error_code(err)),
        to_str(lib.claimcheck_error_message(err)) or "",
        location=to_str(lib.claimcheck_error_location(err)),
        path=to_str(lib.claimcheck_error_path(err)),
        rule=rule if rule >= 0 else None,
        line=line if line >= 0 else None,
        column=column if column >= 0 else None,
    )


def _path_bytes(path: "Union[str, os.PathLike[str]]") -> bytes:
    return os.fsencode(path)


# The log callback crosses as one trampoline per process; `userdata` is a key
# into this table, so no Python object pointer is handed to C. The finalizer
# (called once after the callback's last use, from any thread) drops the entry.
_loggers: Dict[int, Callable[[LogLevel, str], None]] = {}
_logger_keys = itertools.count(1)


@ffi.callback("void(void *, claimcheck_log_level, const char *, size_t)")
def _log_trampoline(userdata: Any, level: int, msg: Any, length: int) -> None:
    fn = _loggers.get(int(ffi.cast("uintptr_t", userdata)))
    if fn is None:
        return
    try:
        try:
            lvl = LogLevel(level)
        except ValueError:  # a level newer than this package: passed as the plain int
            lvl = level  # type: ignore[assignment]
        fn(lvl, ffi.unpack(msg, length).decode("utf-8", "replace"))
    except BaseException:  # never unwind into the library
        sys.unraisablehook(_Unraisable(sys.exc_info(), fn))  # type: ignore[arg-type]


@ffi.callback("void(void *)")
def _log_finalizer(userdata: Any) -> None:
    _loggers.pop(int(ffi.cast("uintptr_t", userdata)), None)


class _Unraisable:
    def __init__(self, info: Any, obj: Any) -> None:
        self.exc_type, self.exc_value, self.exc_traceback = info
        self.err_msg = "Exception ignored in claimcheck logger"
        self.object = obj


_PY_LEVELS = {LogLevel.DEBUG: logging.DEBUG, LogLevel.INFO: logging.INFO,
              LogLevel.WARN: logging.WARNING, LogLevel.ERROR: logging.ERROR}


def _adapt_logger(target: Logger) -> Callable[[LogLevel, str], None]:
    if isinstance(target, logging.Logger):
        py_logger = target
        return lambda level, message: py_logger.log(_PY_LEVELS.get(level, logging.ERROR), "%s", message)
    if not callable(target):
        raise TypeError("set_logger() takes a callable(level, message), a logging.Logger or None")
    return target


def _items(pairs: Pairs) -> List[Tuple[str, str]]:
    if pairs is None:
        return []
    if isinstance(pairs, Mapping):
        return list(pairs.items())
    return list(pairs)


class Engine(Handle):
    """An authorization engine built from one config (YAML or JSON).

    Thread-safe: any number of threads may call `authorize` at once, also
    while another thread calls `reload` or `close`. `close()` (or leaving a
    `with` block) releases the native engine without waiting: calls already
    running in other threads finish with their real decision, the engine is
    freed when the last of them returns, and every call that starts after
    `close()` raises `EngineClosedError`. Decisions stay valid after the
    engine is closed.
    """

    __slots__ = ("_logger",)

    def __init__(self, config: Union[str, bytes]) -> None:
        """Loads `config` (YAML or JSON text); raises `ConfigError` when it does not load."""
        Handle.__init__(self)
        self._logger: Optional[Callable[[LogLevel, str], None]] = None
        raw = config.encode("utf-8") if isinstance(config, str) else bytes(config)
        out = ffi.new("claimcheck_engine **")
        err = ffi.new("claimcheck_error **")
        code = lib.claimcheck_engine_new(raw, len(raw), out, err)
        if code != 0:
            _raise_for(code, err)
        self._ptr = out[0]

    @classmethod
    def from_file(cls, path: "Union[str, os.PathLike[str]]") -> "Engine":
        """Loads the config file at `path` (relative key files resolve against its folder)."""
        self = cls.__new__(cls)
        Handle.__init__(self)
        self._logger = None
        raw = _path_bytes(path)
        out = ffi.new("claimcheck_engine **")
        err = ffi.new("claimcheck_error **")
        code = lib.claimcheck_engine_from_file(raw, len(raw), out, err)
        if code != 0:
            _raise_for(code, err)
        self._ptr = out[0]
        return self

    def _delete(self, ptr: Any) -> None:
        lib.claimcheck_engine_free(ptr)

    def _closed_error(self) -> Exception:
        return EngineClosedError()

    def __repr__(self) -> str:
        return f"<claimcheck.Engine {'closed' if self.closed else 'open'}>"

    def reload(self, config: Union[str, bytes]) -> None:
        """Swaps in a new config atomically; on `ConfigError` the previous config keeps serving."""
        raw = config.encode("utf-8") if isinstance(config, str) else bytes(config)
        err = ffi.new("claimcheck_error **")
        code = self._with_ptr(lib.claimcheck_engine_reload, raw, len(raw), err)
        if code != 0:
            _raise_for(code, err)

    def reload_file(self, path: "Union[str, os.PathLike[str]]") -> None:
        """Like `reload`, reading the config file at `path`."""
        raw = _path_bytes(path)
        err = ffi.new("claimcheck_error **")
        code = self._with_ptr(lib.claimcheck_engine_reload_file, raw, len(raw), err)
        if code != 0:
            _raise_for(code, err)

    @property
    def warnings(self) -> List[str]:
        """The warnings of the last successful load (skipped keys, ignored fields, ...)."""
        out = ffi.new("claimcheck_warnings **")
        code = self._with_ptr(lib.claimcheck_engine_warnings, out)
        if code != 0:
            _raise_for(code)
        with _Warnings(out[0]) as snapshot:
            return snapshot.texts()

    def set_logger(self, logger: Optional[Logger]) -> None:
        """Sends the engine's warnings and errors to `logger(level, message)` (or a `logging.Logger`).

        The callable may be called from any thread (request threads, reloads,
        the library's background key-refresh threads), possibly at once; an
        exception it raises is reported through `sys.unraisablehook` and
        otherwise ignored. `None` removes the logger.
        """
        fn = _adapt_logger(logger) if logger is not None else None
        if fn is None:
            code = self._with_ptr(lib.claimcheck_engine_set_logger, NULL, NULL, NULL)
        else:
            key = next(_logger_keys)
            _loggers[key] = fn
            try:
                code = self._with_ptr(lib.claimcheck_engine_set_logger, ffi.cast("void *", key), _log_trampoline,
                                      _log_finalizer)
            except BaseException:
                _loggers.pop(key, None)
                raise
            if code != 0:
                _loggers.pop(key, None)
        if code != 0:
            _raise_for(code)
        self._logger = fn

    def authorize(
        self,
        token: Optional[str] = None,
        *,
        headers: Pairs = None,
        method: str = "",
        path: str = "",
        host: str = "",
        cookies: Pairs = None,
        query: Pairs = None,
        source: str = "",
        attributes: Optional[Mapping[str, Any]] = None,
        now: Optional[float] = None,
    ) -> Decision:
        """Decides one request.

        Args:
            token: a bearer token, sent as `Authorization: Bearer <token>` in
                addition to `headers` (with the default token source).
            headers: a mapping or a list of (name, value) pairs (names may repeat).
            method, path, host, source: the request line, Host and peer address;
                `path` may carry the query string.
            cookies, query: parsed by the host (a mapping or pairs). None (the
                default) lets the engine parse the `Cookie` headers and `path`'s
                query string; a value, even empty, means "these are all of them".
            attributes: extra values for rules under dotted names
                (`{"mcp.tool.name": "search"}`): a `str` is passed as a CEL
                string, anything else as JSON.
            now: the time (seconds since the epoch) for tests and replays; None
                is the current time.

        A denial is a normal return: look at `Decision.allowed`.
        """
        hdr_items = _items(headers)
        if token is not None:
            hdr_items.append(("authorization", "Bearer " + token))
        strings = [method.encode(), path.encode(), host.encode(), source.encode()]
        for n, v in hdr_items:
            strings.append(n.encode())
            strings.append(v.encode())
        n_cookies = n_query = None
        if cookies is not None:
            ck_items = _items(cookies)
            n_cookies = len(ck_items)
            for n, v in ck_items:
                strings.append(n.encode())
                strings.append(v.encode())
        if query is not None:
            q_items = _items(query)
            n_query = len(q_items)
            for n, v in q_items:
                strings.append(n.encode())
                strings.append(v.encode())
        kinds: List[int] = []
        if attributes:
            for n, v in attributes.items():
                strings.append(n.encode())
                if isinstance(v, str):
                    strings.append(v.encode())
                    kinds.append(_ATTRIBUTE_STRING)
                else:
                    strings.append(json.dumps(v).encode())
                    kinds.append(_ATTRIBUTE_JSON)
        req, keep = _request.build(strings, len(hdr_items), n_cookies, n_query, kinds)

        out = ffi.new("claimcheck_decision **")
        if now is None:
            code = self._with_ptr(_engine_authorize, req, out)
        else:
            code = self._with_ptr(_engine_authorize_at, req, float(now), out)
        del keep
        if code != 0:
            _raise_for(code)
        return Decision(out[0])
