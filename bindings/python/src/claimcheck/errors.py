"""Exceptions raised by the binding."""

from __future__ import annotations

import enum
from typing import Optional


class Result(enum.IntEnum):
    """A result code of the C ABI (`CLAIMCHECK_RESULT_*`); values are never reused."""

    OK = 0
    NULL_ARGUMENT = 1
    INVALID_UTF8 = 2
    INVALID_HANDLE = 3
    INVALID_JSON = 4
    NOT_FOUND = 5
    INVALID_ARGUMENT = 6
    UNSUPPORTED_STRUCT_SIZE = 7
    CONFIG_SYNTAX = 100
    CONFIG_INVALID = 101
    RULE_INVALID = 102
    KEYS_INVALID = 103
    IO = 104
    PANIC = 900

    @property
    def snake_name(self) -> str:
        """The stable snake_case name the C library gives this code (`"config_syntax"`, ...)."""
        return self.name.lower()


class ClaimcheckError(Exception):
    """A call into libclaimcheck failed.

    Attributes:
        code: the C result code (a `Result` when it is a known one).
        message: what is wrong, in one line.
        location: where, in words (`authorization.rules[2], column 14`), or None.
        path: the config field path, or None.
        rule: the 0-based index of the failing rule, or None.
        line: the 1-based line in the config text (syntax errors), or None.
        column: the 1-based column (rule text or config line), or None.
    """

    def __init__(
        self,
        code: int,
        message: str,
        *,
        location: Optional[str] = None,
        path: Optional[str] = None,
        rule: Optional[int] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        try:
            self.code: int = Result(code)
        except ValueError:
            self.code = code
        self.message = message
        self.location = location
        self.path = path
        self.rule = rule
        self.line = line
        self.column = column
        super().__init__(f"{location}: {message}" if location else message)


class ConfigError(ClaimcheckError):
    """A config could not be loaded (syntax, invalid field, rule, keys, or an unreadable file).

    The engine that was being reloaded, if any, keeps serving its previous config.
    """


class ClosedError(ClaimcheckError):
    """An object (an `Engine` or a `Decision`) was used after `close()`; `code` is `Result.INVALID_HANDLE`."""

    def __init__(self, what: str) -> None:
        super().__init__(Result.INVALID_HANDLE, f"the {what} is closed")


class EngineClosedError(ClosedError):
    """The engine was used after `close()` (message: "the engine is closed")."""

    def __init__(self) -> None:
        super().__init__("engine")


class DecisionClosedError(ClosedError):
    """A decision was read after `close()` (message: "the decision is closed")."""

    def __init__(self) -> None:
        super().__init__("decision")


class LibraryError(ImportError):
    """libclaimcheck could not be loaded, or its ABI version is not the one this package was written for."""
