"""FastAPI dependencies shared by every router."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from aduan.settings import Settings
from notifications.service import DISPATCHER_KEY


async def get_settings_dep(request: Request) -> Settings:
    # async: FastAPI would hand a plain function to the thread pool, a hop for one attribute
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; outbox rows it commits go to this app's dispatcher."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        session.info[DISPATCHER_KEY] = request.app.state.dispatcher
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
