"""The one table of per-stack facts.

Every shared file of the generated repo (Dockerfile, compose, CI, Terraform,
Prometheus, Makefile, README) reads its stack-specific values from here, so a
new language is a new row, not a new set of conditionals. The template's tests
import this module too, and check the rendered files against it.
"""

from __future__ import annotations

import functools
import itertools
import re

# What every service honours, whatever its language (docs/contract.md).
CONTRACT = {
    "health_path": "/healthz",
    "readiness_path": "/readyz",
    "metrics_path": "/metrics",
    "openapi_path": "/openapi.json",
    "docs_path": "/docs",
    "api_prefix": "/api/v1",
    # Where api_style=graphql serves its one endpoint (POST; GET for queries only).
    "graphql_path": "/graphql",
    "request_id_header": "X-Request-ID",
    # auth=api_key: the request header that carries the key.
    "api_key_header": "X-API-Key",
    # auth=none: the owner_id of everything, since every caller is the same anonymous principal.
    "anonymous_principal": "anonymous",
    "metric_requests": "http_requests_total",
    "metric_duration": "http_request_duration_seconds",
    # api_style=graphql: errors answered inside 200 responses, by extensions.code.
    "metric_graphql_errors": "graphql_errors_total",
    "unmatched_route": "unmatched",
    "env": {
        "host": "HOST",
        "port": "PORT",
        "database_url": "DATABASE_URL",
        "jwt_secret": "JWT_SECRET",
        # auth=oauth2: the OpenID Connect issuer whose access tokens the service accepts.
        "oidc_issuer": "OIDC_ISSUER",
        "oidc_audience": "OIDC_AUDIENCE",
        "app_env": "APP_ENV",
        "log_level": "LOG_LEVEL",
        # Only with a cache: where it is, and how long an entry lives.
        "cache_url": "CACHE_URL",
        "cache_ttl": "CACHE_TTL_SECONDS",
        # auth=none: the opt-in that lets APP_ENV=production serve anonymous writes.
        "allow_anonymous_writes": "ALLOW_ANONYMOUS_WRITES",
        "grpc_port": "GRPC_PORT",
    },
    # Only with a cache: single-resource reads answered from the cache (hits) or not (misses),
    # and failed cache operations by `operation` (get, set, delete).
    "metric_cache_hits": "cache_hits_total",
    "metric_cache_misses": "cache_misses_total",
    "metric_cache_errors": "cache_errors_total",
    "cache_ttl_default_seconds": 60,
    "shutdown_grace_seconds": 10,
    # api_style=grpc: a second listener on GRPC_PORT. The .proto is part of the contract; its
    # names derive from the resource ({plural} lower case, {Name} singular PascalCase).
    "grpc": {
        "port": 50051,
        "proto": "proto/{plural}/v1/{plural}.proto",
        "package": "{plural}.v1",
        "service": "{Name}Service",
        "metric_started": "grpc_server_started_total",
        "metric_handled": "grpc_server_handled_total",
        "metric_duration": "grpc_server_handling_seconds",
    },
    # api_style=soap: one SOAP 1.1 document/literal endpoint (WSDL at `<path>?wsdl`). `{plural}`
    # is the resource plural, `{Name}`/`{Plural}` its PascalCase singular and plural.
    "soap": {
        "path": "/soap",
        "namespace": "urn:backend-roadmap:{plural}:v1",
        "operations": {
            "list": "List{Plural}",
            "get": "Get{Name}",
            "create": "Create{Name}",
            "update": "Update{Name}",
            "delete": "Delete{Name}",
        },
    },
    # auth=oauth2: the scope an access token needs for writes (`{plural}`: the resource plural).
    "write_scope": "{plural}:write",
    # An incoming request id the service keeps (anything else is replaced by a generated one).
    "request_id_pattern": "^[A-Za-z0-9._-]{1,128}$",
    # One JSON object per stdout line, under these names in every language, so one collector
    # config and one set of log queries read every stack's logs.
    "log": {
        # On every line: startup, shutdown, refusals and errors as much as requests.
        "fields": ["ts", "level", "msg"],
        "levels": ["debug", "info", "warning", "error", "critical"],
        # Added by the one line each HTTP request logs.
        "request_fields": ["request_id", "method", "route", "status", "duration_ms"],
    },
}

# nginx=true: nginx in front of the HTTP listener under compose (nginx/nginx.conf). The same for every
# language: it only needs the stack's port and the contract's paths.
PROXY = {
    # NGINX's unprivileged build of the official image: uid 101 from the start, so the container
    # needs no root and no capabilities.
    "image": "nginxinc/nginx-unprivileged:1.28.0-alpine",
    # What nginx listens on and compose publishes (above 1024: no privilege needed to bind it).
    "port": 8080,
    # Where nginx reads its config, and the prefix its relative paths (pid, buffered bodies) resolve
    # against: compose mounts a tmpfs there, so the image's filesystem stays read-only.
    "config_path": "/etc/nginx/nginx.conf",
    "prefix": "/tmp/",
    # Larger request bodies are answered 413 before they reach the service.
    "client_max_body_size": "1m",
    # Smaller responses are not worth compressing (they fit one packet anyway).
    "gzip_min_length": 1024,
}

# log_stack: where compose ships the services' JSON logs, and how Grafana reads them back.
LOG_STACKS = {
    "none": {"label": "None", "enabled": True},
    # Loki on its filesystem (monitoring/loki/loki.yaml), fed by Grafana Alloy (monitoring/alloy):
    # Alloy reads every container of the compose project through the Docker API, so the service
    # keeps writing to stdout and nothing needs a logging-driver plugin on the host. Promtail, which
    # did the same, is deprecated in favour of Alloy.
    "loki": {
        "label": "Loki",
        "enabled": True,
        # The version the template's tests build Loki from (Go module github.com/grafana/loki/v3).
        "version": "3.7.8",
        "image": "grafana/loki:3.7.8",
        "port": 3100,
        "config_path": "/etc/loki/loki.yaml",
        "retention": "168h",
        "collector_image": "grafana/alloy:v1.20.1",
        "collector_config_path": "/etc/alloy/config.alloy",
        # Alloy's own UI (component graph, what each stage saw), published on loopback only.
        "collector_port": 12345,
        "docker_socket": "/var/run/docker.sock",
        # The index label naming the compose service a line came from.
        "service_label": "service",
        # Contract log fields that become index labels: few values each.
        "line_labels": ["level"],
        # Contract log fields kept beside the line (one value per request: never an index label).
        "structured_metadata": ["request_id"],
        # The contract log field whose time the line is stored under.
        "timestamp_field": "ts",
        "datasource_uid": "loki",
        # What the service's container is called in compose, and so in the `service` label.
        "app_service": "app",
    },
    "elk": {
        "label": "ELK (Elasticsearch, Logstash, Kibana)",
        "enabled": False,
        "disabled_reason": "The ELK log stack is planned but not implemented yet; choose loki (with Grafana).",
    },
}

