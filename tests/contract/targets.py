"""The targets the one contract suite runs against: every enabled language with each database
on the defaults, plus answer combinations covering every pair of values of the language's
other dimensions (`--combinations=full`: every combination).

A Target is a rendered project plus what it needs to run (a PostgreSQL server for
`postgresql`, a MariaDB server for `mysql`, a FerretDB server for `mongodb`, a Redis or Memcached server of its own for a
cache), and knows how to start instances of the service for it. The contract
tests see only what a black box offers: a base URL, the resource plural, the JWT secret
the service was started with, how to (re)start the process with other settings, and the
service's own documented commands (minting and revoking API keys).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import secrets
import shlex
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from tests.contract.checks import Api
from tests.helpers.combinations import DIMENSIONS, combinations_for
from tests.helpers.facts import AUTHS, CONTRACT, DATABASES, ENABLED_LANGUAGES, facts_for, naming
from tests.helpers.oidc import OidcProvider
from tests.helpers.servers import CACHE_SERVERS, CacheServer, FerretDBServer, MariaDBServer, PostgresServer
from tests.helpers.service import (
    RunningService,
    free_port,
    install,
    port_is_open,
    run_command,
    start_service,
)

ENV = CONTRACT["env"]


# copier.yml's defaults of the dimensions a target may vary besides language and database.
DEFAULTS = {key: value for key, value in DIMENSIONS.items() if key != "database"}


@dataclass(frozen=True)
class TargetSpec:
    language: str
    database: str
    cache: str = DEFAULTS["cache"]
    api_style: str = DEFAULTS["api_style"]
    auth: str = DEFAULTS["auth"]

    @property
    def id(self) -> str:
        """`python-sqlite`, and `-question=value` for every answer that is not the default."""
        changed = [f"{key}={value}" for key, value in self._options().items() if value != DEFAULTS[key]]
        return "-".join([self.language, self.database, *changed])

    @property
    def answers(self) -> dict[str, str]:
        return {"language": self.language, "database": self.database, **self._options()}

    def _options(self) -> dict[str, str]:
        return {"cache": self.cache, "api_style": self.api_style, "auth": self.auth}


def targets(mode: str = "pairwise") -> list[TargetSpec]:
    """Every enabled language with the answer combinations of `mode` (tests/helpers/combinations.py)."""
    return [
        TargetSpec(language, **combination)
        for language in ENABLED_LANGUAGES
        for combination in combinations_for(language, mode)
    ]


# The default tier's targets; `pytest --combinations=full` runs targets("full") instead.
TARGETS = targets()


def only_for(predicate: Callable[[TargetSpec], bool]):
    """Decorate a contract test that holds for fewer targets than its module's `applies_to`."""

    def mark(test):
        test.applies_to = predicate
        return test

    return mark


def speaks_rest(spec: TargetSpec) -> bool:
    """The resource API is the REST one (contract test modules set `applies_to` from these)."""
    return spec.api_style == "rest"


def uses_jwt(spec: TargetSpec) -> bool:
    """Principals come from the service's own register and token endpoints."""
    return spec.auth == "jwt"


def rest_with_jwt(spec: TargetSpec) -> bool:
    return speaks_rest(spec) and uses_jwt(spec)


def uses_api_keys(spec: TargetSpec) -> bool:
    """Principals are API keys minted with the service's own command."""
    return spec.auth == "api_key"


def uses_oauth2(spec: TargetSpec) -> bool:
    """Principals are clients of an OpenID provider (the suite starts one)."""
    return spec.auth == "oauth2"


def has_principals(spec: TargetSpec) -> bool:
    """Writes need credentials and callers are told apart (owner-only changes, 401s)."""
    return AUTHS[spec.auth]["principals"]


def rest_with_principals(spec: TargetSpec) -> bool:
    return speaks_rest(spec) and has_principals(spec)


def rest_without_auth(spec: TargetSpec) -> bool:
    return speaks_rest(spec) and not has_principals(spec)


def rest_with_oauth2(spec: TargetSpec) -> bool:
    return speaks_rest(spec) and uses_oauth2(spec)


