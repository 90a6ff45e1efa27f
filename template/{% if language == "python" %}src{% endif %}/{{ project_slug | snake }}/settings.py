"""Configuration from the environment (see docs/contract.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"  # noqa: S105 - the documented dev default
MIN_JWT_SECRET_LENGTH = 32

AppEnv = Literal["development", "test", "production"]
LogLevel = Literal["debug", "info", "warning", "error"]


class Settings(BaseSettings):
    """Every knob of the service; each field is read from the upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # All interfaces by default, as a container needs; tests and laptops may narrow it to loopback.
    host: str = "0.0.0.0"  # noqa: S104
    port: int = Field(default=8000, ge=1, le=65535)
    app_env: AppEnv = "development"
    database_url: str = "sqlite:///./data/app.db"
    jwt_secret: str = DEV_JWT_SECRET
    jwt_ttl_seconds: int = Field(default=900, ge=1)
    log_level: LogLevel = "info"
    migrate_on_start: bool = True

    @field_validator("app_env", "log_level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    def startup_problems(self) -> list[str]:
        """Why this configuration must not serve traffic; empty when it may."""
        problems: list[str] = []
        if self.app_env == "production":
            if self.jwt_secret == DEV_JWT_SECRET:
                problems.append("JWT_SECRET is unset or the development default")
            elif len(self.jwt_secret) < MIN_JWT_SECRET_LENGTH:
                problems.append(
                    f"JWT_SECRET is shorter than {MIN_JWT_SECRET_LENGTH} characters",
                )
        return problems
