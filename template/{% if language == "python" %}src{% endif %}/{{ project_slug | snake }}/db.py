"""The database engine, sessions and the declarative base."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# The contract's URL schemes and the SQLAlchemy dialect+driver each one uses.
_DRIVERS = {
    "postgresql://": "postgresql+psycopg://",
    "postgres://": "postgresql+psycopg://",
    "mysql://": "mysql+pymysql://",
}


def sqlalchemy_url(database_url: str) -> str:
    """The contract's `postgresql://`, `mysql://` or `sqlite:///` URL as a SQLAlchemy URL."""
    for prefix, driver in _DRIVERS.items():
        if database_url.startswith(prefix):
            return driver + database_url[len(prefix) :]
    return database_url


def is_sqlite(database_url: str) -> bool:
    return make_url(sqlalchemy_url(database_url)).get_backend_name() == "sqlite"


def ensure_sqlite_dir(database_url: str) -> None:
    """Create the parent directory of a SQLite file, so a fresh checkout starts."""
    url = make_url(sqlalchemy_url(database_url))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(str(url.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(database_url: str) -> Engine:
    url = sqlalchemy_url(database_url)
    if is_sqlite(database_url):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


# MySQL's DATETIME keeps whole seconds unless asked for microseconds; "oldest first" needs them.
TIMESTAMP = DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")

# Backends whose column keeps no UTC offset: values go in as naive UTC.
_NAIVE_BACKENDS = ("sqlite", "mysql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite and MySQL keep no offset)."""

    impl = TIMESTAMP
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name in _NAIVE_BACKENDS else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base class of every ORM model."""
