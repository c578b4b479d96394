"""FastAPI dependencies shared by every router."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Request, status
from sqlmodel import Session

from core.db import open_session
from core.replica import ReadRouting
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
    """A session per request, on the primary: writes, and reads that must see them."""
    with app_session(request.app) as session:
        yield session


def get_read_session(request: Request) -> Iterator[Session]:
    """A session per request for reads that may be a moment behind the last writes: on the
    read replica while it keeps up (core.replica), else on the primary. One that finds the
    replica down as it starts reads from the primary instead."""
    reads: ReadRouting = request.app.state.reads
    engine = reads.engine()
    session = open_session(engine, dispatcher=request.app.state.dispatcher)
    if engine is not reads.primary:
        try:
            session.connection()  # the pool's ping: a replica gone since the last check
        except sa.exc.OperationalError as exc:
            session.close()
            reads.replica_failed(exc)
            session = open_session(reads.primary, dispatcher=request.app.state.dispatcher)
    with session:
        yield session


def _public_turns(app: FastAPI) -> asyncio.Semaphore:
    # a semaphore belongs to the event loop that first waits on it; a test client may run
    # the same app in another loop later
    loop = asyncio.get_running_loop()
    held = getattr(app.state, "public_turns", None)
    if held is None or held[0] is not loop:
        held = (loop, asyncio.Semaphore(app.state.settings.public_read_concurrency))
        app.state.public_turns = held
    return held[1]


async def public_turn(request: Request) -> AsyncIterator[None]:
    """One of the PUBLIC_READ_CONCURRENCY turns this process gives anonymous public reads,
    waited for at most PUBLIC_READ_WAIT_S (503 with Retry-After after that): public readers
    in any number leave the threads, connections and CPU that staff need."""
    turns = _public_turns(request.app)
    try:
        await asyncio.wait_for(turns.acquire(), request.app.state.settings.public_read_wait_s)
    except TimeoutError:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="too many public readers at once; try again in a moment",
            headers={"Retry-After": "1"},
        ) from None
    try:
        yield
    finally:
        turns.release()


def get_public_read_session(
    request: Request, _turn: Annotated[None, Depends(public_turn)]
) -> Iterator[Session]:
    """A read session (see get_read_session) for an anonymous public read, in its turn."""
    yield from get_read_session(request)


def client_address(request: Request) -> str:
    """Where the request came from: behind a trusted proxy, the address it forwarded
    (uvicorn's proxy headers); "unknown" when the server was not told."""
    return request.client.host if request.client else "unknown"


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
PublicReadSessionDep = Annotated[Session, Depends(get_public_read_session)]
# for a public route whose reads must stay on the primary (a page the resident sees right
# after filing): its turn only
PublicTurn = Depends(public_turn)
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