_PYTHON_SQL_PACKAGES = ["alembic>=1.16", "sqlalchemy[asyncio]>=2.0.36"]

# One uv release for the image build and the CI jobs of GitLab and Jenkins, so all resolve the lock alike.
_UV_IMAGE = "ghcr.io/astral-sh/uv:0.13.9"
_UV_CI_IMAGE = f"{_UV_IMAGE}-python3.13-bookworm-slim"

STACKS = {
    "python": {
        "label": "Python",
        "enabled": True,
        "language_version": "3.13",
        "framework": "FastAPI",
        "package_manager": "uv",
        # Dependabot's name for the package manager (.github/dependabot.yml).
        "dependabot_ecosystem": "uv",
        # Renovate's manager of the manifest and lockfile (renovate.json, ci=gitlab).
        "renovate_manager": "pep621",
        # What a learner installs to run `make run` and `make test` (shown in the generated README).
        "prerequisites": "Python 3.11+ and [uv](https://docs.astral.sh/uv/)",
        "port": 8000,
        "build_image": "python:3.13.5-slim-bookworm",
        "runtime_image": "python:3.13.5-slim-bookworm",
        "commands": {
            "install": "uv sync --frozen",
            "build": "uv build --wheel",
            "test": "uv run --frozen pytest",
            "lint": "uv run --frozen ruff check . && uv run --frozen ruff format --check . && uv run --frozen mypy",
            "format": "uv run --frozen ruff format . && uv run --frozen ruff check --fix .",
            "run": "uv run --frozen python -m {package}",
            # The service's own command: Alembic's upgrade on SQL, the indexes on MongoDB.
            "migrate": "uv run --frozen python -m {package} migrate",
            # Exits non-zero when the committed lockfile no longer matches the manifest.
            "lock_check": "uv lock --check",
            # Inside the image, where there is no curl: exits 0 when the health path answers 200.
            "healthcheck": "python -m {package} healthcheck",
            # auth=api_key, run in the project directory with the service's environment:
            # create prints one JSON object {"id", "name", "key"} on stdout (the key only this
            # once); revoke exits 0 once the key is revoked, non-zero for an unknown id.
            "create_api_key": "uv run --frozen python -m {package} create-api-key --name {name}",
            "revoke_api_key": "uv run --frozen python -m {package} revoke-api-key {id}",
        },
        # The packages one answer of the database, cache, api_style or auth question
        # adds (keyed by the answer's value; "none" never adds any). The project
        # declares, and its lock holds, only those of the chosen answers, so a
        # learner installs nothing the service does not use; the template still
        # ships one uv.lock, in which scripts/relock_python.py guards each
        # package by the answers that need it.
        "option_packages": {
            # SQLAlchemy and Alembic serve the SQL databases; MongoDB has its own driver instead.
            # The service runs on an asyncio driver; Alembic migrates through a blocking one
            # (psycopg is both).
            "sqlite": [*_PYTHON_SQL_PACKAGES, "aiosqlite>=0.21"],
            "postgresql": [*_PYTHON_SQL_PACKAGES, "psycopg[binary]>=3.2"],
            "mysql": [*_PYTHON_SQL_PACKAGES, "aiomysql>=0.2", "pymysql>=1.1"],
            # PyMongo's AsyncMongoClient (GA since 4.13), which replaces Motor.
            "mongodb": ["pymongo>=4.13"],
            "grpc": [
                "grpcio>=1.84",
                "grpcio-health-checking>=1.84",
                "grpcio-reflection>=1.84",
                "protobuf>=6.31",
            ],
            # graphql-core too: the service imports it (GraphQLError) besides Strawberry.
            "graphql": ["strawberry-graphql[fastapi]>=0.341", "graphql-core>=3.2"],
            "redis": ["redis>=6.2"],
            "memcached": ["pymemcache>=4.0"],
            "soap": ["lxml>=5.3", "soapbar>=0.21"],
            # HS256 access tokens and argon2id password hashes.
            "jwt": ["argon2-cffi>=23.1", "pyjwt>=2.10"],
            # RS256/ES256 verification of the issuer's access tokens.
            "oauth2": ["pyjwt[crypto]>=2.10"],
        },
        # The same for the `dev` dependency group (a test client only one answer needs).
        "option_dev_packages": {
            # grpcio-tools and mypy-protobuf turn proto/ into code and its type stubs (`make generate`).
            "grpc": [
                "grpcio-tools>=1.84",
                "mypy-protobuf>=3.6",
                "types-grpcio>=1.0.0.20250318",
                "types-grpcio-health-checking>=1.0.0.20250318",
                "types-grpcio-reflection>=1.0.0.20250318",
                "types-protobuf>=6.30",
            ],
            "soap": ["types-lxml>=2025.3"],  # lxml's types, for mypy --strict
        },
        "paths": {
            "manifest": "pyproject.toml",
            "lockfile": "uv.lock",
            "source": "src",
            "tests": "tests",
        },
        # A line the test command prints only when tests really ran and passed.
        "test_summary": r"\b[1-9]\d* passed\b",
        # GitLab CI (no setup actions there): the image the lint and test jobs run in, and what
        # they cache between pipelines, keyed by the lockfile. GitLab caches only inside the
        # project directory, so a cache path must be one the lint command skips (git-ignored).
        "gitlab_ci": {
            "image": _UV_CI_IMAGE,
            "variables": {"UV_CACHE_DIR": ".uv-cache", "UV_PYTHON_DOWNLOADS": "never"},
            "cache_paths": [".uv-cache/"],
        },
        # Jenkins (a Docker agent per stage, run as the agent's uid with no home of its own): the
        # image of the lint and test stages and their environment. uv's cache stays in the
        # workspace, git-ignored, so the next build on the agent reuses it.
        "jenkins_ci": {
            "image": _UV_CI_IMAGE,
            "environment": {"UV_CACHE_DIR": ".uv-cache", "UV_PYTHON_DOWNLOADS": "never"},
            "cache_paths": [".uv-cache/"],
        },
        "ci_setup": [
            {
                "name": "Set up uv",
                # Full commit SHA of the release tag in the comment (never a floating tag).
                "uses": "astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc",
                "version_comment": "v6.4.3",
                "with": {"enable-cache": True, "cache-dependency-glob": "uv.lock"},
            },
        ],
        # The generic Dockerfile frame (build stage, runtime stage, USER, EXPOSE,
        # HEALTHCHECK from commands.healthcheck, CMD) is filled from these. `{package}`
        # and `{slug}` are filled in like in `commands`. Steps are Dockerfile
        # instructions run in order after `WORKDIR {workdir}` of their stage.
        "docker": {
            "workdir": "/app",
            "build_env": {
                "UV_COMPILE_BYTECODE": "1",
                "UV_LINK_MODE": "copy",
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_PROJECT_ENVIRONMENT": "/app/.venv",
            },
            "build_steps": [
                f"COPY --from={_UV_IMAGE} /uv /uvx /bin/",
                # Manifest and lockfile first: the dependency layer is cached until they change.
                "COPY pyproject.toml uv.lock ./",
                "RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-install-project",
                "COPY . .",
                "RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-editable",
            ],
            # Paths copied from the build stage into the same path of the runtime stage.
            "artifacts": ["/app/.venv"],
            "runtime_env": {
                "PATH": "/app/.venv/bin:$PATH",
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
            },
            # Runs as root before `USER`: creates the non-root user and the SQLite data directory.
            "runtime_steps": [
                "RUN groupadd --system --gid 10001 app"
                " && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app"
                " && mkdir -p /app/data && chown app:app /app/data",
            ],
            # Numeric uid:gid of the user made above, so the runtime can tell it is not root.
            "user": "10001:10001",
            # Exec form of the process the image runs (the healthcheck is commands.healthcheck).
            "cmd": ["python", "-m", "{package}"],
        },
        "gitignore": [
            ".venv/",
            "__pycache__/",
            "*.py[cod]",
            ".pytest_cache/",
            ".mypy_cache/",
            ".ruff_cache/",
            ".coverage",
            "dist/",
            # uv's cache where GitLab CI keeps it (gitlab_ci.cache_paths); ruff skips what is ignored.
            ".uv-cache/",
        ],
    },
    "typescript": {
        "label": "TypeScript",
        "enabled": False,
        "disabled_reason": "TypeScript is planned but not implemented yet.",
        "port": 3000,
    },
    "go": {
        "label": "Go",
        "enabled": True,
        "language_version": "1.26",
        "framework": "net/http",
        "package_manager": "go modules",
        "dependabot_ecosystem": "gomod",
        "renovate_manager": "gomod",
        "prerequisites": "[Go](https://go.dev/dl/) 1.26+",
        "port": 8080,
        "build_image": "golang:1.26.8-bookworm",
        "runtime_image": "gcr.io/distroless/static-debian12:nonroot",
        "commands": {
            "install": "go mod download",
            "build": "CGO_ENABLED=0 go build -trimpath -o bin/{slug} ./cmd/{slug}",
            "test": "go test ./...",
            # What the toolchain ships: vet, and gofmt listing no file (no `$` so make and CI
            # run the same line). CI may add golangci-lint with the project's .golangci.yml.
            "lint": "go vet ./... && ! gofmt -l . | grep .",
            "format": "gofmt -w .",
            # Built, then exec'd: `go run` would not pass SIGTERM on to the service.
            "run": "sh -c 'go build -o bin/{slug} ./cmd/{slug} && exec ./bin/{slug}'",
            "migrate": "go run ./cmd/{slug} migrate",
            "lock_check": "go mod tidy -diff",
            # Inside the image (distroless: no shell, no curl): exits 0 when /healthz answers 200.
            "healthcheck": "/app/bin/{slug} healthcheck",
        },
        "paths": {
            "manifest": "go.mod",
            "lockfile": "go.sum",
            "source": "internal",
            "tests": "internal",
        },
        "test_summary": r"^ok\s+\S+",
        # No module cache: inside the project it would be in the tree `gofmt -l .` lists, which
        # reads every directory, ignored or hidden; `go mod download` takes seconds.
        "gitlab_ci": {
            "image": "golang:1.26.8-bookworm",
            "variables": {"GOTOOLCHAIN": "local"},
            "cache_paths": [],
        },
        # The container's uid has no writable home: Go's caches go to /tmp (outside the tree gofmt reads).
        "jenkins_ci": {
            "image": "golang:1.26.8-bookworm",
            "environment": {"GOTOOLCHAIN": "local", "GOCACHE": "/tmp/go-build", "GOMODCACHE": "/tmp/go-mod"},
            "cache_paths": [],
        },
        "ci_setup": [
            {
                "name": "Set up Go",
                "uses": "actions/setup-go@d35c59abb061a4a6fb18e82ac0862c26744d6ab5",
                "version_comment": "v5.5.0",
                "with": {"go-version-file": "go.mod", "cache-dependency-path": "go.sum"},
            },
        ],
        "docker": {
            "workdir": "/app",
            "build_env": {
                "CGO_ENABLED": "0",
                "GOTOOLCHAIN": "local",
            },
            # RUN steps use paths relative to the workdir; one static binary comes out.
            "build_steps": [
                "COPY go.mod go.sum ./",
                "RUN --mount=type=cache,target=/go/pkg/mod go mod download",
                "COPY . .",
                "RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build"
                " go build -trimpath -o bin/{slug} ./cmd/{slug} && mkdir -p data",
            ],
            # Directories copied whole into the runtime stage: the binary's and SQLite's.
            "artifacts": ["/app/bin", "/app/data"],
            "runtime_env": {},
            # Distroless has no shell: nothing to run; its `nonroot` user is 65532.
            "runtime_steps": [],
            "user": "65532:65532",
            "cmd": ["/app/bin/{slug}"],
        },
        "gitignore": [
            "bin/",
            "*.test",
            "*.out",
            "coverage.*",
        ],
    },
    "java": {
        "label": "Java",
        "enabled": False,
        "disabled_reason": "Java is planned but not implemented yet.",
        "port": 8080,
    },
    "rust": {
        "label": "Rust",
        "enabled": False,
        "disabled_reason": "Rust is planned but not implemented yet.",
        "port": 8080,
    },
    "csharp": {
        "label": "C#",
        "enabled": False,
        "disabled_reason": "C# is planned but not implemented yet.",
        "port": 8080,
    },
}


