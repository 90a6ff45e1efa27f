"""Start and stop a generated service generically, from the facts table only.

Nothing here knows a language: the project is installed with `commands.install`
and started with `commands.run` from facts_for(language, project_slug), configured
through the contract's environment variables, and stopped with SIGTERM. Every
process is started in its own process group and remembered, so that nothing is
left running after the session, even when a test fails or pytest is interrupted.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml

from tests.helpers.facts import CONTRACT, facts_for
from tests.helpers.tools import require

START_TIMEOUT = float(os.environ.get("CONTRACT_START_TIMEOUT", "90"))
INSTALL_TIMEOUT = float(os.environ.get("CONTRACT_INSTALL_TIMEOUT", "600"))

# Variables of the machinery or of this repository's own virtualenv that must not leak
# into the generated project's toolchain.
_SCRUBBED_ENV = ("VIRTUAL_ENV", "PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST", "PYTHONHOME")


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now and that this process has not
    handed out before: the kernel may offer a just-closed port again, and two ports picked back to
    back (a service's HTTP and gRPC listeners) must differ."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


@contextlib.contextmanager
def fixed_ports(*ports: int) -> Iterator[None]:
    """Hold `ports` for this test process while a test uses fixed ports (a stack's defaults):
    free ports are per instance, but parallel workers or runs would race for a fixed one."""
    with contextlib.ExitStack() as held:
        for port in sorted(set(ports)):  # one order everywhere: no deadlock between holders
            lock = held.enter_context(
                open(Path(tempfile.gettempdir()) / f"backend-roadmap-port-{port}.lock", "w")
            )
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def port_is_open(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def base_env(**overrides: str) -> dict[str, str]:
    """The environment a generated project's commands run in."""
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED_ENV}
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env.update({key: str(value) for key, value in overrides.items()})
    return env


# --- process bookkeeping -------------------------------------------------------------

_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


