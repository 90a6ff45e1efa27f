"""Alembic migrations, run from code (`python -m <package> migrate`, MIGRATE_ON_START) or by
`alembic upgrade head` ([tool.alembic] in pyproject.toml): no alembic.ini needed."""

from __future__ import annotations

from alembic import command, context
from alembic.config import Config

from . import models  # noqa: F401 - the models register their tables on Base.metadata
from .db import Base, ensure_sqlite_dir, is_sqlite, make_engine
from .settings import Settings

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


def run_migrations_online() -> None:
    """The body of migrations/env.py: migrate the configured database in one transaction."""
    if context.is_offline_mode():
        raise SystemExit("Offline (--sql) migrations are not supported; use a database.")
    url = context.config.attributes.get("database_url")
    database_url = url if isinstance(url, str) else Settings().database_url
    ensure_sqlite_dir(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=is_sqlite(database_url),
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        engine.dispose()
