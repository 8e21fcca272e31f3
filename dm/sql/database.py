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

from dialogue.dm.errors import Busy, StoreError, WriteNeeded
from dialogue.dm.sql.writelock import WriteLock

URL_HINT = "use sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/database"
BUSY_TIMEOUT_S = 30
"""How long a SQLite turn waits for another process's write to finish."""
QUICK_WAIT_S = 0.002
"""How long a transaction that may not wait (`wait=False`, a turn on the server's event loop) waits for the write lock
all the same: turns hold it only to save, for a fraction of a millisecond, and a turn refused at its save runs again
on a worker thread (twice the work; with two server processes on one file, 0.83x the turns/s of one process without
this wait, 1.2x with it: BENCHMARKS.md)."""
CONNECT_TIMEOUT_S = 10
_STEP = "dialogue_step"
"""The savepoints of `all_or_nothing` blocks, numbered by depth (a block may hold another: a slot's check)."""
_SETUP_LOCK = zlib.crc32(b"dialogue schema setup")
"""PostgreSQL advisory lock taken while tables are created, so two servers starting at once do not race."""
_SQLITE_BUSY_SNAPSHOT = 517
"""SQLite's extended result code for a write on a read snapshot that another write has replaced."""


class Database:
    """A database by URL: `sqlite:///file.db` (WAL mode), `sqlite://` (in memory) or `postgresql+psycopg://...`."""

    def __init__(self, url: str, *, existing: bool = False):
        """`existing`: a SQLite file must be there already (for commands that read or tidy a database: a
        mistyped path is an error, not a new empty database)."""
        self.url = parse_url(url)
        self.shown = self.url.render_as_string(hide_password=True)
        self.dialect = self.url.get_backend_name()
        self._current: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar("turn", default=None)
        self.quick = False
        """Whether a transaction never waits on a network or a disk flush (SQLite without an fsync per commit): only
        on the write lock, which `transaction(wait=False)` waits for only briefly (QUICK_WAIT_S)."""
        self.writer: WriteLock | None = None
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
            self.writer = WriteLock(None)
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
            self.writer = WriteLock(Path(self.url.database).expanduser())
            self.quick = synchronous == "normal"

    @property
    def reads_first(self) -> bool:
        """Whether a turn reads before it takes the write lock (`turn`): on a SQLite file, where the lock is the
        whole database's and other processes may share it."""
        return self.writer is not None and not _in_memory(self.url)

    @contextmanager
    def transaction(self, *, write: bool = True, lazy: bool = False, wait: bool = True,
                    apart: bool = False) -> Iterator[sa.Connection]:
        """The current turn's transaction, or a new one committed when the block ends.

        On SQLite a writing transaction takes the write lock at its start (writelock.py, then
        BEGIN IMMEDIATE), so turns of several threads and processes queue instead of failing;
        reads do not wait. A `lazy` transaction yields None, and connects only when a statement
        first joins it. Without `wait`, a write raises Busy instead of waiting for another one to
        end (for longer than QUICK_WAIT_S). A write inside a turn that has not begun writing
        (`Database.turn`) takes the write lock and writes on the turn's snapshot if no other write
        came since it was read (else WriteNeeded), or, `apart`, runs in a transaction of its own
        (for writes none of the turn's decisions rest on: the LLM's response cache).
        """
        current = self._current.get()
        if current is not None and not (write and apart and current.reading):
            if write and current.reading:
                current.write_here()
            yield current.writing() if write else current.connection()
            return
        with self._begin(write=write, wait=wait) as transaction:
            yield None if lazy else transaction.connection()

    @contextmanager
    def turn(self, *, wait: bool = True, exclusive: bool = False) -> Iterator[Transaction]:
        """A turn's transaction. Where `reads_first`, unless `exclusive`, it reads, and takes the write lock only
        at `Transaction.write_now` (its save), so that turns of other threads and processes wait on each other
        only while they save. Its reads see one snapshot; a table write before the save takes the lock there and
        writes on that snapshot if nothing was written since it was read, else raises WriteNeeded (run the turn
        again, `exclusive`). Elsewhere, an ordinary writing transaction."""
        with self._begin(write=True, wait=wait, reading=self.reads_first and not exclusive) as transaction:
            transaction.connection()
            yield transaction

    @contextmanager
    def _begin(self, *, write: bool, wait: bool, reading: bool = False) -> Iterator[Transaction]:
        with self.errors(), ExitStack() as stack:
            transaction = Transaction(self, stack, write=write, wait=wait, reading=reading)
            stack.callback(transaction.let_go)  # after the commit, which leaving the connection's block does
            if transaction.write:
                transaction.lock()
            token = self._current.set(transaction)
            try:
                yield transaction
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
            if _stale_snapshot(err.orig):
                raise WriteNeeded(self.shown) from None
            raise StoreError(f"database {self.shown}: {reason(err)}") from None
        except self.engine.dialect.loaded_dbapi.Error as err:  # from a statement run on the driver (statements.py)
            raise StoreError(f"database {self.shown}: {reason(err)}") from None
        except (sa.exc.TimeoutError, sa.exc.NoSuchModuleError) as err:
            raise StoreError(f"database {self.shown}: {err}") from None

    def dispose(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()
        if self.writer is not None:
            self.writer.close()


class Transaction:
    """A transaction that statements of one turn share, begun at the first that needs it."""

    def __init__(self, database: Database, stack: ExitStack, *, write: bool, wait: bool, reading: bool = False):
        self.database, self.stack, self.wait = database, stack, wait
        self.reading = reading
        """A turn's transaction that reads until it writes (see `Database.turn`)."""
        self.write = write and not reading
        self.held = False
        """Whether it holds the database's write lock (SQLite), until its end."""
        self._connection: sa.Connection | None = None
        self.steps = 0
        """`all_or_nothing` blocks open, one inside another: the first write in one takes its savepoint."""
        self.savepoints = 0
        """How many of them have taken theirs (the outer ones first)."""

    def connection(self) -> sa.Connection:
        if self._connection is None:
            connection = self.stack.enter_context(self.database.engine.connect())
            if not self.write:
                connection.execution_options(dialogue_read=True)
            self.stack.enter_context(connection.begin())
            self._connection = connection
        return self._connection

    def writing(self) -> sa.Connection:
        """The connection, for a write."""
        connection = self.connection()
        while self.savepoints < self.steps:
            self.savepoints += 1
            self.run(f"SAVEPOINT {_STEP}{self.savepoints}")
        return connection

    def run(self, sql: str) -> None:
        """A statement of the transaction's own on the driver (as statements.py runs a turn's statements)."""
        self.connection().connection.driver_connection.execute(sql)

    def write_now(self) -> None:
        """In a turn that still reads: end its reads and begin its writes, holding the write lock (Busy if the
        turn was begun without `wait` and another holds it, `lock`). Nothing otherwise."""
        if not self.reading:
            return
        with self.database.errors():
            self.run("COMMIT")
            self.write_here()
            self.run("BEGIN IMMEDIATE")

    def write_here(self) -> None:
        """In a turn that still reads: take the write lock and go on in the same transaction, whose next write
        begins writing on the snapshot it read (SQLite refuses that, SQLITE_BUSY_SNAPSHOT, if another write came
        since: `Database.errors` makes it WriteNeeded)."""
        self.lock()
        self.reading, self.write = False, True

    def lock(self) -> None:
        """Take the database's write lock (SQLite; writelock.py): Busy without `wait` if another holds it for
        longer than QUICK_WAIT_S, else StoreError after BUSY_TIMEOUT_S."""
        writer = self.database.writer
        if writer is None:
            return
        if not writer.acquire(timeout=BUSY_TIMEOUT_S if self.wait else QUICK_WAIT_S):
            if not self.wait:
                raise Busy(self.database.shown)
            raise StoreError(f"database {self.database.shown}: another write held it for {BUSY_TIMEOUT_S} s")
        self.held = True

    def let_go(self) -> None:
        if self.held:
            self.held = False
            self.database.writer.release()


class _Step:
    """See `Database.all_or_nothing`. A class, not a generator: a turn runs several."""

    __slots__ = ("transaction",)

    def __init__(self, transaction: Transaction | None):
        self.transaction = transaction

    def __enter__(self) -> None:
        if self.transaction is not None:
            self.transaction.steps += 1

    def __exit__(self, failed: type[BaseException] | None, *_: object) -> None:
        transaction = self.transaction
        if transaction is None:
            return
        depth = transaction.steps
        transaction.steps -= 1
        if transaction.savepoints == depth:
            transaction.savepoints -= 1
            if failed is not None:
                transaction.run(f"ROLLBACK TO SAVEPOINT {_STEP}{depth}")
            transaction.run(f"RELEASE SAVEPOINT {_STEP}{depth}")


def _check_sqlite_file(path: Path, shown: str) -> None:
    """StoreError unless `path` is a SQLite database file (an empty file is one)."""
    if not path.is_file():
        raise StoreError(f"cannot open {shown}: there is no database file there")
    with path.open("rb") as file:
        header = file.read(16)
    if header and header != b"SQLite format 3\x00":
        raise StoreError(f"cannot open {shown}: the file is not a SQLite database")


def _stale_snapshot(err: BaseException | None) -> bool:
    """Whether SQLite refused a write because the transaction read a snapshot that another write has replaced."""
    return getattr(err, "sqlite_errorcode", None) == _SQLITE_BUSY_SNAPSHOT


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