def _register(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.add(proc)


def _forget(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(proc)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group `proc` leads (started with start_new_session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    _forget(proc)


def kill_all() -> None:
    """Kill every process group this module started and that is still registered."""
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for proc in procs:
        kill_group(proc)


atexit.register(kill_all)


def spawn(command: str, cwd: Path, env: Mapping[str, str], stdout, stderr) -> subprocess.Popen:
    """Run a facts command (a shell line) as the leader of a new process group.

    `exec` makes the command itself the process we signal, not a wrapping shell.
    """
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )
    _register(proc)
    return proc


def run_command(
    command: str, cwd: Path, env: Mapping[str, str], timeout: float, *, split_stderr: bool = False
) -> subprocess.CompletedProcess:
    """Run a facts command to completion (own process group, killed on timeout), output captured:
    stderr merged into stdout, or kept apart with `split_stderr` (for commands whose stdout is data)."""
    proc = spawn(command, cwd, env, subprocess.PIPE, subprocess.PIPE if split_stderr else subprocess.STDOUT)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, err = proc.communicate()
        shown = err if split_stderr else out
        pytest.fail(
            f"`{command}` in {cwd} did not finish within {timeout:.0f}s:\n{shown.decode(errors='replace')[-6000:]}"
        )
    finally:
        kill_group(proc)  # leftovers of the group, if any
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, out.decode(errors="replace"), (err or b"").decode(errors="replace")
    )


_INSTALLED: dict[Path, float] = {}
_INSTALL_LOCK = threading.Lock()


def project_facts(project_dir: Path, language: str, project_slug: str) -> dict:
    """The facts of a rendered project, with what its API style answer adds (generated code, ports)."""
    answers = yaml.safe_load((project_dir / ".copier-answers.yml").read_text(encoding="utf-8"))
    return facts_for(language, project_slug, answers.get("api_style", "rest"))


def install(project_dir: Path, language: str, project_slug: str) -> float:
    """Run the stack's install command, then its generate command if it has one, once per project
    directory; returns the seconds it took."""
    project_dir = project_dir.resolve()
    with _INSTALL_LOCK:
        if project_dir in _INSTALLED:
            return 0.0
        facts = project_facts(project_dir, language, project_slug)
        started = time.monotonic()
        for key in ("install", "generate"):
            command = facts["commands"].get(key)
            if not command:
                continue
            require(command.split()[0])
            result = run_command(command, project_dir, base_env(), INSTALL_TIMEOUT)
            if result.returncode != 0:
                pytest.fail(
                    f"`{command}` failed in {project_dir} (exit {result.returncode}):\n{result.stdout[-6000:]}"
                )
        _INSTALLED[project_dir] = time.monotonic() - started
        return _INSTALLED[project_dir]


# --- a running service ------------------------------------------------------------------


@dataclass
class RunningService:
    """One started instance of a generated service."""

    command: str
    project_dir: Path
    port: int
    env: dict[str, str]
    stdout_path: Path
    stderr_path: Path
    proc: subprocess.Popen
    started_at: float = field(default_factory=time.monotonic)
    ready_after: float | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stdout_text(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def output_tail(self, chars: int = 4000) -> str:
        return (
            f"--- stdout of `{self.command}` (tail) ---\n{self.stdout_text()[-chars:]}\n"
            f"--- stderr (tail) ---\n{self.stderr_text()[-chars:]}"
        )

    def log_records(self) -> list[dict]:
        """Every stdout line that is a JSON object (the contract's log lines)."""
        records = []
        for line in self.stdout_text().splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                records.append(value)
        return records

    def non_json_stdout_lines(self) -> list[str]:
        bad = []
        for line in self.stdout_text().splitlines():
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                bad.append(line)
                continue
            if not isinstance(value, dict):
                bad.append(line)
        return bad

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Poll the health path until it answers 200; fail with the service's output otherwise."""
        deadline = time.monotonic() + timeout
        url = self.base_url + CONTRACT["health_path"]
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.alive():
                pytest.fail(
                    f"the service exited with code {self.proc.returncode} before {url} answered\n"
                    + self.output_tail()
                )
            try:
                response = httpx.get(url, timeout=2)
                if response.status_code == 200:
                    self.ready_after = time.monotonic() - self.started_at
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.1)
        self.stop(timeout=5)
        pytest.fail(f"{url} did not answer 200 within {timeout:.0f}s (last: {last})\n" + self.output_tail())

    def signal(self, signum: int = signal.SIGTERM) -> None:
        """Send a signal to the started process itself (not its group: the service handles it)."""
        if self.alive():
            os.kill(self.proc.pid, signum)

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = CONTRACT["shutdown_grace_seconds"] + 5) -> int | None:
        """SIGTERM, wait, then SIGKILL the whole group. Returns the exit code SIGTERM got (None if killed)."""
        code = None
        if self.alive():
            self.signal(signal.SIGTERM)
            code = self.wait_exit(timeout)
        else:
            code = self.proc.returncode
        kill_group(self.proc)
        return code


def start_service(
    project_dir: Path,
    language: str,
    project_slug: str,
    env: Mapping[str, str],
    log_dir: Path,
    *,
    port: int | None = None,
    wait: bool = True,
    name: str = "service",
) -> RunningService:
    """Start `commands.run` with the contract's environment (PORT unless `port` is 0: left unset).

    `env` holds the contract variables (DATABASE_URL, JWT_SECRET, APP_ENV, ...); a value of
    None removes a variable. stdout and stderr go to files in `log_dir`.
    """
    install(project_dir, language, project_slug)
    facts = facts_for(language, project_slug)
    command = facts["commands"]["run"]
    names = CONTRACT["env"]
    child_env = base_env()
    for key in names.values():  # only what we set ourselves reaches the service
        child_env.pop(key, None)
    for key in ("JWT_TTL_SECONDS", "MIGRATE_ON_START"):
        child_env.pop(key, None)
    # Tests keep every server they start on loopback.
    child_env[names["host"]] = "127.0.0.1"
    if port is None:
        port = free_port()
    if port:
        child_env[names["port"]] = str(port)
    else:
        port = facts["port"]
    for key, value in env.items():
        if value is None:
            child_env.pop(key, None)
        else:
            child_env[key] = str(value)
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = f"{name}-{port}-{time.time_ns()}"
    stdout_path = log_dir / f"{stamp}.stdout.log"
    stderr_path = log_dir / f"{stamp}.stderr.log"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        proc = spawn(command, project_dir, child_env, out, err)
    service = RunningService(command, project_dir, port, child_env, stdout_path, stderr_path, proc)
    if wait:
        service.wait_healthy()
    return service
