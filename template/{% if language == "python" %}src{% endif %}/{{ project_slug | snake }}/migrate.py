"""Apply the Alembic migrations from code: no alembic.ini needed."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from .db import ensure_sqlite_dir

SCRIPT_LOCATION = f"{__package__}:migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    ensure_sqlite_dir(database_url)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