# Server databases carry what compose, CI and Terraform need to run one.
DATABASES = {
    "sqlite": {
        "label": "SQLite (embedded)",
        "enabled": True,
        # The languages whose service implements this database.
        "languages": ["python", "go"],
        "server": False,
        "default_url": "sqlite:///./data/app.db",
    },
    "postgresql": {
        "label": "PostgreSQL",
        "enabled": True,
        "languages": ["python", "go"],
        "server": True,
        "image": "postgres:17.2-alpine",
        "port": 5432,
        "user_env": "POSTGRES_USER",
        "password_env": "POSTGRES_PASSWORD",
        "db_env": "POSTGRES_DB",
        "healthcheck": ["CMD-SHELL", "pg_isready -U $${POSTGRES_USER} -d $${POSTGRES_DB}"],
        "url_scheme": "postgresql",
        # The managed service Terraform deploys it on (AWS).
        "aws_database": "RDS",
        "aws_instance_class": "db.t4g.micro",
        "rds_engine": "postgres",
        "rds_engine_version": "17",
        "rds_family": "postgres17",
        # RDS's default since PostgreSQL 15, written down so that the parameter group keeps it.
        "rds_parameters": {"rds.force_ssl": "1"},
        "rds_log_exports": ["postgresql", "upgrade"],
        # Free at 7 days' retention, on every instance class.
        "rds_performance_insights": True,
        # cloud=azure (TLS is required there by default, as with rds.force_ssl).
        "azure_database": "Azure Database for PostgreSQL flexible server",
        "azure_resource": "azurerm_postgresql_flexible_server",
        "azure_version": "17",
        "azure_sku": "B_Standard_B1ms",
        "azure_dns_zone": "postgres.database.azure.com",
        "azure_subnet_delegation": "Microsoft.DBforPostgreSQL/flexibleServers",
        # Google Cloud: Cloud SQL, with the flags that make it log what checkov's CIS checks ask for.
        "gcp_database": "Cloud SQL for PostgreSQL",
        "cloudsql_version": "POSTGRES_17",
        "cloudsql_flags": {
            "log_checkpoints": "on",
            "log_connections": "on",
            "log_disconnections": "on",
            "log_lock_waits": "on",
            "log_min_messages": "error",
            "log_temp_files": "0",
            "log_min_duration_statement": "-1",
            "log_min_error_statement": "error",
            "log_statement": "ddl",
            "log_hostname": "on",
            "cloudsql.enable_pgaudit": "on",
        },
        # The drivers ask for TLS first (sslmode=prefer), so Cloud SQL may refuse anything else.
        "cloudsql_ssl_mode": "ENCRYPTED_ONLY",
    },
    "mysql": {
        "label": "MySQL",
        # MySQL 8.4 (tested against MariaDB from Debian).
        "enabled": True,
        "languages": ["python", "go"],
        "server": True,
        "image": "mysql:8.4.7",
        "port": 3306,
        "user_env": "MYSQL_USER",
        "password_env": "MYSQL_PASSWORD",
        "db_env": "MYSQL_DATABASE",
        # Further variables the image needs (rendered as is in compose and CI).
        "extra_env": {"MYSQL_RANDOM_ROOT_PASSWORD": "yes"},
        "data_dir": "/var/lib/mysql",
        "healthcheck": [
            "CMD-SHELL",
            "mysqladmin ping -h 127.0.0.1 -u $${MYSQL_USER} -p$${MYSQL_PASSWORD} --silent",
        ],
        "url_scheme": "mysql",
        "aws_database": "RDS",
        "aws_instance_class": "db.t4g.micro",
        "rds_engine": "mysql",
        "rds_engine_version": "8.4",
        "rds_family": "mysql8.4",
        # No require_secure_transport: the drivers connect without TLS unless the URL asks for it.
        "rds_parameters": {},
        "rds_log_exports": ["error", "slowquery"],
        # Performance Insights does not run MySQL on the micro and small classes.
        "rds_performance_insights": False,
        # cloud=azure: the newest version azurerm 4 accepts (it offers no 8.4 yet).
        "azure_database": "Azure Database for MySQL flexible server",
        "azure_resource": "azurerm_mysql_flexible_server",
        "azure_version": "8.0.21",
        "azure_sku": "B_Standard_B1ms",
        # The private DNS zone a flexible server in a delegated subnet registers its name in.
        "azure_dns_zone": "mysql.database.azure.com",
        "azure_subnet_delegation": "Microsoft.DBforMySQL/flexibleServers",
        "gcp_database": "Cloud SQL for MySQL",
        "cloudsql_version": "MYSQL_8_4",
        "cloudsql_flags": {"local_infile": "off", "skip_show_database": "on"},
        # The drivers connect without TLS unless the URL asks for it (as on RDS).
        "cloudsql_ssl_mode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
    },
    "mongodb": {
        "label": "MongoDB",
        # Tested against FerretDB (the MongoDB wire protocol on SQLite); DocumentDB on AWS.
        "enabled": True,
        "languages": ["python"],
        "server": True,
        "image": "mongo:8.0.12",
        "port": 27017,
        # The image makes this user a root user of the `admin` database, hence url_query.
        "user_env": "MONGO_INITDB_ROOT_USERNAME",
        "password_env": "MONGO_INITDB_ROOT_PASSWORD",
        "db_env": "MONGO_INITDB_DATABASE",
        "data_dir": "/data/db",
        "healthcheck": ["CMD-SHELL", "mongosh --quiet --eval 'db.adminCommand({ping: 1}).ok' | grep -q 1"],
        "url_scheme": "mongodb",
        # Appended to DATABASE_URL as its query string, in compose and CI.
        "url_query": "authSource=admin",
        # The image has no database to fall back on (a SQL render's default is an SQLite file), so
        # CI's smoke test starts it without migrating: it checks the image, not a database.
        "smoke_env": {"MIGRATE_ON_START": "false"},
        "aws_database": "Amazon DocumentDB",
        # DocumentDB's smallest instance classes are the medium ones.
        "aws_instance_class": "db.t4g.medium",
        "docdb_engine_version": "5.0.0",
        "docdb_family": "docdb5.0",
        # DocumentDB only speaks TLS, with certificates from Amazon's own CA, which no system trust
        # store holds: the image carries Amazon's bundle at `path` and the deployed URL names it.
        "tls_ca_bundle": {
            "url": "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
            "path": "/etc/ssl/certs/aws-rds-global-bundle.pem",
        },
        # cloud=azure: Cosmos DB for MongoDB (RU-based, serverless). It speaks TLS only, with a public
        # CA's certificate, on its own port; no retryable writes; `url_query` is what its URL needs.
        "azure_database": "Azure Cosmos DB for MongoDB",
        "azure_resource": "azurerm_cosmosdb_account",
        "azure_version": "7.0",
        "azure_port": 10255,
        "azure_url_query": "tls=true&replicaSet=globaldb&retryWrites=false&maxIdleTimeMS=120000",
        # Google Cloud runs no MongoDB of its own: Terraform makes the secret, the learner puts the
        # URL of a MongoDB Atlas cluster (or any MongoDB the service can reach) in it.
        "gcp_database": "MongoDB Atlas (a URL you bring)",
    },
}


