"""Real servers the end-to-end tests run against, on loopback only.

- PostgreSQL: a throwaway cluster made with initdb in a temporary directory, started with
  pg_ctl on a free port, listening on 127.0.0.1 only (no Unix socket outside its directory).
  initdb refuses to run as root; as root the cluster belongs to an unprivileged system user
  (`pgtest`, created when missing) and every PostgreSQL binary runs through `runuser`.
- MariaDB (for `mysql`): Debian's mariadb-server, a datadir made with mariadb-install-db in a
  temporary directory, mariadbd on a free port bound to 127.0.0.1 (its socket inside that
  directory), run as the same unprivileged user as PostgreSQL when the suite runs as root.
- Redis and Memcached (for the cache answers): Debian's redis-server and memcached on a free
  port bound to 127.0.0.1, keeping nothing on disk, run as the same unprivileged user when the
  suite runs as root. `stop()` takes one down (a test of the cache-down path) and `start()`
  brings it back, empty, on the same port.
- FerretDB (for `mongodb`): a MongoDB wire-protocol server on FerretDB's SQLite backend, built
  from Go modules (tests/helpers/ferretdb.py), on a free port bound to 127.0.0.1 with its data
  in a temporary directory. Like DocumentDB it has no multi-document transactions, so the
  services never use them.
- Prometheus: the Debian binary with a temporary storage directory, on 127.0.0.1.
- nginx (for `nginx`): the Debian binary with compose's command line and a loopback copy of the
  generated config (tests/helpers/nginx.py), its prefix in a temporary directory, as the same
  unprivileged user when the suite runs as root.

All are stopped at teardown and, as a last resort, when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from bson import json_util
from pymongo import MongoClient

from tests.helpers.ferretdb import ferretdb_binary
from tests.helpers.nginx import compose_command, loopback_config, option_index
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


class ServerProcess:
    """A server process the suite started in a directory of its own (`root`), logging to `log_path`."""

    proc: subprocess.Popen | None
    root: Path
    log_path: Path
    port: int

    def launch(self, args: list[str], label: str) -> None:
        """Run `args` in a session of its own, logging to `log_path`, until it listens on `port`."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the server process
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + 30
        while not port_is_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"{label} did not listen on 127.0.0.1:{self.port}:\n{self.log_tail()}")
            time.sleep(0.05)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" shuts it down cleanly, "immediate" kills it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            sig = signal.SIGTERM if mode == "fast" else signal.SIGKILL
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


