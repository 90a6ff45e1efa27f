"""A real OpenID provider for the OAuth 2.0 checks: panva/oidc-provider from npm, on loopback.

tests/tools/oidc-provider pins the package (package-lock.json) and holds the server script.
It is installed with `npm ci` once into a cache directory named after the hash of those files,
started on a free 127.0.0.1 port in development mode (plain-http issuer), and stopped at
teardown. The suite writes the provider's configuration: its RSA signing keys (the suite keeps
the private keys too, so it can sign tokens with claims the provider would never issue), two
clients with the write scope (distinct `sub`s for the owner checks) and one with another
scope only, and the resources (audiences) it issues access tokens for. `rotate()` restarts it on the same port
with a new signing key, as an issuer rotating its key looks to a resource server.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import secrets
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.helpers.service import free_port, kill_group, spawn
from tests.helpers.tools import npm_tool, require

TOOL_DIR = Path(__file__).resolve().parents[1] / "tools" / "oidc-provider"
TOOL_FILES = ("package.json", "package-lock.json", "server.js")
# A resource the provider also issues tokens for: a token for it is one with the wrong audience.
OTHER_AUDIENCE = "https://other-service.invalid/api"
# A scope the reader client gets instead of the write scope (oidc-provider wants every client
# to have at least one).
OTHER_SCOPE = "audit:read"
# Write-scoped clients the provider knows: enough that the principals one test makes differ.
WRITERS = 8


def installed_tool() -> Path:
    """The tool directory with node_modules, installed once per content hash (npm ci)."""
    return npm_tool(TOOL_DIR, TOOL_FILES)


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    scope: str


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(
            f"key-{uuid.uuid4().hex[:12]}", rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )

    def private_jwk(self) -> dict:
        jwk = RSAAlgorithm.to_jwk(self.private_key, as_dict=True)
        jwk.pop("key_ops", None)  # PyJWT marks a private key "sign"; the published key verifies
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


class OidcProvider:
    """One oidc-provider process issuing client-credentials access tokens for `audience`."""

    def __init__(self, audience: str, write_scope: str, workdir: Path, access_token_ttl: int = 300) -> None:
        self.node = require("node")
        self.tool = installed_tool()
        self.audience = audience
        self.write_scope = write_scope
        self.access_token_ttl = access_token_ttl
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        # Write-scoped clients: `writer` and `other-writer` by name, and more that
        # `next_writer()` hands out in turn with them, so a test's principals differ.
        writers = ["writer", "other-writer", *(f"writer-{n}" for n in range(2, WRITERS))]
        self.clients = {
            name: Client(f"{name}-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(24), scope)
            for name, scope in [*((writer, write_scope) for writer in writers), ("reader", OTHER_SCOPE)]
        }
        self._writers = itertools.cycle(writers)
        self.keys = [SigningKey.generate()]
        self.log_path = workdir / "oidc-provider.log"
        self.proc: subprocess.Popen | None = None
        self._log = None
        atexit.register(self.stop)
        self.start()

    # -- lifecycle -----------------------------------------------------------------
    def _write_config(self) -> Path:
        config = {
            "issuer": self.issuer,
            "port": self.port,
            "jwks": {"keys": [key.private_jwk() for key in self.keys]},
            "scopes": [self.write_scope, OTHER_SCOPE],
            "resources": [self.audience, OTHER_AUDIENCE],
            "access_token_ttl": self.access_token_ttl,
            "clients": [vars(client) for client in self.clients.values()],
        }
        path = self.workdir / "oidc-provider.json"
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        return path

    def start(self) -> None:
        config = self._write_config()
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open for the process's life
        env = {**os.environ, "NODE_ENV": "development", "DEBUG": ""}
        self.proc = spawn(f"{self.node} server.js {config}", self.tool, env, self._log, subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.discovery_url, timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"oidc-provider did not serve {self.discovery_url}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=10)
            kill_group(self.proc)
            self.proc = None
        if self._log is not None and not self._log.closed:
            self._log.close()

    def rotate(self, keep_previous: bool = True) -> SigningKey:
        """Restart with a new signing key (first in the JWKS), keeping the old one published or not."""
        key = SigningKey.generate()
        self.keys = [key, *self.keys[:1]] if keep_previous else [key]
        self.stop()
        self.start()
        return key

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    # -- tokens --------------------------------------------------------------------
    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def token_response(self, client: str = "writer", **params: str) -> httpx.Response:
        """POST the client-credentials grant to the token endpoint found by discovery."""
        endpoint = httpx.get(self.discovery_url, timeout=10).json()["token_endpoint"]
        chosen = self.clients[client]
        data = {
            "grant_type": "client_credentials",
            "client_id": chosen.client_id,
            "client_secret": chosen.client_secret,
            **params,
        }
        return httpx.post(endpoint, data=data, timeout=10)

    def token(self, client: str = "writer", *, scope: str | None = None, resource: str | None = None) -> str:
        """An access token for `client`, with the write scope when the client may have it."""
        params = {"resource": resource or self.audience}
        chosen = scope if scope is not None else self.clients[client].scope
        if chosen:
            params["scope"] = chosen
        response = self.token_response(client, **params)
        assert response.status_code == 200, f"token endpoint: {response.status_code} {response.text}"
        return response.json()["access_token"]

    def next_writer(self) -> tuple[str, str]:
        """The `sub` and a fresh access token of the next write-scoped client, in turn."""
        name = next(self._writers)
        return self.subject(name), self.token(name)

    def subject(self, client: str) -> str:
        """The `sub` of the client's access tokens (oidc-provider uses the client id)."""
        return self.clients[client].client_id

    def sign(self, claims: dict, *, key: SigningKey | None = None, **header) -> str:
        """A token signed with one of the provider's keys (or another), with any claims."""
        key = key or self.keys[0]
        headers = {"kid": key.kid, "typ": "at+jwt", **header}
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers=headers)

    def claims(self, subject: str = "signed-by-the-suite", **overrides) -> dict:
        """Claims as the provider issues them for the service, valid for five minutes."""
        now = int(time.time())
        base = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "scope": self.write_scope,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        base.update(overrides)
        return {key: value for key, value in base.items() if value is not None}
