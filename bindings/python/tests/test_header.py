"""The binding's declarations still match include/claimcheck.h.

The header is parsed (function prototypes, struct fields, typedefs, integer
constants) and compared with what the loaded binding declares through cffi
(names, argument counts and types, return types, field names and types,
constant values) and with the package's own Python constants (Reason,
Result, LogLevel, ABI_VERSION).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from typing import Dict, List, Tuple

import pytest

import claimcheck
from claimcheck import LogLevel, Reason, Result, _lib
from conftest import REPO

HEADER = REPO / "include" / "claimcheck.h"


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def _strip_macro_bodies(code: str) -> str:
    """Drops the preprocessor lines other than integer `#define`s (the struct
    initializer macros hold C and C++ code that is not a declaration)."""
    code = re.sub(r"\\\n", " ", code)
    return "\n".join(line for line in code.split("\n")
                     if not line.lstrip().startswith("#") or re.match(r"\s*#define\s+\w+\s+-?\d+\s*$", line))


class Header:
    """What claimcheck.h declares."""

    def __init__(self, text: str) -> None:
        code = _strip_comments(text)
        self.strings: Dict[str, str] = {
            m.group(1): m.group(2) for m in re.finditer(r'^#define\s+(CLAIMCHECK_\w+)\s+"([^"]*)"', code, re.M)}
        code = _strip_macro_bodies(code)
        self.constants: Dict[str, int] = {
            m.group(1): int(m.group(2)) for m in re.finditer(r"^#define\s+(CLAIMCHECK_\w+)\s+(-?\d+)\s*$", code, re.M)}
        self.aliases: Dict[str, str] = {
            m.group(2): m.group(1) for m in re.finditer(r"typedef\s+([\w ]+?)\s+(claimcheck_\w+)\s*;", code)
            if not m.group(1).startswith("struct ")}  # opaque handles keep their name
        self.fnptrs: Dict[str, str] = {}
        for m in re.finditer(r"typedef\s+([\w ]+?)\s*\(\*\s*(claimcheck_\w+)\)\s*\(([^)]*)\)\s*;", code, re.S):
            args = ",".join(self.param_type(p) for p in self.split_params(m.group(3)))
            self.fnptrs[m.group(2)] = norm(f"{self.resolve(m.group(1))}(*)({args})")
        self.structs: Dict[str, List[Tuple[str, str]]] = {}
        for m in re.finditer(r"typedef\s+struct\s+(claimcheck_\w+)\s*\{(.*?)\}\s*\w+\s*;", code, re.S):
            fields = []
            for decl in m.group(2).split(";"):
                decl = " ".join(decl.split())
                if decl:
                    fields.append((re.search(r"(\w+)$", decl).group(1), self.param_type(decl)))
            self.structs[m.group(1)] = fields
        body = code.split('extern "C" {', 1)[1]
        self.functions: Dict[str, Tuple[str, List[str]]] = {}
        for m in re.finditer(r"([\w \*]+?)\b(claimcheck_\w+)\s*\(([^)]*)\)\s*;", body, re.S):
            ret = self.resolve(" ".join(m.group(1).split()))
            self.functions[m.group(2)] = (norm(ret), [self.param_type(p) for p in self.split_params(m.group(3))])

    @staticmethod
    def split_params(params: str) -> List[str]:
        params = " ".join(params.split())
        return [] if params in ("", "void") else [p.strip() for p in params.split(",")]

    def resolve(self, typ: str) -> str:
        """Resolves typedef names (claimcheck_result -> uint32_t) inside a type."""
        def sub(m: "re.Match[str]") -> str:
            name = m.group(0)
            if name in self.fnptrs:
                return self.fnptrs[name]
            return self.resolve(self.aliases[name]) if name in self.aliases else name
        return re.sub(r"\bclaimcheck_\w+\b", sub, typ)

    def param_type(self, param: str) -> str:
        """`const struct claimcheck_decision *decision` -> `claimcheck_decision*` (name dropped, normalized)."""
        typ = re.sub(r"\b\w+$", "", param.strip()).strip()
        return norm(self.resolve(typ.replace("struct ", "")))


def norm(typ: str) -> str:
    typ = re.sub(r"\bconst\b|\bstruct\b", "", typ).replace("bool", "_Bool")
    return re.sub(r"\s+", "", typ)


@pytest.fixture(scope="module")
def header() -> Header:
    return Header(HEADER.read_text(encoding="utf-8"))


def _fn_type(name: str):
    ffi, lib = _lib.ffi, _lib.lib
    # API mode: addressof gives a function pointer; ABI mode: the function itself.
    t = ffi.typeof(ffi.addressof(lib, name))
    return t.item if t.kind == "pointer" else t


def test_the_parser_found_the_whole_header(header):
    # Guards the test itself: a parser that found nothing would compare nothing.
    assert len(header.functions) >= 40
    assert "claimcheck_engine_authorize_at" in header.functions
    assert header.structs["claimcheck_request"][0] == ("size", "size_t")
    assert len(header.structs["claimcheck_request"]) == 13
    assert header.constants["CLAIMCHECK_ABI_VERSION"] == 2


def test_every_function_is_declared_with_the_same_signature(header):
    for name, (ret, params) in header.functions.items():
        assert hasattr(_lib.lib, name), f"the binding does not declare {name}"
        t = _fn_type(name)
        got_params = [norm(a.cname) for a in t.args]
        assert len(got_params) == len(params), f"{name}: {len(got_params)} arguments, header has {len(params)}"
        assert got_params == params, f"{name}: binding {got_params} != header {params}"
        assert norm(t.result.cname) == ret, f"{name}: returns {t.result.cname}, header {ret}"


def test_the_binding_declares_nothing_the_header_lacks(header):
    declared = {n for n in dir(_lib.lib) if n.startswith("claimcheck_")}
    assert declared - set(header.functions) == set()
    consts = {n for n in dir(_lib.lib) if n.startswith("CLAIMCHECK_")}
    assert consts - set(header.constants) == set()


def test_structs_have_the_same_fields(header):
    ffi = _lib.ffi
    for name, fields in header.structs.items():
        got = [(fname, norm(f.type.cname)) for fname, f in ffi.typeof(f"struct {name}").fields]
        assert got == fields, f"{name}: binding {got} != header {fields}"


def test_constants_have_the_same_values(header):
    for name, value in header.constants.items():
        if name.startswith("CLAIMCHECK_VERSION_"):
            continue  # the library's own version: compared below at run time
        assert getattr(_lib.lib, name) == value, name


def test_python_enums_mirror_the_header(header):
    def group(prefix: str) -> Dict[str, int]:
        return {k[len(prefix):]: v for k, v in header.constants.items() if k.startswith(prefix)}

    assert {m.name: m.value for m in Reason} == group("CLAIMCHECK_REASON_")
    assert {m.name: m.value for m in Result} == group("CLAIMCHECK_RESULT_")
    assert {m.name: m.value for m in LogLevel} == group("CLAIMCHECK_LOG_")
    assert _lib.ABI_VERSION == header.constants["CLAIMCHECK_ABI_VERSION"]
    assert claimcheck.library_version() == header.strings["CLAIMCHECK_VERSION_STRING"]


def test_snake_names_match_the_library():
    lib = _lib.lib
    for r in Reason:
        if r is not Reason.NO_DECISION:
            assert _lib.to_str(lib.claimcheck_reason_name(r)) == r.snake_name
    for c in Result:
        assert _lib.to_str(lib.claimcheck_result_name(c)) == c.snake_name


def _import_with(lib_path: str) -> subprocess.CompletedProcess:
    code = ("import claimcheck; e = claimcheck.Engine('authentication:\\n  mode: optional\\n  providers: []\\n');"
            "print(claimcheck.MODE, e.authorize(method='GET').status)")
    env = dict(os.environ, CLAIMCHECK_LIB=lib_path)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd="/")


def test_claimcheck_lib_loads_another_library_in_abi_mode():
    r = _import_with(claimcheck.LIBRARY_PATH)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["abi", "200"]


def test_a_library_with_another_abi_version_is_refused(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build a fake library")
    src = tmp_path / "fake.c"
    src.write_text("#include <stdint.h>\nuint32_t claimcheck_abi_version(void) { return 99; }\n")
    fake = tmp_path / "libfake.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(fake), str(src)], check=True)
    r = _import_with(str(fake))
    assert r.returncode != 0
    assert "LibraryError" in r.stderr and "ABI version 99" in r.stderr and "written for ABI version 2" in r.stderr


def test_a_missing_library_is_a_clear_error(tmp_path):
    r = _import_with(str(tmp_path / "nope.so"))
    assert r.returncode != 0 and "cannot load the library" in r.stderr


def test_requests_carry_the_struct_size_of_the_declarations():
    # The library refuses a request whose size it does not know; the binding
    # sets it from its own declarations for every request it builds.
    from claimcheck import _request
    req, _keep = _request.build([b"GET", b"/", b"", b""], 0, None, None, [])
    assert req.size == _lib.ffi.sizeof("claimcheck_request") > 0
    assert _lib.ffi.offsetof("claimcheck_request", "size") == 0