# The other dimensions of the stack; like DATABASES, each row lists the languages whose
# service implements it, and copier.yml refuses the rest with the reason.
CACHES = {
    "none": {"label": "No cache", "enabled": True, "languages": ["python", "go"]},
    # Server facts for compose and CI; `url` is CACHE_URL with `{host}` for the server's host.
    "redis": {
        "label": "Redis",
        "enabled": True,
        "languages": ["python"],
        "image": "redis:7.4.11-alpine",
        "port": 6379,
        "url_scheme": "redis",
        "url": "redis://{host}:6379/0",
        # cloud=azure: Azure Cache for Redis, TLS only on its own port, hence `rediss://`.
        "azure_cache": "Azure Cache for Redis",
        "azure_url_scheme": "rediss",
        "azure_port": 6380,
        "healthcheck": ["CMD", "redis-cli", "ping"],
        # Exec form of the server process: a pure cache, nothing written to disk.
        "command": [
            "redis-server",
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory",
            "64mb",
            "--maxmemory-policy",
            "allkeys-lru",
        ],
        "gcp_cache": "Memorystore for Redis",
        "memorystore_version": "REDIS_7_2",
        # On AWS: a one-node ElastiCache replication group, TLS and an AUTH token on, so the
        # service's URL there is rediss:// with the token as its password.
        "elasticache": {"engine": "redis", "version": "7.1", "family": "redis7", "tls": True},
    },
    "memcached": {
        "label": "Memcached",
        "enabled": True,
        "languages": ["python"],
        "image": "memcached:1.6.39-alpine",
        "port": 11211,
        "url_scheme": "memcached",
        "url": "memcached://{host}:11211",
        # The image has no client; busybox nc speaks the text protocol's `version`.
        "healthcheck": ["CMD-SHELL", "echo version | nc -w 2 127.0.0.1 11211 | grep -q VERSION"],
        "command": ["memcached", "--memory-limit=64"],
        "gcp_cache": "Memorystore for Memcached",
        "memcache_version": "MEMCACHE_1_6_15",
        # On AWS: a one-node ElastiCache cluster. Memcached has no AUTH, and the service's client
        # speaks plain TCP, so the security group is the only gate: the tasks' alone.
        "elasticache": {"engine": "memcached", "version": "1.6.22", "family": "memcached1.6", "tls": False},
    },
}

