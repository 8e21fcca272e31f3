"""One SQL database (SQLite or PostgreSQL): its engine, and the transaction the current turn runs in.

Statements made through `transaction()` inside a turn's transaction join it, so the
turn's writes commit together. Database failures become StoreError naming the URL
(never its password).
"""

from __future__ import annotations

import contextvars
import re
import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from dialogue.dm.errors import Busy, StoreError
from dialogue.dm.sql.writelock import WriteLock

URL_HINT = "use sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/database"
BUSY_TIMEOUT_S = 30
"""How long a SQLite turn waits for another process's write to finish."""
CONNECT_TIMEOUT_S = 10
_STEP = "dialogue_step"
"""The savepoint of `all_or_nothing`."""
_SETUP_LOCK = zlib.crc32(b"dialogue schema setup")
"""PostgreSQL advisory lock taken while tables are created, so two servers starting at once do not race."""


class Database:
    """A database by URL: `sqlite:///file.db` (WAL mode), `sqlite://` (in memory) or `postgresql+psycopg://...`."""

    def __init__(self, url: str, *, existing: bool = False):
        """`existing`: a SQLite file must be there already (for commands that read or tidy a database: a
        mistyped path is an error, not a new empty database)."""
        self.url = parse_url(url)
        self.shown = self.url.render_as_string(hide_password=True)
        self.dialect = self.url.get_backend_name()
        self._current: contextvars.ContextVar[_Shared | None] = contextvars.ContextVar("turn", default=None)
        self.quick = False
        """Whether a transaction never waits on a network or a disk flush (SQLite without an fsync per commit): only
        on the write lock, which `transaction(wait=False)` does not wait for."""
        self._writer: WriteLock | None = None
        """On SQLite, writing transactions of every thread and process queue here (see writelock.py)."""
        if self.dialect == "postgresql":
            connect_args = {} if "connect_timeout" in self.url.query else {"connect_timeout": CONNECT_TIMEOUT_S}
            try:
                self.engine = sa.create_engine(self.url, connect_args=connect_args)
            except ModuleNotFoundError:
                raise StoreError(f"{self.shown} needs the psycopg driver: pip install 'dialogue-engine[postgres]'") \
                    from None
        elif _in_memory(self.url):
            self.engine = sa.create_engine(self.url, poolclass=StaticPool, connect_args={"check_same_thread": False})
            _own_transactions(self.engine, synchronous=None)
            self._writer = WriteLock(None)
            self.quick = True
        else:
            folder = Path(self.url.database).expanduser().parent
            if not folder.is_dir():
                raise StoreError(f"cannot open {self.shown}: the folder '{folder}' does not exist")
            if existing:
                _check_sqlite_file(Path(self.url.database).expanduser(), self.shown)
            synchronous = self.url.query.get("synchronous", "normal")
            if synchronous not in ("normal", "full"):
                raise StoreError(f"{self.shown}: synchronous is normal (the default: a commit survives the process "
                                 "crashing) or full (it also survives a power cut, at an fsync per turn)")
            self.engine = sa.create_engine(self.url.difference_update_query(["synchronous"]),
                                           connect_args={"timeout": BUSY_TIMEOUT_S})
            _own_transactions(self.engine, synchronous=synchronous)
            self._writer = WriteLock(Path(self.url.database).expanduser())
            self.quick = synchronous == "normal"

    @contextmanager
    def transaction(self, *, write: bool = True, lazy: bool = False, wait: bool = True) -> Iterator[sa.Connection]:
        """The current turn's transaction, or a new one committed when the block ends.

        On SQLite a writing transaction takes the write lock at its start (writelock.py, then
        BEGIN IMMEDIATE), so turns of several threads and processes queue instead of failing;
        reads do not wait. A `lazy`
        transaction yields None, and connects only when a statement first joins it. Without
        `wait`, a write raises Busy instead of waiting for another one to end.
        """
        current = self._current.get()
        if current is not None:
            yield current.writing() if write else current.connection()
            return
        with self.errors(), ExitStack() as stack:
            if write and self._writer is not None:
                if not self._writer.acquire(timeout=BUSY_TIMEOUT_S if wait else 0):
                    if not wait:
                        raise Busy(self.shown)
                    raise StoreError(f"database {self.shown}: another write held it for {BUSY_TIMEOUT_S} s")
                stack.callback(self._writer.release)
            shared = _Shared(self.engine, stack, write)
            token = self._current.set(shared)
            try:
                yield None if lazy else shared.connection()
            finally:
                self._current.reset(token)

    def all_or_nothing(self) -> _Step:
        """A block whose writes, inside a turn's transaction, are undone if it raises (a savepoint, taken at the
        block's first write, so a block that writes nothing costs nothing). Outside one, each write commits on
        its own."""
        return _Step(self._current.get())

    @contextmanager
    def setup(self) -> Iterator[sa.Connection]:
        """A transaction for creating tables, one process at a time."""
        with self.transaction() as connection:
            if self.dialect == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SETUP_LOCK})
            yield connection

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn database failures into StoreError naming the database."""
        try:
            yield
        except sa.exc.DBAPIError as err:
            raise StoreError(f"database {self.shown}: {reason(err)}") from None
        except self.engine.dialect.loaded_dbapi.Error as err:  # from a statement run on the driver (statements.py)
            raise StoreError(f"database {self.shown}: {reason(err)}") from None
        except (sa.exc.TimeoutError, sa.exc.NoSuchModuleError) as err:
            raise StoreError(f"database {self.shown}: {err}") from None

    def dispose(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()
        if self._writer is not None:
            self._writer.close()


class _Shared:
    """A transaction that statements of one turn share, begun at the first that needs it."""

    def __init__(self, engine: sa.Engine, stack: ExitStack, write: bool):
        self.engine, self.stack, self.write = engine, stack, write
        self._connection: sa.Connection | None = None
        self.batching = False
        """In an `all_or_nothing` block: its first write takes the savepoint."""
        self.savepoint = False

    def connection(self) -> sa.Connection:
        if self._connection is None:
            connection = self.stack.enter_context(self.engine.connect())
            if not self.write:
                connection.execution_options(dialogue_read=True)
            self.stack.enter_context(connection.begin())
            self._connection = connection
        return self._connection

    def writing(self) -> sa.Connection:
        """The connection, for a write."""
        connection = self.connection()
        if self.batching and not self.savepoint:
            self.run(f"SAVEPOINT {_STEP}")
            self.savepoint = True
        return connection

    def run(self, sql: str) -> None:
        """A statement of the transaction's own on the driver (as statements.py runs a turn's statements)."""
        self.connection().connection.driver_connection.execute(sql)


class _Step:
    """See `Database.all_or_nothing`. A class, not a generator: a turn runs several."""

    __slots__ = ("shared",)

    def __init__(self, shared: _Shared | None):
        self.shared = shared

    def __enter__(self) -> None:
        if self.shared is not None:
            self.shared.batching = True

    def __exit__(self, failed: type[BaseException] | None, *_: object) -> None:
        shared = self.shared
        if shared is None:
            return
        shared.batching = False
        if shared.savepoint:
            shared.savepoint = False
            if failed is not None:
                shared.run(f"ROLLBACK TO SAVEPOINT {_STEP}")
            shared.run(f"RELEASE SAVEPOINT {_STEP}")


def _check_sqlite_file(path: Path, shown: str) -> None:
    """StoreError unless `path` is a SQLite database file (an empty file is one)."""
    if not path.is_file():
        raise StoreError(f"cannot open {shown}: there is no database file there")
    with path.open("rb") as file:
        header = file.read(16)
    if header and header != b"SQLite format 3\x00":
        raise StoreError(f"cannot open {shown}: the file is not a SQLite database")


def in_memory(url: str) -> bool:
    """Whether the URL is a database in memory, which only the process holding it sees."""
    return _in_memory(parse_url(url))


def _in_memory(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def parse_url(url: str) -> sa.URL:
    """A checked SQLAlchemy URL; `postgresql://` and `postgres://` mean the psycopg driver."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(f"'{redact(url)}' is not a database URL; {URL_HINT}") from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed
    raise StoreError(f"unsupported database '{parsed.drivername}' in {parsed.render_as_string(hide_password=True)}; "
                     f"{URL_HINT}")


