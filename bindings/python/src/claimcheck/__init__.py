"""claimcheck: JWT validation and CEL authorization for API gateways.

The Python binding of libclaimcheck (its stable C ABI, through cffi).

    engine = claimcheck.Engine(config_text)      # or Engine.from_file(path)
    decision = engine.authorize(token=jwt, method="GET", path="/mcp")
    if not decision.allowed: ...                 # decision.status, .reason, .www_authenticate

Middlewares: `claimcheck.asgi.ClaimcheckMiddleware`, `claimcheck.wsgi.ClaimcheckMiddleware`.
"""

from ._lib import ABI_VERSION, LIBRARY_PATH, MODE, lib as _raw_lib
from .decision import Credential, Decision, Identity, LogLevel, Reason, identity_of
from .engine import Engine
from .errors import (ClaimcheckError, ClosedError, ConfigError, DecisionClosedError, EngineClosedError, LibraryError,
                     Result)

__all__ = [
    "ABI_VERSION",
    "ClaimcheckError",
    "ClosedError",
    "ConfigError",
    "Credential",
    "Decision",
    "DecisionClosedError",
    "Engine",
    "EngineClosedError",
    "Identity",
    "LIBRARY_PATH",
    "LibraryError",
    "LogLevel",
    "MODE",
    "Reason",
    "Result",
    "identity_of",
    "library_version",
]

__version__ = "0.1.0"


def library_version() -> str:
    """The loaded libclaimcheck's version (for example `"0.1.0"`)."""
    from ._lib import ffi

    return ffi.string(_raw_lib.claimcheck_version()).decode("ascii")
