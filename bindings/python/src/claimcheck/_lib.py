"""Loads libclaimcheck and holds its declarations (cffi).

Where the library comes from, in order:

1. `CLAIMCHECK_LIB` (a path to `libclaimcheck.so`): loaded in cffi ABI mode
   with the bundled flat declarations (`claimcheck_cdef.h`).
2. `claimcheck._native`: the cffi API-mode extension compiled when the package
   was installed, linked against the bundled `libclaimcheck.so` (fastest calls).
3. The bundled `libclaimcheck.so` in ABI mode (when the extension could not be
   compiled, for example without a C compiler or Python headers).

Whichever is used, `claimcheck_abi_version()` must equal `ABI_VERSION`, the
value this package was written for; otherwise `LibraryError` is raised.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Tuple

from .errors import LibraryError

#: The `CLAIMCHECK_ABI_VERSION` this package was written for.
ABI_VERSION = 2

_HERE = Path(__file__).resolve().parent


def library_filename() -> str:
    """The platform's file name of the shared library."""
    if sys.platform == "darwin":
        return "libclaimcheck.dylib"
    if sys.platform == "win32":
        return "claimcheck.dll"
    return "libclaimcheck.so"


def _abi_mode(path: str) -> Tuple[Any, Any]:
    import cffi

    cdef_path = _HERE / "claimcheck_cdef.h"
    try:
        cdef = cdef_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LibraryError(f"claimcheck: the declarations file {cdef_path} is missing ({exc}); reinstall the package") from exc
    ffi = cffi.FFI()
    ffi.cdef(cdef)
    try:
        lib = ffi.dlopen(path)
    except OSError as exc:
        raise LibraryError(f"claimcheck: cannot load the library {path}: {exc}") from exc
    return ffi, lib


def check_abi(lib: Any, where: str) -> None:
    """Raises `LibraryError` unless `lib` reports the ABI version this package was written for."""
    try:
        found = int(lib.claimcheck_abi_version())
    except AttributeError as exc:
        raise LibraryError(f"claimcheck: {where} has no claimcheck_abi_version(): not a claimcheck library") from exc
    if found != ABI_VERSION:
        raise LibraryError(
            f"claimcheck: {where} has ABI version {found}, but this package was written for ABI version "
            f"{ABI_VERSION}; install the package and the library from the same claimcheck release"
        )


def load() -> Tuple[Any, Any, str, str]:
    """Loads the library: returns `(ffi, lib, path, mode)` with mode `"api"` or `"abi"`."""
    override = os.environ.get("CLAIMCHECK_LIB")
    if override:
        ffi, lib = _abi_mode(override)
        check_abi(lib, override)
        return ffi, lib, override, "abi"
    bundled = str(_HERE / library_filename())
    try:
        from ._native import ffi as api_ffi, lib as api_lib  # type: ignore[import-not-found]

        ffi, lib, mode = api_ffi, api_lib, "api"
    except ImportError:
        ffi, lib = _abi_mode(bundled)
        mode = "abi"
    check_abi(lib, bundled)
    return ffi, lib, bundled, mode


ffi, lib, LIBRARY_PATH, MODE = load()
NULL = ffi.NULL


def to_str(view: Any) -> "str | None":
    """Decodes a `claimcheck_str` output view: None when absent (NULL pointer)."""
    if view.ptr == NULL:
        return None
    return ffi.unpack(view.ptr, view.len).decode("utf-8")