def redact(url: str) -> str:
    """A string that failed to parse as a URL, with anything that may be a password (`:...@`) hidden."""
    return re.sub(r":[^@\s]*@", ":***@", url)


def reason(err: Exception) -> str:
    """The first line of the driver's message (drivers never put the password in it), from the driver's
    exception or SQLAlchemy's wrapping of it."""
    original = err.orig if isinstance(err, sa.exc.DBAPIError) else err
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def _write_ahead_log(cursor: Any) -> None:
    """Put the file in WAL mode. Two processes opening a new file at once (the children of `serve --processes`)
    both switch it, and the switch gets "database is locked" at once, without waiting as statements do: so it is
    tried again, for up to BUSY_TIMEOUT_S."""
    until = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() >= until:
                raise
            time.sleep(0.005)


def _own_transactions(engine: sa.Engine, *, synchronous: str | None) -> None:
    """Let SQLAlchemy emit BEGIN (IMMEDIATE for writes) instead of the sqlite3 module's legacy handling;
    a file database runs in WAL mode with the given `synchronous` setting."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if synchronous:
            _write_ahead_log(cursor)
            cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")  # one of two fixed words
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        read = connection.get_execution_options().get("dialogue_read")
        connection.connection.driver_connection.execute("BEGIN" if read else "BEGIN IMMEDIATE")  # as statements.py
