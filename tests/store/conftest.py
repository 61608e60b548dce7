"""The `stores` fixture: every SQL store over SQLite (always) and PostgreSQL (when configured).

Each test gets a fresh copy of a database migrated once per run: a file copy on SQLite,
CREATE DATABASE ... TEMPLATE on PostgreSQL (dropped afterwards). `open_stores` then finds
the schema at head, so tests never see each other's rows and never wait for migrations.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from roost.store.sql.migrate import upgrade
from roost.store.sql.stores import SqlStores, open_stores
from tests.conftest import POSTGRES_URL, database_params
from tests.store.builders import World


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin_conninfo(url: str) -> str:
    """A libpq URL for the server's maintenance connection (psycopg takes no driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _execute(url: str, statement: sql.Composed) -> None:
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a database migrated to head, to copy for each test."""
    name = f"roost_tpl_{secrets.token_hex(4)}"
    _execute(POSTGRES_URL, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        upgrade(_with_database(POSTGRES_URL, name))
        yield name
    finally:
        _execute(POSTGRES_URL, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated to head, to copy for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of the parametrised kind, migrated already."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "t.db")
        yield f"sqlite:///{tmp_path}/t.db"
        return
    template: str = request.getfixturevalue("postgres_template")
    name = f"roost_{secrets.token_hex(6)}"
    create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
    _execute(POSTGRES_URL, create)
    try:
        yield _with_database(POSTGRES_URL, name)
    finally:
        _execute(POSTGRES_URL, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[SqlStores]:
    """Every store over one database, with its writer running."""
    opened = await asyncio.to_thread(open_stores, database_url)  # migrates (blocking)
    opened.start()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def world(stores: SqlStores) -> World:
    return World(stores)