# Every style finds the caller through deps.principal_for, so each goes with every auth method.
API_STYLES = {
    "rest": {"label": "REST", "enabled": True, "languages": ["python", "go"]},
    # Strawberry on the FastAPI app; the schema is in docs/contract.md.
    "graphql": {"label": "GraphQL", "enabled": True, "languages": ["python"]},
    "grpc": {
        "label": "gRPC",
        "enabled": True,
        "languages": ["python"],
        # Listeners beside the HTTP one (probes, metrics, docs and the token endpoints stay on HTTP).
        "ports": [{"name": "grpc", "env": CONTRACT["env"]["grpc_port"], "port": CONTRACT["grpc"]["port"]}],
        # Per language: how the build turns proto/ into code (git-ignored, never committed). `generate`
        # becomes `make generate` (run, test, lint and build depend on it) and a CI step;
        # `docker_generate` runs in the image's build stage, first in the RUN after `COPY . .`.
        "codegen": {
            "python": {
                "generate": "uv run --frozen python -m grpc_tools.protoc"
                " --proto_path={package}/generated=proto --python_out=src --pyi_out=src"
                " --grpc_python_out=src --mypy_grpc_out=quiet:src proto/*/v1/*.proto",
                # The dev group (grpcio-tools, mypy-protobuf) in an environment of its own, so no
                # build tool reaches the runtime stage's /app/.venv.
                "docker_generate": "UV_PROJECT_ENVIRONMENT=/tmp/codegen uv run --frozen --only-dev"
                " python -m grpc_tools.protoc --proto_path={package}/generated=proto"
                " --python_out=src --pyi_out=src --grpc_python_out=src --mypy_grpc_out=quiet:src"
                " proto/*/v1/*.proto",
                "gitignore": ["src/{package}/generated/"],
            },
        },
    },
    "soap": {"label": "SOAP", "enabled": True, "languages": ["python"]},
}

# `challenge`: the scheme of the WWW-Authenticate header on a 401 (None: there are no 401s).
# `principals`: whether callers are told apart, so that only an item's owner may change it.
# `secrets`: the contract's env names of the secrets a deployment must provide.
AUTHS = {
    "jwt": {
        "label": "JWT",
        "enabled": True,
        "languages": ["python", "go"],
        "challenge": "Bearer",
        "principals": True,
        "secrets": ["jwt_secret"],
    },
    "none": {
        "label": "Running without auth",
        "enabled": True,
        "languages": ["python"],
        "challenge": None,
        "principals": False,
        "secrets": [],
    },
    # A resource server: access tokens (JWTs) from an OpenID Connect issuer; no users table.
    "oauth2": {
        "label": "OAuth 2.0",
        "enabled": True,
        "languages": ["python"],
        "challenge": "Bearer",
        # Principals are the issuer's clients (the token's `sub`).
        "principals": True,
        # The issuer and audience are public configuration, and the signing keys are the
        # issuer's: nothing secret to deploy.
        "secrets": [],
    },
    "api_key": {
        "label": "API keys",
        "enabled": True,
        "languages": ["python"],
        "challenge": "ApiKey",
        "principals": True,
        # Keys live hashed in the database: nothing secret to deploy.
        "secrets": [],
    },
}

# The Azure CLI of the CI jobs that sign in to Azure outside Terraform (ACR import or login).
_AZURE_CLI_IMAGE = "mcr.microsoft.com/azure-cli:2.67.0"

