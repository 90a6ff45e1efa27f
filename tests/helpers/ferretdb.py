"""FerretDB, the MongoDB wire-protocol server the suite runs for `database=mongodb`, built from
Go modules (tests/tools/ferretdb): no MongoDB package exists in Debian, and FerretDB on its
SQLite backend needs nothing but the Go toolchain.

The binary is built once into a cache directory named after a digest of its sources, so a
later session (or another xdist worker) reuses it; a changed main.go or go.sum builds anew.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.helpers.tools import require

SOURCE = Path(__file__).resolve().parent.parent / "tools" / "ferretdb"
CACHE_ROOT = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "copier-backend-roadmap" / "ferretdb"
)
BUILD_TIMEOUT = 900


def _source_digest() -> str:
    digest = hashlib.sha256()
    for name in ("main.go", "go.mod", "go.sum"):
        digest.update(name.encode() + b"\0" + (SOURCE / name).read_bytes())
    return digest.hexdigest()[:16]


def ferretdb_binary() -> Path:
    """The built server, building it first when its sources changed since the last build."""
    binary = CACHE_ROOT / _source_digest() / "ferretdb"
    if binary.is_file():
        return binary
    go = require("go")
    binary.parent.mkdir(parents=True, exist_ok=True)
    # Built beside its final name and renamed into place: concurrent sessions never see half a file.
    fd, partial = tempfile.mkstemp(dir=binary.parent, prefix="ferretdb-build-")
    os.close(fd)
    # -mod=mod: go.sum pins every module, and `go install ...@version` cannot be used because the
    # FerretDB CLI needs a version.txt its module does not ship (hence main.go).
    env = {**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
    result = subprocess.run(
        [go, "build", "-trimpath", "-o", partial, "."],
        cwd=SOURCE, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
    )  # fmt: skip
    if result.returncode != 0:
        Path(partial).unlink(missing_ok=True)
        pytest.fail(
            f"building FerretDB from {SOURCE} failed (exit {result.returncode}); it needs the Go "
            f"toolchain and the Go module proxy:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    os.chmod(partial, 0o755)
    os.replace(partial, binary)
    return binary
