"""FastAPI dependencies shared by every router."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlmodel import Session

from core.db import open_session
from core.settings import Settings


async def get_settings_dep(request: Request) -> Settings:
    # async: FastAPI would hand a plain function to the thread pool, a hop for one attribute
    return request.app.state.settings


@contextmanager
def app_session(app: FastAPI) -> Iterator[Session]:
    """A session whose committed outbox rows go to `app`'s dispatcher."""
    with open_session(app.state.engine, dispatcher=app.state.dispatcher) as session:
        yield session


def get_session(request: Request) -> Iterator[Session]:
    """A session per request."""
    with app_session(request.app) as session:
        yield session


def client_address(request: Request) -> str:
    """Where the request came from: behind a trusted proxy, the address it forwarded
    (uvicorn's proxy headers); "unknown" when the server was not told."""
    return request.client.host if request.client else "unknown"


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
