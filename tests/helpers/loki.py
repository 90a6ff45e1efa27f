"""A real Loki for log_stack=loki: the version compose runs (stacks.LOG_STACKS), built from its Go
module, run on loopback with the generated config.

`go install github.com/grafana/loki/v3/cmd/loki@v...` cannot build it: Loki's go.mod replaces
modules, one of them by the in-repository directory pkg/push, which the module zip leaves out
(it is a module of its own). So the module is copied out of the module cache, pkg/push is filled
in from the version go.mod requires, and `go build` runs inside the copy. The binary is cached per
version (a later session or xdist worker reuses it); a file lock keeps two workers from building
at once. The first build takes 10-20 minutes on two cores.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.helpers.facts import stacks
from tests.helpers.servers import ServerProcess
from tests.helpers.service import free_port
from tests.helpers.tools import require

FACTS = stacks.LOG_STACKS["loki"]
MODULE = "github.com/grafana/loki/v3"
PUSH_MODULE = "github.com/grafana/loki/pkg/push"
CACHE_ROOT = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "copier-backend-roadmap" / "loki"
)
BUILD_TIMEOUT = 3600


def _go(go: str, args: list[str], cwd: Path | None = None, env: dict | None = None, timeout: float = 600):
    result = subprocess.run(
        [go, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(
            f"`go {' '.join(args)}` failed (exit {result.returncode}) while building Loki {FACTS['version']} "
            f"from Go modules; it needs the Go toolchain and the Go module proxy:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def _module_dir(go: str, module: str) -> Path:
    return Path(json.loads(_go(go, ["mod", "download", "-json", module]))["Dir"])


def _build(go: str, binary: Path) -> None:
    source = _module_dir(go, f"{MODULE}@v{FACTS['version']}")
    (push_version,) = re.findall(
        rf"^\s*{re.escape(PUSH_MODULE)} (\S+)", (source / "go.mod").read_text(), re.M
    )
    work = Path(tempfile.mkdtemp(prefix="loki-src-", dir=binary.parent))
    try:
        shutil.copytree(source, work / "src")
        shutil.copytree(_module_dir(go, f"{PUSH_MODULE}@{push_version}"), work / "src/pkg/push")
        for path in work.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        env = {**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
        _go(
            go,
            ["build", "-trimpath", "-o", str(work / "loki"), "./cmd/loki"],
            work / "src",
            env,
            BUILD_TIMEOUT,
        )
        os.chmod(work / "loki", 0o755)
        os.replace(work / "loki", binary)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def loki_binary() -> Path:
    """The Loki that compose's image runs, built first when this version was never built here."""
    binary = CACHE_ROOT / FACTS["version"] / "loki"
    if binary.is_file():
        return binary
    go = require("go")
    binary.parent.mkdir(parents=True, exist_ok=True)
    with open(binary.parent / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building it: wait for its result
        if not binary.is_file():
            _build(go, binary)
    return binary


def loopback_config(config: dict, root: Path, http_port: int, grpc_port: int) -> dict:
    """The generated config with only what cannot be the same outside a container moved: its
    ports (free ones on 127.0.0.1) and its directories (under `root` instead of the volume)."""
    moved = json.loads(json.dumps(config))
    prefix = moved["common"]["path_prefix"]

    def relocate(path: str) -> str:
        return str(root / os.path.relpath(path, prefix))

    moved["server"].update(
        http_listen_address="127.0.0.1",
        http_listen_port=http_port,
        grpc_listen_address="127.0.0.1",
        grpc_listen_port=grpc_port,
    )
    moved["common"]["path_prefix"] = str(root)
    filesystem = moved["common"]["storage"]["filesystem"]
    for key, path in filesystem.items():
        filesystem[key] = relocate(path)
    moved["compactor"]["working_directory"] = relocate(moved["compactor"]["working_directory"])
    return moved


class LokiServer(ServerProcess):
    """Loki on the generated config, moved to loopback and a temporary directory."""

    def __init__(self, config_path: Path) -> None:
        self.binary = loki_binary()
        self.root = Path(tempfile.mkdtemp(prefix="loki-"))
        self.log_path = self.root / "loki.log"
        self.port = free_port()
        self.proc = None
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        self.config_file = self.root / "loki.yaml"
        self.config_file.write_text(
            yaml.safe_dump(loopback_config(config, self.root / "data", self.port, free_port()))
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.launch([str(self.binary), f"-config.file={self.config_file}"], "loki")
        deadline = time.monotonic() + 90
        # /ready answers 503 until the ingester has joined its ring and waited its minimum time.
        while httpx.get(self.base_url + "/ready", timeout=5).status_code != 200:
            if not self.running or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"Loki was not ready within 90 s:\n{self.log_tail()}")
            time.sleep(0.5)


def verify_config(config_path: Path) -> subprocess.CompletedProcess:
    """`loki -verify-config` on a config file: Loki's own parse and validation, nothing started."""
    return subprocess.run(
        [str(loki_binary()), f"-config.file={config_path}", "-verify-config"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