# Where the image is deployed. Every language may go anywhere: what is deployed is the image,
# whatever built it. `terraform_dir`: where the Terraform that deploys it lives (None: no Terraform,
# so neither CI nor Dependabot nor the docs have any to speak of). Each cloud keeps its Terraform in a
# template directory of its own, `template/{% if cloud == "<key>" %}infra{% endif %}/terraform/`, so
# one cloud's files never carry another's conditionals.
CLOUDS = {
    "aws": {
        "label": "AWS (ECS Fargate)",
        "enabled": True,
        "languages": list(STACKS),
        "terraform_dir": "infra/terraform",
        "state_backend": {"type": "s3", "settings": ["bucket", "key", "region", "encrypt", "use_lockfile"]},
        "secrets_store": "AWS Secrets Manager",
        # How the README names the cloud, and what runs the image there.
        "provider_label": "AWS",
        "runtime": "ECS Fargate + ALB",
        # The repository variables GitHub's plan and deploy jobs wait for: who each acts as.
        "ci_variables": {"plan": "AWS_PLAN_ROLE_ARN", "deploy": "AWS_DEPLOY_ROLE_ARN"},
        # What each of those variables names, one and all (the workflow's comments).
        "ci_identity": "role",
        "ci_identities": "the role ARNs",
    },
    # Cloud Run v2 behind its own HTTPS URL, Artifact Registry, Secret Manager, Cloud SQL and
    # Memorystore on a private network; CI deploys through workload identity federation.
    "gcp": {
        "label": "Google Cloud (Cloud Run)",
        "enabled": True,
        "languages": list(STACKS),
        "terraform_dir": "infra/terraform",
        # The backend block (GCS locks the state by itself), commented out where no CI sets it.
        "state_backend": {"type": "gcs", "settings": ["bucket", "prefix"]},
        "secrets_store": "Google Secret Manager",
        "provider_label": "Google Cloud",
        "runtime": "Cloud Run",
        "ci_variables": {"plan": "GCP_PLAN_SERVICE_ACCOUNT", "deploy": "GCP_DEPLOY_SERVICE_ACCOUNT"},
        "ci_identity": "account",
        "ci_identities": "the service accounts",
        # The aud claim GitLab's (and Jenkins') ID tokens carry and the workload identity provider accepts
        # (GitHub's auth action asks for the provider's own name, the default audience).
        "gitlab_oidc_audience": "gcp-workload-identity-federation",
    },
    # Container Apps behind its own HTTPS ingress, the image in ACR, logs in Log Analytics.
    "azure": {
        "label": "Azure (Container Apps)",
        "enabled": True,
        "languages": list(STACKS),
        "terraform_dir": "infra/terraform",
        # The backend block: the key and Entra ID sign-in are fixed, the storage account, its resource
        # group and container come at init (CI: its TF_STATE_* variables).
        "state_backend": {
            "type": "azurerm",
            "settings": [
                "resource_group_name",
                "storage_account_name",
                "container_name",
                "key",
                "use_azuread_auth",
            ],
        },
        "secrets_store": "Container Apps secrets",
        "provider_label": "Azure",
        "runtime": "Container Apps + ACR",
        "ci_variables": {"plan": "AZURE_PLAN_CLIENT_ID", "deploy": "AZURE_DEPLOY_CLIENT_ID"},
        "ci_identity": "identity",
        "ci_identities": "the identities' client ids",
        # Answers of other questions this cloud cannot deploy, with the reason the learner sees.
        "refuses": {
            "cache": {
                "memcached": "Azure has no managed Memcached: choose Redis (Azure Cache for Redis) or no cache "
                "with cloud=azure, or keep Memcached on AWS or with cloud=none.",
            },
        },
        # Entra ID trades a CI system's OIDC token for an identity's token when it names this audience.
        "oidc_audience": "api://AzureADTokenExchange",
        # ci=gitlab: the Azure CLI's image, for the job that imports the tested image into ACR.
        "gitlab_ci_image": _AZURE_CLI_IMAGE,
    },
    # The image from CI (GHCR), run with compose or `docker run` wherever Docker runs.
    "none": {
        "label": "Docker Compose only",
        "enabled": True,
        "languages": list(STACKS),
        "terraform_dir": None,
    },
}

# The Terraform CI runs: 1.10 and later lock S3 state with a lock file (`use_lockfile`), no DynamoDB.
TERRAFORM_VERSION = "1.11.4"

