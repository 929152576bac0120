"""`Handle`: the one owner of a native pointer (in the manner of wasmtime-py's `_managed.py`).

Every libclaimcheck object the binding holds (an engine, a decision, an
error, a warnings snapshot) is a `Handle` subclass: it owns one pointer and
frees it with the object's free function exactly once, from `close()`, from
leaving a `with` block, or from `__del__` when it was never closed.

Calls borrow the pointer for as long as they use it, copying out whatever
they read through views before they return:

    self._with_ptr(fn, *args)         # fn(ptr, *args); raises the closed error after close()
    self._with_ptr_locked(fn, *args)  # the same, for short calls (decision accessors)

so `close()` is safe while other threads are inside calls. `_with_ptr` is a
counted borrow (calls run at once, each may take long or call back into
Python): `close()` marks the handle closed at once (later calls raise), does
not wait, and the pointer is freed when the last call still using it returns
(at once when there is none), so `close()` may even be called from inside a
callback the library runs during a call. `_with_ptr_locked` holds the
handle's lock for the call (cheaper for calls of a few hundred nanoseconds;
`close()` waits for the one running).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional, TypeVar

from ._lib import NULL

H = TypeVar("H", bound="Handle")
R = TypeVar("R")


class Handle:
    """Owns one libclaimcheck pointer and frees it once (see the module docstring).

    Subclasses implement `_delete(ptr)` (the C free function) and
    `_closed_error()` (the exception raised on use after `close()`), and call
    `Handle.__init__(self, ptr)` with the owned pointer.
    """

    __slots__ = ("_ptr", "_lock", "_users", "_closed", "__weakref__")

    def __init__(self, ptr: Any = NULL) -> None:
        """Takes ownership of `ptr` (a cffi pointer; NULL owns nothing)."""
        self._ptr = ptr
        self._lock = threading.Lock()
        self._users = 0
        self._closed = False

    def _delete(self, ptr: Any) -> None:
        """Frees `ptr` with the object's C free function (called exactly once)."""
        raise NotImplementedError

    def _closed_error(self) -> Exception:
        """The exception a call on the closed handle raises."""
        return ValueError(f"{type(self).__name__} is closed")

    def _with_ptr(self, fn: Callable[..., R], *args: Any) -> R:
        """`fn(ptr, *args)` with the pointer borrowed for the call; raises the closed error after `close()`.

        Whatever `fn` reads through views into the object must be copied out
        before it returns.
        """
        lock = self._lock
        with lock:
            if self._closed:
                raise self._closed_error()
            self._users += 1
            ptr = self._ptr
        try:
            return fn(ptr, *args)
        finally:
            with lock:
                self._users -= 1
                last = self._closed and not self._users
            if last:
                self._free()

    def _with_ptr_locked(self, fn: Callable[..., R], *args: Any) -> R:
        """Like `_with_ptr` for short calls that never call back into Python:
        `fn(ptr, *args)` runs holding the handle's lock (one lock operation
        instead of two; calls on one handle take turns, and `close()` waits
        for the one running)."""
        with self._lock:
            if self._closed:
                raise self._closed_error()
            return fn(self._ptr, *args)

    def _free(self) -> None:
        """Frees the pointer once (the caller saw it closed and unused)."""
        with self._lock:
            ptr, self._ptr = self._ptr, NULL
        if ptr != NULL:
            self._delete(ptr)

    @property
    def closed(self) -> bool:
        """Whether `close()` was called (the pointer may still be in use by calls that started before)."""
        return self._closed

    def close(self) -> None:
        """Releases the native object; idempotent, and safe while other threads are in calls.

        Calls that already started finish normally, and the object is freed
        when the last of them returns (at once when none is running); calls
        made after `close()` raise the closed error. It does not wait for
        running calls (at most for a decision accessor another thread is in,
        which takes well under a microsecond), so it may also be called from
        a logger callback.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            last = not self._users
        if last:
            self._free()

    def __enter__(self: H) -> H:
        if self._closed:
            raise self._closed_error()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # Unreachable, so no call can be using the pointer.
        ptr: Optional[Any] = getattr(self, "_ptr", None)
        if ptr is None:
            return
        self._ptr = NULL
        if ptr != NULL:
            try:
                self._delete(ptr)
            except Exception:  # interpreter shutdown: the library may be gone
                pass
