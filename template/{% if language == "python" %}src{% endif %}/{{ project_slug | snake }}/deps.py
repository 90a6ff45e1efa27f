"""Request-scoped dependencies: settings, database sessions, the current user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from .models import User
from .problems import unauthorized
from .security import InvalidTokenError, decode_access_token
from .settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/token")


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_db(request: Request) -> Iterator[Session]:
    factory = cast(sessionmaker[Session], request.app.state.sessionmaker)
    with factory() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Session, Depends(get_db)]


def get_current_user(
    settings: SettingsDep,
    db: DbDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise unauthorized("A bearer access token is required.")
    try:
        user_id = decode_access_token(credentials.credentials, settings.jwt_secret)
    except InvalidTokenError as exc:
        raise unauthorized(str(exc)) from exc
    user = db.get(User, user_id)
    if user is None:
        raise unauthorized("The access token's user does not exist.")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