class MariaDBServer(ServerProcess):
    """One MariaDB server; `create_database(name)` hands out a database and a user of its own.

    Each user may also create and drop `test_%` databases (the generated Go tests make a fresh
    one per test). The server runs with user statistics on, so `rows_inserted` can tell whether
    a user's tests really wrote rows, even in databases that were dropped since.
    """

    ROOT_PASSWORD = "contract-suite-root-password"

    def __init__(self) -> None:
        self.mariadbd = require("mariadbd")
        self.client = require("mariadb")
        self.prefix = _unprivileged_prefix()
        self.root = Path(tempfile.mkdtemp(prefix="contract-mariadb-"))
        self.data = self.root / "data"
        self.socket = self.root / "mariadb.sock"
        self.log_path = self.root / "server.log"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._databases: set[str] = set()
        self._root_password: str | None = None
        os.chmod(self.root, 0o755)
        if self.prefix:
            shutil.chown(self.root, PG_USER, PG_USER)
        install_db = shutil.which("mariadb-install-db") or require("mysql_install_db")
        _run(
            [
                *self.prefix, install_db, "--no-defaults", f"--datadir={self.data}",
                "--auth-root-authentication-method=normal", "--skip-test-db",
            ]
        )  # fmt: skip
        atexit.register(self.cleanup)
        self.start()
        # Only root@localhost (through the socket), and with a password: no anonymous or
        # password-less accounts on the TCP port.
        self.sql(
            "DELETE FROM mysql.global_priv WHERE NOT ((User = 'root' AND Host = 'localhost') OR User = 'mariadb.sys');"
            f" FLUSH PRIVILEGES; ALTER USER 'root'@'localhost' IDENTIFIED BY '{self.ROOT_PASSWORD}'"
        )
        self._root_password = self.ROOT_PASSWORD

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the server process
        self.proc = subprocess.Popen(
            [
                *self.prefix, self.mariadbd, "--no-defaults", f"--datadir={self.data}",
                f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
                "--skip-name-resolve", f"--pid-file={self.root / 'mariadb.pid'}", f"--tmpdir={self.root}",
                "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=64M",
                "--max-connections=500", "--userstat=1", "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
            ],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 60
        while not (port_is_open(self.port) and self.socket.exists()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop("immediate")
                pytest.fail(f"MariaDB did not listen on 127.0.0.1:{self.port}:\n{self.log_tail()}")
            time.sleep(0.1)

    # -- databases -----------------------------------------------------------------
    def _client_args(self) -> list[str]:
        # Root through the socket in the server's private directory; this process may be root
        # or the server's own user, both can open it.
        args = ["--no-defaults", f"--socket={self.socket}", "-uroot"]
        if self._root_password:
            args.append(f"-p{self._root_password}")
        return args

    def sql(self, sql: str, database: str | None = None) -> str:
        args = [self.client, *self._client_args(), "--batch", "--skip-column-names", "-e", sql]
        if database:
            args.append(database)
        return _run(args).stdout

    @staticmethod
    def _check_name(name: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_]{1,48}", name):
            pytest.fail(f"not a usable MariaDB database name: {name!r}")
        return name

    def user_for(self, database: str) -> str:
        return "u_" + self._check_name(database)[-30:]

    def create_database(self, name: str) -> str:
        """A fresh, empty database with its own user; returns its DATABASE_URL (mysql://...)."""
        name = self._check_name(name)
        user = self.user_for(name)
        if name not in self._databases:
            self.sql(
                f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`;"
                f" CREATE OR REPLACE USER '{user}'@'%' IDENTIFIED BY '{PG_PASSWORD}';"
                f" GRANT ALL ON `{name}`.* TO '{user}'@'%';"
                f" GRANT ALL ON `test\\_%`.* TO '{user}'@'%';"
            )
            self._databases.add(name)
        return self.url(name)

    def url(self, database: str) -> str:
        return f"mysql://{self.user_for(database)}:{PG_PASSWORD}@127.0.0.1:{self.port}/{database}"

    def rows_inserted(self, database: str) -> int:
        """Rows the database's user has inserted anywhere since the server started."""
        out = self.sql(
            f"SELECT COALESCE(SUM(ROWS_INSERTED), 0) FROM information_schema.USER_STATISTICS"
            f" WHERE USER = '{self.user_for(database)}'"
        )
        return int(out.strip() or 0)

    def dump(self, database: str) -> str:
        """The database's contents as SQL text (for checks such as 'no clear-text password')."""
        dump = shutil.which("mariadb-dump") or require("mysqldump")
        return _run([dump, *self._client_args(), "--skip-dump-date", self._check_name(database)]).stdout


class FerretDBServer(ServerProcess):
    """One FerretDB server; `create_database(name)` hands out an empty database.

    It runs as the suite's own user: it needs no privileges and refuses none.
    """

    def __init__(self) -> None:
        self.binary = ferretdb_binary()
        self.root = Path(tempfile.mkdtemp(prefix="contract-ferretdb-"))
        self.data = self.root / "data"
        self.data.mkdir()
        self.log_path = self.root / "server.log"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        atexit.register(self.cleanup)
        self.start()

    def start(self) -> None:
        self.launch([str(self.binary), f"-listen=127.0.0.1:{self.port}", f"-data={self.data}"], "FerretDB")

    def client(self) -> MongoClient:
        return MongoClient(f"mongodb://127.0.0.1:{self.port}/", serverSelectionTimeoutMS=5000)

    def create_database(self, name: str) -> str:
        """A fresh, empty database (MongoDB makes it on the first write); returns its DATABASE_URL."""
        with self.client() as client:
            client.drop_database(name)
        return self.url(name)

    def url(self, database: str) -> str:
        return f"mongodb://127.0.0.1:{self.port}/{database}"

    def inserts(self) -> int:
        """Insert commands the server has run since it started, in any database."""
        with self.client() as client:
            status = client.admin.command("serverStatus")
        return int(status.get("metrics", {}).get("commands", {}).get("insert", {}).get("total", 0))

    def dump(self, database: str) -> str:
        """Every document of the database as extended JSON (for checks such as 'no clear-text key')."""
        with self.client() as client:
            db = client[database]
            return "\n".join(
                json_util.dumps(document)
                for name in sorted(db.list_collection_names())
                for document in db[name].find()
            )


class CacheServer(ServerProcess):
    """A cache server process on a free loopback port; subclasses say how to run and query it."""

    binary = ""
    scheme = ""

    def __init__(self) -> None:
        self.executable = require(self.binary)
        self.prefix = _unprivileged_prefix()
        self.root = Path(tempfile.mkdtemp(prefix=f"contract-{self.binary}-"))
        self.log_path = self.root / "server.log"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        os.chmod(self.root, 0o755)
        if self.prefix:
            shutil.chown(self.root, PG_USER, PG_USER)
        atexit.register(self.cleanup)
        self.start()

    def command(self) -> list[str]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        """Start the server (again, on the same port, empty)."""
        if self.running:
            return
        self.launch([*self.prefix, self.executable, *self.command()], self.binary)

    def stop(self, mode: str = "immediate") -> None:
        """Kill the server, whatever `mode` says: its clients see connections refused, as with a
        crashed cache."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.proc = None

    def _ask(self, request: bytes, done: Callable[[bytes], bool]) -> str:
        """Send one text-protocol request and read the reply until `done` says it is complete."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(request)
            reply = b""
            while not done(reply):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
        return reply.decode(errors="replace")

    def reads(self) -> int:
        """Lookups the server has answered since it (last) started."""
        raise NotImplementedError


class RedisServer(CacheServer):
    binary = "redis-server"

    def command(self) -> list[str]:
        return [
            "--port", str(self.port), "--bind", "127.0.0.1", "--protected-mode", "yes",
            "--save", "", "--appendonly", "no", "--dir", str(self.root), "--daemonize", "no",
        ]  # fmt: skip

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stats(self) -> dict[str, str]:
        # An inline command; the reply is one bulk string: `$<length>\r\n<text>\r\n`.
        def complete(reply: bytes) -> bool:
            header, _, body = reply.partition(b"\r\n")
            return header.startswith(b"$") and len(body) >= int(header[1:]) + 2

        text = self._ask(b"INFO stats\r\n", complete)
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    def reads(self) -> int:
        stats = self.stats()
        return int(stats["keyspace_hits"]) + int(stats["keyspace_misses"])


class MemcachedServer(CacheServer):
    binary = "memcached"

    def command(self) -> list[str]:
        return ["--listen=127.0.0.1", f"--port={self.port}", "--udp-port=0", "--memory-limit=64"]

    @property
    def url(self) -> str:
        return f"memcached://127.0.0.1:{self.port}"

    def stats(self) -> dict[str, str]:
        text = self._ask(b"stats\r\n", lambda reply: reply.endswith(b"END\r\n"))
        return {
            parts[1]: parts[2] for parts in (line.split() for line in text.splitlines()) if len(parts) == 3
        }

    def reads(self) -> int:
        return int(self.stats()["cmd_get"])


CACHE_SERVERS: dict[str, type[CacheServer]] = {"redis": RedisServer, "memcached": MemcachedServer}


class Nginx(ServerProcess):
    """Debian's nginx, run with compose's command line on a loopback copy of the project's config,
    its prefix (pid, temporary files) in a directory of its own. As root it runs as the same
    unprivileged user as the other servers, as in the image."""

    def __init__(self, project: Path, upstream_port: int) -> None:
        self.executable = require("nginx")
        self.user_prefix = _unprivileged_prefix()
        self.root = Path(tempfile.mkdtemp(prefix="contract-nginx-"))
        self.log_path = self.root / "nginx.log"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        os.chmod(self.root, 0o755)
        self.config = self.root / "nginx.conf"
        self.config.write_text(loopback_config(project, upstream_port, self.port), encoding="utf-8")
        # nginx reopens its stdout (the log file) for the access log, as its own user.
        self.log_path.touch()
        if self.user_prefix:
            shutil.chown(self.root, PG_USER, PG_USER)
            shutil.chown(self.log_path, PG_USER, PG_USER)
        command = compose_command(project)
        assert Path(command[0]).name == "nginx", f"compose's nginx service runs {command[0]}, not nginx"
        command[0] = self.executable
        command[option_index(command, "-p")] = f"{self.root}/"
        command[option_index(command, "-c")] = str(self.config)
        self.command = [*self.user_prefix, *command]
        atexit.register(self.cleanup)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` with the command line the server runs with."""
        # stdout into the log file, which nginx's user may reopen (a pipe of ours it may not).
        with open(self.log_path, "ab") as log:
            return subprocess.run(
                [*self.command, "-t"], stdout=log, stderr=subprocess.PIPE, text=True, timeout=60
            )

    def start(self) -> None:
        self.launch(self.command, "nginx")

    def access_log(self) -> list[str]:
        """The access log lines (JSON, on nginx's stdout, which shares the log file)."""
        return [line for line in self.log_tail(1_000_000).splitlines() if line.startswith("{")]


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