def speaks_grpc(spec: TargetSpec) -> bool:
    """The resource API is served over gRPC (the .proto in the project), beside HTTP."""
    return spec.api_style == "grpc"


def speaks_soap(spec: TargetSpec) -> bool:
    """The resource API is the SOAP one (docs/contract.md, "SOAP API")."""
    return spec.api_style == "soap"


def serves_resources_over_http(spec: TargetSpec) -> bool:
    """The resource API is an HTTP one (REST or SOAP): its requests are logged and counted as HTTP."""
    return speaks_rest(spec) or speaks_soap(spec)


def speaks_graphql(spec: TargetSpec) -> bool:
    """The resource API is GraphQL at the contract's graphql_path, beside the HTTP operations."""
    return spec.api_style == "graphql"


def caches(spec: TargetSpec) -> bool:
    """The service caches single-resource reads (in the server CACHE_URL names)."""
    return spec.cache != "none"


@dataclass(frozen=True)
class Refusal:
    """What an instance started with a configuration it must refuse did (Target.start_expecting_refusal)."""

    listened: bool
    still_running: bool
    exit_code: int | None
    output: str
    # Its JSON log lines.
    records: list[dict]

    def assert_refused(self, what: str) -> None:
        """`what` (the configuration, for the message) was refused before any port was opened."""
        assert not self.listened, f"{what}: the service listened\n{self.output}"
        assert not self.still_running, f"{what}: still running after 90 s\n{self.output}"
        assert self.exit_code not in (0, None), (
            f"{what}: exit code {self.exit_code}; a refusal must not exit 0\n{self.output}"
        )


