"""Registration and access tokens."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..deps import DbDep, SettingsDep
from ..models import User
from ..problems import ProblemError, unauthorized
from ..schemas import Credentials, Login, Token, UserOut
from ..security import create_access_token, hash_password, verify_password

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "The email is taken"}, 422: {}},
)
def register(body: Credentials, db: DbDep) -> UserOut:
    if db.scalar(select(User.id).where(User.email == body.email)) is not None:
        raise ProblemError(409, "A user with this email already exists.")
    user = User(email=body.email, password_hash=hash_password(body.password))
    db.add(user)
    try:
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        raise ProblemError(409, "A user with this email already exists.") from exc
    return UserOut.model_validate(user)


@router.post("/token", responses={401: {"description": "Wrong email or password"}, 422: {}})
def token(body: Login, db: DbDep, settings: SettingsDep) -> Token:
    user = db.scalar(select(User).where(User.email == body.email.strip()))
    if not verify_password(user.password_hash if user else None, body.password) or user is None:
        raise unauthorized("Wrong email or password.")
    return Token(
        access_token=create_access_token(user.id, settings.jwt_secret, settings.jwt_ttl_seconds),
        expires_in=settings.jwt_ttl_seconds,
    )
