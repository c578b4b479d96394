"""FastAPI dependencies shared by every router."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlmodel import Session

from aduan.settings import Settings
from notifications.service import DISPATCHER_KEY


async def get_settings_dep(request: Request) -> Settings:
    # async: FastAPI would hand a plain function to the thread pool, a hop for one attribute
    return request.app.state.settings


@contextmanager
def app_session(app: FastAPI) -> Iterator[Session]:
    """A session whose committed outbox rows go to `app`'s dispatcher."""
    with Session(app.state.engine, expire_on_commit=False) as session:
        session.info[DISPATCHER_KEY] = app.state.dispatcher
        yield session


def get_session(request: Request) -> Iterator[Session]:
    """A session per request."""
    with app_session(request.app) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
