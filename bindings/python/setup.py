"""Builds libclaimcheck with cargo and bundles it, plus the cffi API-mode extension.

`pip install ./bindings/python` (from the repository) runs
`cargo build -p claimcheck-ffi --release` at the repository root, copies
`libclaimcheck.so` and the headers into the package, and compiles
`claimcheck._native` (cffi API mode) linked against it with rpath `$ORIGIN`.
If that extension cannot be compiled the build goes on and the package uses
cffi ABI mode at run time.

Environment:
  CLAIMCHECK_LIB   bundle this prebuilt library instead of running cargo.
  CARGO            the cargo command (default: cargo).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
INCLUDE = REPO / "include"


def _libname() -> str:
    if sys.platform == "darwin":
        return "libclaimcheck.dylib"
    return "libclaimcheck.so"


def _cargo_library() -> Path:
    prebuilt = os.environ.get("CLAIMCHECK_LIB")
    if prebuilt:
        return Path(prebuilt)
    cargo = os.environ.get("CARGO", "cargo")
    if shutil.which(cargo) is None:
        raise SystemExit("claimcheck: cargo is needed to build libclaimcheck (or set CLAIMCHECK_LIB to a built library)")
    subprocess.check_call([cargo, "build", "-p", "claimcheck-ffi", "--release"], cwd=REPO)
    meta = json.loads(subprocess.check_output([cargo, "metadata", "--format-version", "1", "--no-deps"], cwd=REPO))
    return Path(meta["target_directory"]) / "release" / _libname()


def bundle_native(pkg_dir: Path) -> None:
    """Builds (once) and copies the library and headers into `pkg_dir`."""
    target = pkg_dir / _libname()
    if target.exists() and getattr(bundle_native, "done", False):
        return
    pkg_dir.mkdir(parents=True, exist_ok=True)
    lib = _cargo_library()
    shutil.copyfile(lib, target)
    os.chmod(target, 0o755)
    # The release profile keeps debug info (60+ MB); the package does not need it.
    strip = shutil.which("strip")
    if strip and sys.platform.startswith("linux"):
        subprocess.call([strip, "--strip-debug", str(target)])
    for header in ("claimcheck.h", "claimcheck_cdef.h"):
        shutil.copyfile(INCLUDE / header, pkg_dir / header)
    bundle_native.done = True  # type: ignore[attr-defined]


class BuildPy(build_py):
    """build_py that also bundles libclaimcheck and the headers."""

    def run(self) -> None:
        super().run()
        bundle_native(Path(self.build_lib) / "claimcheck")


class BuildExt(build_ext):
    """Generates the cffi API-mode source and compiles it against the bundled library."""

    def run(self) -> None:
        build_py_cmd = self.get_finalized_command("build_py")
        pkg_dir = Path(build_py_cmd.build_lib) / "claimcheck"
        bundle_native(pkg_dir)
        import cffi

        ffibuilder = cffi.FFI()
        ffibuilder.cdef((INCLUDE / "claimcheck_cdef.h").read_text(encoding="utf-8"))
        ffibuilder.set_source("claimcheck._native", '#include "claimcheck.h"')
        src_dir = Path(self.build_temp)
        src_dir.mkdir(parents=True, exist_ok=True)
        c_file = src_dir / "_native.c"
        ffibuilder.emit_c_code(str(c_file))
        for ext in self.extensions:
            if ext.name == "claimcheck._native":
                ext.sources = [str(c_file)]
                ext.include_dirs = [str(INCLUDE)]
                ext.library_dirs = [str(pkg_dir)]
        if self.inplace:
            raise SystemExit("claimcheck: in-place builds are not supported; use pip install")
        super().run()


setup(
    ext_modules=[
        Extension(
            "claimcheck._native",
            sources=[],  # generated in BuildExt
            libraries=["claimcheck"],
            extra_link_args=["-Wl,-rpath,$ORIGIN"] if sys.platform.startswith("linux") else ["-Wl,-rpath,@loader_path"],
            optional=True,
        )
    ],
    cmdclass={"build_py": BuildPy, "build_ext": BuildExt},
)