# The CI system that lints, tests and builds, and where it pushes the image (`image`, as the CI
# file names it; `{owner}` lower case and `{slug}` filled in).
# `files`: what only this system's renders hold; `updater`: the bot that keeps dependencies current.
CI_SYSTEMS = {
    "github": {
        "label": "GitHub Actions",
        "enabled": True,
        "files": [".github/workflows/ci.yml", ".github/dependabot.yml"],
        "updater": "Dependabot",
        "image": "ghcr.io/{owner}/{slug}",
        # Where others pull it from (`{owner}` lower case; the README's docker run).
        "published_image": "ghcr.io/{owner}/{slug}",
        "registry_label": "GHCR",
        "badge": "[![CI](https://github.com/{owner}/{slug}/actions/workflows/ci.yml/badge.svg)](https://github.com/{owner}/{slug}/actions/workflows/ci.yml)",
        "terraform_version": TERRAFORM_VERSION,
        # The ID token the plan and deploy jobs trade for AWS credentials, and the issuer Terraform
        # trusts. The deploy job runs in this environment: its protection rules are the manual gate,
        # and the deploy role trusts only tokens of jobs in it.
        "oidc_issuer": "https://token.actions.githubusercontent.com",
        "oidc_audience": "sts.amazonaws.com",
        "deploy_environment": "production",
        # How the README and Terraform outputs name the settings that hold the role ARNs.
        "variable_kind": "GitHub Actions variable",
        "review_label": "pull requests",
        "protected_hint": "",
        # auth=oauth2: the settings the plan and deploy jobs pass Terraform as oidc_issuer and
        # oidc_audience (repository variables, which reach no job by themselves).
        "oauth2_variables": {"oidc_issuer": "OIDC_ISSUER", "oidc_audience": "OIDC_AUDIENCE"},
    },
    "gitlab": {
        "label": "GitLab CI",
        "enabled": True,
        "files": [".gitlab-ci.yml", "renovate.json"],
        "updater": "Renovate",
        # Renovate's managers of the CI file (renovate.json).
        "renovate_managers": ["gitlabci"],
        # GitLab's predefined variable: the project's own container registry.
        "image": "$CI_REGISTRY_IMAGE",
        # Where every pipeline pushes its build before the smoke test runs it as a service.
        "candidate_image": "$CI_REGISTRY_IMAGE/candidates",
        # $CI_REGISTRY_IMAGE of a project on gitlab.com.
        "published_image": "registry.gitlab.com/{owner}/{slug}",
        "registry_label": "GitLab registry",
        "badge": "[![pipeline](https://gitlab.com/{owner}/{slug}/badges/main/pipeline.svg)](https://gitlab.com/{owner}/{slug}/-/pipelines)",
        # Images of the jobs that are no language's: Buildah builds without a Docker daemon (and,
        # unlike kaniko, understands RUN --mount) and copies the tested build; kaniko's debug variant (it has a shell) only
        # copies the tested image into ECR with its built-in ECR credential helper; Terraform as
        # on GitHub.
        "images": {
            "buildah": "quay.io/buildah/stable:v1.40.1",
            "kaniko": "gcr.io/kaniko-project/executor:v1.23.2-debug",
            "terraform": f"hashicorp/terraform:{TERRAFORM_VERSION}",
            # The smoke test's client (Alpine: it has a shell for the retry loop).
            "curl": "curlimages/curl:8.11.1",
        },
        # The ID token the deploy jobs trade for AWS credentials (audience: the IAM OIDC provider's
        # client id), and the issuer Terraform trusts by default.
        "oidc_issuer": "https://gitlab.com",
        "oidc_audience": "sts.amazonaws.com",
        "variable_kind": "GitLab CI/CD variable",
        "review_label": "merge requests",
        "protected_hint": " (protected)",
        # auth=oauth2: CI/CD variables reach every job's environment, where Terraform reads them.
        "oauth2_variables": {"oidc_issuer": "TF_VAR_oidc_issuer", "oidc_audience": "TF_VAR_oidc_audience"},
    },
    "jenkins": {
        "label": "Jenkins",
        "enabled": True,
        "files": ["Jenkinsfile", "renovate.json"],
        "updater": "Renovate",
        # No badge: its URL is the learner's own Jenkins (the embeddable-build-status plugin shows it).
        "badge": "",
        # Jenkins has no registry of its own: the image goes to the chosen cloud's, or to one the
        # learner names. `image`: as the Jenkinsfile names it (`$NAME`: an environment variable the
        # README sets); `published_image`: where others pull it from; `tags`: pushed from main.
        # A new cloud is a new row here and a login block in the Jenkinsfile.
        "registries": {
            # `variable`: the environment variable naming the registry, set from the Terraform `output`.
            # `published_image` is that output's value with the Terraform's default region and names,
            # and a placeholder (`placeholder`) for what only the learner's account knows.
            "aws": {
                "image": "$ECR_REPOSITORY_URL",
                "variable": "ECR_REPOSITORY_URL",
                "output": "ecr_repository_url",
                "published_image": "aws-account-id.dkr.ecr.eu-west-1.amazonaws.com/{slug}",
                "placeholder": "aws-account-id",
                "registry_label": "ECR",
                # The repository's tags are immutable: no `latest` to move.
                "tags": ["$GIT_COMMIT"],
            },
            "gcp": {
                "image": "$ARTIFACT_REGISTRY_URL/{slug}",
                "variable": "ARTIFACT_REGISTRY_URL",
                "output": "artifact_registry_url",
                "published_image": "europe-west1-docker.pkg.dev/gcp-project-id/{slug}/{slug}",
                "placeholder": "gcp-project-id",
                "registry_label": "Artifact Registry",
                "tags": ["$GIT_COMMIT"],
            },
            # ACR's name ends in a random suffix Terraform picks; the image is named after the project.
            "azure": {
                "image": "$AZURE_REGISTRY_NAME.azurecr.io/{slug}",
                "variable": "AZURE_REGISTRY_NAME",
                "output": "registry_name",
                "published_image": "acr-registry-name.azurecr.io/{slug}",
                "placeholder": "acr-registry-name",
                "registry_label": "ACR",
                "tags": ["$GIT_COMMIT"],
            },
            "none": {
                "image": "$REGISTRY/{slug}",
                "variable": "REGISTRY",
                "published_image": "ghcr.io/{owner}/{slug}",
                "registry_label": "your registry",
                "tags": ["$GIT_COMMIT", "latest"],
            },
        },
        # Renovate has no manager for a Jenkinsfile's images: a regex manager finds them, each an
        # `image:tag` in single quotes whose tag is a release number.
        "renovate_managers": ["custom.regex"],
        "renovate_custom_managers": [
            {
                "customType": "regex",
                "description": "The images the Jenkinsfile runs",
                "managerFilePatterns": ["/(^|/)Jenkinsfile$/"],
                "matchStrings": ["'(?<depName>[a-z0-9][a-z0-9._/-]*):(?<currentValue>[0-9][\\w.-]*)'"],
                "datasourceTemplate": "docker",
            }
        ],
        # Plugins the Jenkinsfile uses beyond a standard install's Pipeline suite (README).
        "plugins": {
            "docker-workflow": "Docker Pipeline: Docker agents and the test stage's service containers",
            "pipeline-model-definition": "Pipeline: Declarative",
            "credentials-binding": "Credentials Binding: `withCredentials`",
            "oidc-provider": "OpenID Connect Provider: the ID token the cloud trusts",
        },
        # The agents with a Docker engine the stages run on.
        "agent_label": "docker",
        # Images of the stages that are no language's: Terraform as on GitHub; each cloud's CLI trades
        # the ID token for its registry's login.
        "images": {
            "terraform": f"hashicorp/terraform:{TERRAFORM_VERSION}",
            "aws_cli": "amazon/aws-cli:2.27.50",
            "gcloud": "gcr.io/google.com/cloudsdktool/google-cloud-cli:525.0.0-slim",
            "azure_cli": _AZURE_CLI_IMAGE,
        },
        # Without a cloud, the registry login the README has the learner create.
        "registry_credential_id": "registry-credentials",
        # auth=oauth2: the job's environment variables reach every step, where Terraform reads them.
        "oauth2_variables": {"oidc_issuer": "TF_VAR_oidc_issuer", "oidc_audience": "TF_VAR_oidc_audience"},
        # With a cloud: the ID token credential (OpenID Connect Provider plugin, as a file: the form
        # the cloud's SDKs read) by id, the audience its tokens carry, which the cloud's Terraform
        # trusts, and the variable the stages bind the file to. `settings`: the environment variables
        # besides the plan/deploy identities (the cloud's ci_variables) and the registry that every
        # sign-in needs (`sign_in`) or Terraform needs on top (`terraform`). `environment`: what a
        # stage sets for the cloud's SDKs and CLI (Groovy strings; `{identity}`: the variable naming
        # the plan or deploy identity), `terraform_environment` the Terraform variables on top (the
        # Jenkins URL and image tag are every cloud's), `terraform_init` how the state is found.
        "identities": {
            "aws": {
                "oidc_credential_id": "aws-oidc-token",
                "oidc_audience": "sts.amazonaws.com",
                "token_file": "AWS_WEB_IDENTITY_TOKEN_FILE",
                "settings": {"sign_in": [], "terraform": ["TF_STATE_BUCKET"]},
                "environment": [
                    "AWS_ROLE_ARN=${env.{identity}}",
                    "AWS_ROLE_SESSION_NAME=jenkins-${env.BUILD_NUMBER}",
                ],
                "terraform_environment": ["TF_VAR_state_bucket=${env.TF_STATE_BUCKET}"],
                "terraform_init": 'terraform init -reconfigure -backend-config="bucket=$TF_STATE_BUCKET"',
            },
            # The workload identity provider takes any audience it is told to; this one says what for.
            "gcp": {
                "oidc_credential_id": "gcp-oidc-token",
                "oidc_audience": CLOUDS["gcp"]["gitlab_oidc_audience"],
                "token_file": "GCP_ID_TOKEN_FILE",
                "settings": {
                    "sign_in": ["GCP_WORKLOAD_IDENTITY_PROVIDER"],
                    "terraform": ["GCP_PROJECT_ID", "TF_STATE_BUCKET"],
                },
                # The build writes Google's credential configuration there (the Jenkinsfile's printf).
                "environment": [
                    "GCP_SERVICE_ACCOUNT=${env.{identity}}",
                    "GOOGLE_APPLICATION_CREDENTIALS=${env.WORKSPACE_TMP}/gcp-credentials.json",
                ],
                "terraform_environment": [
                    "TF_VAR_project_id=${env.GCP_PROJECT_ID}",
                    "TF_VAR_state_bucket=${env.TF_STATE_BUCKET}",
                ],
                "terraform_init": 'terraform init -reconfigure -backend-config="bucket=$TF_STATE_BUCKET"',
            },
            # Entra ID trades only tokens for its own exchange audience, and matches one subject exactly:
            # the identities trust main's builds only, so other branches have no plan.
            "azure": {
                "oidc_credential_id": "azure-oidc-token",
                "oidc_audience": CLOUDS["azure"]["oidc_audience"],
                "token_file": "ARM_OIDC_TOKEN_FILE_PATH",
                "plan_on_main_only": True,
                "settings": {
                    "sign_in": ["AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID"],
                    "terraform": [
                        "TF_STATE_RESOURCE_GROUP",
                        "TF_STATE_STORAGE_ACCOUNT",
                        "TF_STATE_CONTAINER",
                    ],
                },
                "environment": [
                    "ARM_CLIENT_ID=${env.{identity}}",
                    "ARM_TENANT_ID=${env.AZURE_TENANT_ID}",
                    "ARM_SUBSCRIPTION_ID=${env.AZURE_SUBSCRIPTION_ID}",
                    "ARM_USE_OIDC=true",
                ],
                "terraform_environment": ["TF_VAR_subscription_id=${env.AZURE_SUBSCRIPTION_ID}"],
                "terraform_init": "terraform init -reconfigure"
                ' -backend-config="resource_group_name=$TF_STATE_RESOURCE_GROUP"'
                ' -backend-config="storage_account_name=$TF_STATE_STORAGE_ACCOUNT"'
                ' -backend-config="container_name=$TF_STATE_CONTAINER"',
            },
        },
    },
}

