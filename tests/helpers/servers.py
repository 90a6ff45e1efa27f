"""Real servers the end-to-end tests run against, on loopback only.

- PostgreSQL: a throwaway cluster made with initdb in a temporary directory, started with
  pg_ctl on a free port, listening on 127.0.0.1 only (no Unix socket outside its directory).
  initdb refuses to run as root; as root the cluster belongs to an unprivileged system user
  (`pgtest`, created when missing) and every PostgreSQL binary runs through `runuser`.
- Prometheus: the Debian binary with a temporary storage directory, on 127.0.0.1.

Both are stopped at teardown and, as a last resort, when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers.service import free_port, kill_group, port_is_open, spawn
from tests.helpers.tools import require

PG_USER = "pgtest"
PG_SUPERUSER = "postgres"
PG_PASSWORD = "contract-suite-password"


def _run(args: list[str], timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(args)}` failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def _unprivileged_prefix() -> list[str]:
    """How to run a PostgreSQL binary: as is, or as root through runuser as PG_USER."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        _run([require("useradd"), "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER])
    return [require("runuser"), "-u", PG_USER, "--"]


class PostgresServer:
    """One PostgreSQL cluster; `create_database(name)` hands out isolated databases."""

    def __init__(self) -> None:
        self.initdb = require("initdb")
        self.pg_ctl = require("pg_ctl")
        self.prefix = _unprivileged_prefix()
        self.root = Path(tempfile.mkdtemp(prefix="contract-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.running = False
        self._databases: set[str] = set()
        os.chmod(self.root, 0o755)
        if self.prefix:
            shutil.chown(self.root, PG_USER, PG_USER)
        pwfile = self.root / "pwfile"
        pwfile.write_text(PG_PASSWORD + "\n")
        if self.prefix:
            shutil.chown(pwfile, PG_USER, PG_USER)
        _run(
            [
                *self.prefix, self.initdb, "-D", str(self.data), "-U", PG_SUPERUSER,
                f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                "--encoding=UTF8", "--no-sync",
            ]
        )  # fmt: skip
        pwfile.unlink()
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# contract suite\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.data}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\n"
            )
        atexit.register(self.cleanup)
        self.start()

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        _run(
            [
                *self.prefix,
                self.pg_ctl,
                "-D",
                str(self.data),
                "-l",
                str(self.data / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self.running = True
        deadline = time.monotonic() + 30
        while not port_is_open(self.port):
            if time.monotonic() > deadline:
                pytest.fail(f"PostgreSQL did not listen on 127.0.0.1:{self.port}:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            subprocess.run(
                [*self.prefix, self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop"],
                capture_output=True, timeout=60,
            )  # fmt: skip
            self.running = False

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        log = self.data / "server.log"
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""

    # -- databases -----------------------------------------------------------------
    def _sibling(self, name: str) -> str:
        """A binary of the same PostgreSQL installation as pg_ctl (pg_ctl may be a symlink)."""
        candidate = Path(self.pg_ctl).resolve().with_name(name)
        return str(candidate) if candidate.is_file() else require(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        psql = self._sibling("psql")
        result = _run(
            [*self.prefix, psql, "-h", str(self.data), "-p", str(self.port), "-U", PG_SUPERUSER,
             "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]
        )  # fmt: skip
        return result.stdout

    def create_database(self, name: str) -> str:
        """A fresh, empty database; returns its DATABASE_URL."""
        if name not in self._databases:
            self.psql(f'DROP DATABASE IF EXISTS "{name}"')
            self.psql(f'CREATE DATABASE "{name}"')
            self._databases.add(name)
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql://{PG_SUPERUSER}:{PG_PASSWORD}@127.0.0.1:{self.port}/{database}"

    def dump(self, database: str) -> str:
        """The database's contents as SQL text (for checks such as 'no clear-text password')."""
        pg_dump = self._sibling("pg_dump")
        result = _run(
            [*self.prefix, pg_dump, "-h", str(self.data), "-p", str(self.port), "-U", PG_SUPERUSER, database]
        )
        return result.stdout


class PrometheusServer:
    """Prometheus with `config_file`, a temporary storage directory and a free loopback port."""

    def __init__(self, config_file: Path, workdir: Path) -> None:
        self.binary = require("prometheus")
        self.port = free_port()
        self.workdir = workdir
        self.log_path = workdir / "prometheus.log"
        storage = workdir / "tsdb"
        storage.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open for the server's whole life
        self.proc = spawn(
            " ".join(
                [
                    self.binary,
                    f"--config.file={config_file}",
                    f"--storage.tsdb.path={storage}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--storage.tsdb.retention.time=1h",
                    "--log.level=warn",
                ]
            ),
            workdir,
            os.environ,
            self._log,
            subprocess.STDOUT,
        )
        atexit.register(self.stop)
        self.wait_ready()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"prometheus exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.base_url + "/-/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"prometheus was not ready within {timeout}s:\n{self.log_tail()}")

    def api(self, path: str, **params) -> dict:
        response = httpx.get(self.base_url + path, params=params, timeout=10)
        return response.json() | {"_http_status": response.status_code}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=15)
        kill_group(self.proc)
        if not self._log.closed:
            self._log.close()
