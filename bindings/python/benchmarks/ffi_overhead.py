"""Per-call overhead of ctypes, cffi ABI mode and cffi API mode over libclaimcheck.

Not a test: run it by hand to see what one foreign call costs from Python.
Usage: python ffi_overhead.py LIBDIR INCLUDEDIR
(LIBDIR holds libclaimcheck.so; INCLUDEDIR holds claimcheck.h and claimcheck_cdef.h).
It compiles a throwaway cffi API-mode module in a temporary folder.
"""
import ctypes
import os
import sys
import tempfile
import timeit

import cffi

libdir, incdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
so = os.path.join(libdir, "libclaimcheck.so")
cdef = open(os.path.join(incdir, "claimcheck_cdef.h")).read()

# cffi ABI mode
abi_ffi = cffi.FFI()
abi_ffi.cdef(cdef)
abi_lib = abi_ffi.dlopen(so)

# cffi API mode: compile a module linked against the library
tmp = tempfile.mkdtemp()
api_builder = cffi.FFI()
api_builder.cdef(cdef)
api_builder.set_source("_cc_api", '#include "claimcheck.h"', include_dirs=[incdir],
                       library_dirs=[libdir], libraries=["claimcheck"],
                       extra_link_args=["-Wl,-rpath," + libdir])
api_builder.compile(tmpdir=tmp, verbose=False)
sys.path.insert(0, tmp)
import _cc_api  # noqa: E402

api_ffi, api_lib = _cc_api.ffi, _cc_api.lib

# ctypes
class Str(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("len", ctypes.c_size_t)]

class Pair(ctypes.Structure):
    _fields_ = [("name", Str), ("value", Str)]

class Request(ctypes.Structure):
    _fields_ = [("method", Str), ("path", Str), ("host", Str), ("source_address", Str),
                ("headers", ctypes.POINTER(Pair)), ("headers_len", ctypes.c_size_t),
                ("cookies", ctypes.POINTER(Pair)), ("cookies_len", ctypes.c_size_t),
                ("query", ctypes.c_void_p), ("query_len", ctypes.c_size_t),
                ("attributes", ctypes.c_void_p), ("attributes_len", ctypes.c_size_t)]

ct = ctypes.CDLL(so)
ct.claimcheck_abi_version.restype = ctypes.c_uint32
ct.claimcheck_abi_version.argtypes = []
ct.claimcheck_engine_new.restype = ctypes.c_uint32
ct.claimcheck_engine_new.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
ct.claimcheck_engine_authorize_at.restype = ctypes.c_uint32
ct.claimcheck_engine_authorize_at.argtypes = [ctypes.c_void_p, ctypes.POINTER(Request), ctypes.c_double, ctypes.POINTER(ctypes.c_void_p)]
ct.claimcheck_decision_message.restype = Str
ct.claimcheck_decision_message.argtypes = [ctypes.c_void_p]
ct.claimcheck_decision_status.restype = ctypes.c_uint32
ct.claimcheck_decision_status.argtypes = [ctypes.c_void_p]
ct.claimcheck_decision_free.restype = None
ct.claimcheck_decision_free.argtypes = [ctypes.c_void_p]

CONFIG = b"""authentication:
  mode: permissive
  providers:
    - name: x
      issuer: https://x
      audiences: [a]
      jwks:
        inline: '{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI","alg":"HS256","kid":"k"}]}'
      algorithms: [HS256]
"""
AUTH = b"Bearer abc"
NAME = b"authorization"

def best(stmt, n=200_000):
    return min(timeit.repeat(stmt, number=n, repeat=5)) / n * 1e9

results = {}
results["no-op (abi_version): ctypes"] = best(ct.claimcheck_abi_version)
results["no-op (abi_version): cffi ABI"] = best(abi_lib.claimcheck_abi_version)
results["no-op (abi_version): cffi API"] = best(api_lib.claimcheck_abi_version)

# decision accessors on a denial (no crypto): "abc" is malformed
eng = ctypes.c_void_p()
assert ct.claimcheck_engine_new(CONFIG, len(CONFIG), ctypes.byref(eng), None) == 0

def ct_authorize():
    pair = Pair(Str(ctypes.cast(ctypes.c_char_p(NAME), ctypes.c_void_p), len(NAME)),
                Str(ctypes.cast(ctypes.c_char_p(AUTH), ctypes.c_void_p), len(AUTH)))
    req = Request()
    req.headers = ctypes.pointer(pair)
    req.headers_len = 1
    out = ctypes.c_void_p()
    ct.claimcheck_engine_authorize_at(eng, ctypes.byref(req), 1.75e9, ctypes.byref(out))
    return out

d = ct_authorize()
results["str accessor (decision_message): ctypes"] = best(lambda: ct.claimcheck_decision_message(d))
results["u32 accessor (decision_status): ctypes"] = best(lambda: ct.claimcheck_decision_status(d))
results["authorize 1 header + free, no crypto: ctypes"] = best(lambda: ct.claimcheck_decision_free(ct_authorize()), 50_000)

for label, ffi, lib in (("cffi ABI", abi_ffi, abi_lib), ("cffi API", api_ffi, api_lib)):
    e = ffi.new("claimcheck_engine **")
    assert lib.claimcheck_engine_new(CONFIG, len(CONFIG), e, ffi.NULL) == 0
    engine = e[0]

    def cf_authorize(ffi=ffi, lib=lib, engine=engine):
        pairs = ffi.new("claimcheck_pair[1]")
        n = ffi.from_buffer(NAME)
        v = ffi.from_buffer(AUTH)
        pairs[0].name.ptr = n
        pairs[0].name.len = len(NAME)
        pairs[0].value.ptr = v
        pairs[0].value.len = len(AUTH)
        req = ffi.new("claimcheck_request *")
        req.headers = pairs
        req.headers_len = 1
        out = ffi.new("claimcheck_decision **")
        lib.claimcheck_engine_authorize_at(engine, req, 1.75e9, out)
        return out[0]

    dd = cf_authorize()
    results[f"str accessor (decision_message): {label}"] = best(lambda: lib.claimcheck_decision_message(dd))
    results[f"u32 accessor (decision_status): {label}"] = best(lambda: lib.claimcheck_decision_status(dd))
    results[f"authorize 1 header + free, no crypto: {label}"] = best(lambda: lib.claimcheck_decision_free(cf_authorize()), 50_000)

for k, v in results.items():
    print(f"{k:55s} {v:8.0f} ns")