# Question name in copier.yml -> its table.
OPTIONS = {
    "database": DATABASES,
    "cache": CACHES,
    "api_style": API_STYLES,
    "auth": AUTHS,
    "cloud": CLOUDS,
}


def unsupported_reason(value: str, language: str, question: str = "database") -> str:
    """Why answer `value` to `question` cannot go with `language` ('' when it can): copier.yml's validator."""
    row = OPTIONS[question][value]
    if not row["enabled"]:
        return row["disabled_reason"]
    if language not in row["languages"]:
        label = STACKS.get(language, {}).get("label", language)
        return (
            f"{row['label']} is not implemented for {label} yet; it works with: "
            + ", ".join(STACKS[key]["label"] for key in row["languages"])
            + "."
        )
    return ""


def refused_reason(value: str, question: str, answers: dict[str, str]) -> str:
    """Why answer `value` to `question` cannot go with the other `answers` ('' when it can): the
    row's `refuses` names the answers of other questions it cannot deploy."""
    refuses = OPTIONS[question][value].get("refuses", {})
    return next(
        (refuses[other][answer] for other, answer in answers.items() if answer in refuses.get(other, {})), ""
    )


def deploy_secrets(auth: str, database: str, cache: str) -> list[str]:
    """The contract env keys a deployment passes as secrets: the auth method's own, and the URLs of
    the database and cache servers, which carry their credentials."""
    return (
        list(AUTHS[auth]["secrets"])
        + (["database_url"] if DATABASES[database]["server"] else [])
        + (["cache_url"] if CACHES[cache].get("image") else [])
    )


def smoke_env(auth: str, database: str) -> dict[str, str]:
    """What CI's smoke test of the image passes it: what production needs to start (throwaway
    values; the issuer is never called, as the probes need no token), and the database's own."""
    env = CONTRACT["env"]
    row = AUTHS[auth]
    values = {}
    if "jwt_secret" in row["secrets"]:
        values[env["jwt_secret"]] = "ci-only-smoke-test-jwt-secret-0123456789"
    if auth == "oauth2":
        values[env["oidc_issuer"]] = "https://issuer.example.com/"
        values[env["oidc_audience"]] = "ci-smoke-test"
    if not row["principals"]:
        values[env["allow_anonymous_writes"]] = "true"
    return values | DATABASES[database].get("smoke_env", {})


def _fill(value, names: dict[str, str]):
    """Replace `{package}` and `{slug}` in every string of a facts value (nested lists and dicts too)."""
    if isinstance(value, str):
        for key, name in names.items():
            value = value.replace("{" + key + "}", name)
        return value
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    return value


def _run_first(step: str, command: str) -> str:
    """The RUN instruction `step` with `command` run first (one layer; same --mount flags)."""
    words = step.split(" ")
    assert words[0] == "RUN", f"generated code goes into a RUN step, not {step!r}"
    flags = list(itertools.takewhile(lambda word: word.startswith("--"), words[1:]))
    return " ".join(["RUN", *flags, command, "&&", *words[1 + len(flags) :]])


def soap_contract(resource: str, plural: str) -> dict:
    """CONTRACT["soap"] for one resource: `resource`/`plural` in snake case (`note`, `notes`)."""
    words = {
        "plural": plural,
        "Name": "".join(part.capitalize() for part in resource.split("_")),
        "Plural": "".join(part.capitalize() for part in plural.split("_")),
    }
    soap = CONTRACT["soap"]
    return {
        "path": soap["path"],
        "namespace": soap["namespace"].format(**words),
        "operations": {key: name.format(**words) for key, name in soap["operations"].items()},
    }


# Copier builds a render context for every file and path name; the facts of one
# answer set are computed once and shared (read-only) by all of them.
@functools.cache
def facts_for(language: str, project_slug: str = "service", api_style: str = "rest") -> dict:
    """The merged facts of one stack: its own row plus the shared contract, plus what the API
    style adds (`extra_ports`, and for code generated from a schema: `commands.generate`, a
    Docker build step after `COPY . .`, git-ignored paths).

    Facts name the project's package or binary as `{package}` (snake case) or
    `{slug}`; they are filled in here so every file shows the same command.
    """
    names = {"package": re.sub(r"[^a-z0-9]+", "_", project_slug.lower()).strip("_"), "slug": project_slug}
    stack = _fill(STACKS.get(language, {}), names)
    style = API_STYLES.get(api_style, {})
    stack["extra_ports"] = list(style.get("ports", []))
    codegen = _fill(style.get("codegen", {}).get(language), names)
    if codegen and stack.get("commands"):
        stack["commands"] = {**stack["commands"], "generate": codegen["generate"]}
        steps = list(stack["docker"]["build_steps"])
        after = steps.index("COPY . .") + 1
        steps[after] = _run_first(steps[after], codegen["docker_generate"])
        stack["docker"] = {**stack["docker"], "build_steps": steps}
        stack["gitignore"] = [*stack["gitignore"], *codegen["gitignore"]]
    return {"key": language, "api_style": api_style, **CONTRACT, **stack}