class Lab:
    """Process-wide shared resources: one PostgreSQL cluster, one MariaDB server, one FerretDB server,
    one scratch directory, the targets."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="contract-suite-"))
        self._postgres: PostgresServer | None = None
        self._mariadb: MariaDBServer | None = None
        self._ferretdb: FerretDBServer | None = None
        self._targets: dict[TargetSpec, Target] = {}
        atexit.register(self.close)

    def postgres(self) -> PostgresServer:
        if self._postgres is None:
            self._postgres = PostgresServer()
        return self._postgres

    def mariadb(self) -> MariaDBServer:
        if self._mariadb is None:
            self._mariadb = MariaDBServer()
        return self._mariadb

    def ferretdb(self) -> FerretDBServer:
        if self._ferretdb is None:
            self._ferretdb = FerretDBServer()
        return self._ferretdb

    def target(self, spec: TargetSpec, render: Callable[..., Path]) -> Target:
        if spec not in self._targets:
            self._targets[spec] = Target(spec, render(**spec.answers), self)
        return self._targets[spec]

    def close(self) -> None:
        for target in self._targets.values():
            target.stop_all()
        if self._postgres is not None:
            self._postgres.cleanup()
            self._postgres = None
        if self._mariadb is not None:
            self._mariadb.cleanup()
            self._mariadb = None
        if self._ferretdb is not None:
            self._ferretdb.cleanup()
            self._ferretdb = None
        shutil.rmtree(self.workdir, ignore_errors=True)


_LAB: Lab | None = None


def lab() -> Lab:
    global _LAB
    if _LAB is None:
        _LAB = Lab()
    return _LAB


class Target:
    def __init__(self, spec: TargetSpec, project_dir: Path, lab: Lab) -> None:
        self.spec = spec
        self.project_dir = project_dir
        self.lab = lab
        answers = yaml.safe_load((project_dir / ".copier-answers.yml").read_text())
        self.project_slug = answers["project_slug"]
        self.resource = answers["resource"]
        self.plural = naming.pluralize(self.resource)
        self.facts = facts_for(spec.language, self.project_slug, spec.api_style)
        self.database_facts = DATABASES[spec.database]
        self.jwt_secret = "contract-" + secrets.token_hex(24)  # 57 characters
        self.workdir = lab.workdir / spec.id
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._instances: list[RunningService] = []
        self._main: RunningService | None = None
        self._cache_servers: list[CacheServer] = []
        self._make_test_ferretdb: FerretDBServer | None = None
        self._oidc: OidcProvider | None = None
        self.write_scope = CONTRACT["write_scope"].replace("{plural}", self.plural)
        self.audience = f"https://{self.project_slug}.contract.test/api"

    @classmethod
    def of_project(cls, language: str, project_dir: Path) -> Target:
        """A target for a project rendered with the defaults of `language` plus toggles (nginx,
        log stack) that leave the service as it is: its database is what the answers say."""
        database = yaml.safe_load((project_dir / ".copier-answers.yml").read_text())["database"]
        return cls(TargetSpec(language, database), project_dir, lab())

    # -- principals -----------------------------------------------------------------------
    def oidc(self) -> OidcProvider:
        """The OpenID provider whose access tokens an oauth2 target accepts (started once)."""
        assert uses_oauth2(self.spec), f"{self.spec.id} takes no OpenID provider's tokens"
        if self._oidc is None:
            self._oidc = OidcProvider(self.audience, self.write_scope, self.workdir / "oidc")
        return self._oidc

    def oidc_env(self) -> dict[str, str]:
        provider = self.oidc()
        return {ENV["oidc_issuer"]: provider.issuer, ENV["oidc_audience"]: provider.audience}

    # -- configuration ------------------------------------------------------------------
    def database_url(self, name: str) -> str:
        """A fresh database for one instance (or one `make test` run)."""
        if self.spec.database == "sqlite":
            directory = self.workdir / f"db-{name}"
            directory.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{directory / 'app.db'}"
        # Targets share the server; each gets databases of its own, since their schemas differ
        # with the answers (auth=api_key has no users table, ...).
        database = f"{self.spec.language}_{hashlib.sha1(self.spec.id.encode()).hexdigest()[:8]}_{name}"
        if self.spec.database == "postgresql":
            return self.lab.postgres().create_database(database.replace("-", "_"))
        if self.spec.database == "mysql":
            return self.lab.mariadb().create_database(database.replace("-", "_"))
        if self.spec.database == "mongodb":
            return self.ferretdb_for(name).create_database(database.replace("-", "_"))
        pytest.fail(f"the contract suite does not know how to provide a {self.spec.database} database yet")

    def ferretdb_for(self, name: str) -> FerretDBServer:
        """The shared FerretDB server, except for `make test`: FerretDB counts inserts per server,
        not per database, so `make test` gets a server of its own, whose count is that run's."""
        if name != "make-test":
            return self.lab.ferretdb()
        if self._make_test_ferretdb is None:
            self._make_test_ferretdb = FerretDBServer()
        return self._make_test_ferretdb

    def new_cache_server(self) -> CacheServer:
        """A cache server of the target's kind, stopped with the target (tests may stop it sooner)."""
        if self.spec.cache not in CACHE_SERVERS:
            pytest.fail(f"the contract suite does not know how to run a {self.spec.cache} server yet")
        server = CACHE_SERVERS[self.spec.cache]()
        self._cache_servers.append(server)
        return server

    def cache_server(self) -> CacheServer:
        """The target's shared cache server (its instances and `make test` use it)."""
        if not self._cache_servers:
            self.new_cache_server()
        server = self._cache_servers[0]
        server.start()  # again, if a test took it down
        return server

    def service_env(self, name: str, **overrides: str | None) -> dict[str, str | None]:
        env: dict[str, str | None] = {
            ENV["database_url"]: overrides.get(ENV["database_url"]) or self.database_url(name),
            ENV["jwt_secret"]: self.jwt_secret,
            ENV["app_env"]: "test",
            ENV["log_level"]: "info",
        }
        # Listeners beside HTTP (GRPC_PORT): a free port each, so instances never collide.
        for extra in self.facts["extra_ports"]:
            env[extra["env"]] = str(free_port())
        if caches(self.spec):
            env[ENV["cache_url"]] = overrides.get(ENV["cache_url"]) or self.cache_server().url
        if uses_oauth2(self.spec):
            env.update(self.oidc_env())
        env.update(overrides)
        return env

    def production_env(self, name: str) -> dict[str, str | None]:
        """service_env with APP_ENV=production and what the auth method needs to start in it."""
        needs = {
            "none": {ENV["allow_anonymous_writes"]: "true"},
            # An https issuer it will not have to reach: nothing that uses this env writes.
            "oauth2": {
                ENV["oidc_issuer"]: "https://issuer.example.com/",
                ENV["oidc_audience"]: self.audience,
            },
        }
        return self.service_env(name, **{ENV["app_env"]: "production", **needs.get(self.spec.auth, {})})

    # -- instances ------------------------------------------------------------------------
    def start(
        self,
        name: str,
        env: Mapping[str, str | None] | None = None,
        *,
        port: int | None = None,
        wait: bool = True,
    ) -> RunningService:
        """Start one more instance. `env` is the complete contract environment (see service_env)."""
        instance = start_service(
            self.project_dir,
            self.spec.language,
            self.project_slug,
            env if env is not None else self.service_env(name),
            self.workdir / "logs",
            port=port,
            wait=wait,
            name=name,
        )
        self._instances.append(instance)
        return instance

    def start_expecting_refusal(self, name: str, env: Mapping[str, str | None]) -> Refusal:
        """Start an instance that should exit before listening: watch every port it would open
        (HTTP's and the API style's others) until it exits (90 s at most), then stop it."""
        instance = self.start(name, env, wait=False)
        ports = self.ports(instance)
        deadline = time.monotonic() + 90
        listened = False
        while instance.alive() and time.monotonic() < deadline:
            listened = listened or any(port_is_open(port, timeout=0.05) for port in ports)
            time.sleep(0.02)
        still_running = instance.alive()
        code = instance.stop(timeout=5)
        return Refusal(listened, still_running, code, instance.output_tail(), instance.log_records())

    def main(self) -> RunningService:
        """The long-running instance most contract tests talk to (restarted if a test killed it)."""
        if self._main is None or not self._main.alive():
            self._main = self.start("main")
        return self._main

    def stop_all(self) -> None:
        for instance in self._instances:
            instance.stop()
        self._instances.clear()
        self._main = None
        for server in self._cache_servers:
            server.cleanup()
        self._cache_servers.clear()
        if self._make_test_ferretdb is not None:
            self._make_test_ferretdb.cleanup()
            self._make_test_ferretdb = None
        if self._oidc is not None:
            self._oidc.stop()
            self._oidc = None

    @contextmanager
    def failing_dependency(self) -> Iterator[RunningService]:
        """An instance whose database does not answer, as far as a black box can arrange it.

        - postgresql, mysql, mongodb: a dedicated server; the service starts on it (migrations
          applied, /readyz checked to be 200 first), then the server is stopped.
        - sqlite: the database path is a directory, which SQLite cannot open; migrations on
          start are turned off (MIGRATE_ON_START=false) so the process can come up and report.
        """
        servers = {"postgresql": PostgresServer, "mysql": MariaDBServer, "mongodb": FerretDBServer}
        if self.spec.database in servers:
            server = servers[self.spec.database]()
            try:
                url = server.create_database("readiness")
                instance = self.start(
                    "readiness-pg", self.service_env("readiness", **{ENV["database_url"]: url})
                )
                response = httpx.get(instance.base_url + CONTRACT["readiness_path"], timeout=10)
                assert response.status_code == 200, (
                    f"GET /readyz with {self.spec.database} up: expected 200, got {response.status_code} {response.text}"
                )
                server.stop("immediate")
                yield instance
                instance.stop()
            finally:
                server.cleanup()
        elif self.spec.database == "sqlite":
            directory = self.workdir / "db-is-a-directory"
            directory.mkdir(parents=True, exist_ok=True)
            env = self.service_env(
                "readiness", **{ENV["database_url"]: f"sqlite:///{directory}", "MIGRATE_ON_START": "false"}
            )
            instance = self.start("readiness-sqlite", env)
            yield instance
            instance.stop()
        else:
            pytest.fail(f"no way to make a {self.spec.database} dependency fail is known to the suite")

    def database_contents(self, instance: RunningService) -> str:
        """Everything the instance's database holds, as text (gray-box checks only)."""
        url = instance.env[ENV["database_url"]]
        if self.spec.database == "sqlite":
            path = Path(url.removeprefix("sqlite:///"))
            files = [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-journal"))]
            return "".join(f.read_bytes().decode("latin-1") for f in files if f.exists())
        if self.spec.database == "postgresql":
            return self.lab.postgres().dump(url.rsplit("/", 1)[1])
        if self.spec.database == "mysql":
            return self.lab.mariadb().dump(url.rsplit("/", 1)[1])
        if self.spec.database == "mongodb":
            return self.lab.ferretdb().dump(urlsplit(url).path.strip("/"))
        pytest.fail(f"no way to read a {self.spec.database} database is known to the suite")

    def rows_inserted(self, url: str) -> int:
        """Rows written on the server through `url`'s database (or its user), since the server started.

        The generated tests may work in databases or schemas of their own and drop them; this
        counts what the server saw, not what is left.
        """
        database = url.rsplit("/", 1)[1]
        if self.spec.database == "postgresql":
            inserted = self.lab.postgres().psql(
                "SELECT tup_inserted FROM pg_stat_database WHERE datname = current_database()", database
            )
            return int(inserted.strip())
        if self.spec.database == "mysql":
            return self.lab.mariadb().rows_inserted(database)
        if self.spec.database == "mongodb":
            return self.ferretdb_for("make-test").inserts()
        pytest.fail(
            f"no way to count the rows written to a {self.spec.database} database is known to the suite"
        )

    def ports(self, instance: RunningService) -> list[int]:
        """Every port `instance` listens on: HTTP's, then the API style's others (GRPC_PORT)."""
        return [instance.port, *(int(instance.env[extra["env"]]) for extra in self.facts["extra_ports"])]

    def api(self, instance: RunningService) -> Api:
        """A client of `instance` that makes principals the way the target's auth method does."""
        return Api(
            instance.base_url,
            self.plural,
            auth=self.spec.auth,
            mint_key=lambda name: self.create_api_key(instance, name),
            issue_token=lambda: self.oidc().next_writer(),
        )

    # -- the service's own commands -------------------------------------------------------------
    def run_service_command(self, key: str, instance: RunningService, **params: str):
        """Run `commands.<key>` of the facts in the project directory with `instance`'s environment
        (so it works on the instance's database); `{param}` placeholders are filled in, quoted."""
        command = self.facts["commands"].get(key)
        assert command, f"the {self.spec.language} facts have no commands.{key}"
        for name, value in params.items():
            command = command.replace("{" + name + "}", shlex.quote(value))
        install(self.project_dir, self.spec.language, self.project_slug)
        return run_command(command, self.project_dir, instance.env, timeout=120, split_stderr=True)

    def create_api_key(self, instance: RunningService, name: str) -> dict:
        """Mint a key with `commands.create_api_key`: the {"id", "name", "key"} it prints."""
        result = self.run_service_command("create_api_key", instance, name=name)
        assert result.returncode == 0, (
            f"create_api_key exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
        try:
            minted = json.loads(result.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"create_api_key must print one JSON object on stdout, printed {result.stdout!r}")
        assert isinstance(minted, dict) and {"id", "name", "key"} <= set(minted), minted
        assert all(isinstance(minted[k], str) and minted[k] for k in ("id", "name", "key")), minted
        return minted

    def revoke_api_key(self, instance: RunningService, key_id: str):
        return self.run_service_command("revoke_api_key", instance, id=key_id)

    def make_test_env(self) -> dict[str, str]:
        """Environment for the generated project's own `make test`."""
        env = {ENV["app_env"]: "test"}
        if self.database_facts.get("server"):
            env[ENV["database_url"]] = self.database_url("make-test")
        if caches(self.spec):
            env[ENV["cache_url"]] = self.cache_server().url
        if uses_oauth2(self.spec):
            env.update(self.oidc_env())
        return env


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def log_record(service: RunningService, request_id: str) -> dict:
    """The one JSON log line `service` wrote for the request with `request_id` (waits 5 s for it)."""
    found: list[dict] = []

    def logged() -> bool:
        found[:] = [r for r in service.log_records() if r.get("request_id") == request_id]
        return bool(found)

    assert wait_until(logged, timeout=5), (
        f"no JSON log line on stdout with request_id={request_id!r}\n" + service.output_tail()
    )
    assert len(found) == 1, f"one log line per request, got {len(found)}: {found}"
    return found[0]
