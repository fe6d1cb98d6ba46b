"""SQLite: the store's prebuilt statements run straight on the driver's connection.

SQLAlchemy's ``Connection.execute`` costs ten times more than the statement itself on SQLite (a
turn's few statements spent more in SQLAlchemy than in SQLite). Here each statement of
:mod:`skill.store.statements` is compiled once by SQLAlchemy, for the parameter names it is run with,
and then run on the ``sqlite3`` connection checked out of the engine's pool: the same SQL, the
parameters put in order and converted by SQLAlchemy's own type processors (so times are stored
exactly as before), the rows converted back by its result processors. Driver errors are raised as
SQLAlchemy raises them (``DBAPIError.instance``: ``OperationalError``, ``IntegrityError``...; a lost
connection is invalidated), so the store's handling of outages and bugs is unchanged.

:class:`DriverConnection` offers the part of ``Connection.execute`` and its results the store uses.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, NoResultFound

from skill.store.gate import WriterGate

_Processor = Callable[[Any], Any] | None
PREPARED_SIZE = 256  # compiled statements kept per engine (the store has about thirty)


def sqlite_file(database: str | None) -> Path | None:
    """The file a SQLite URL's database names; None for an in-memory or ``file:`` URI database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


@dataclass(frozen=True)
class Prepared:
    """One statement compiled for one set of parameter names."""

    sql: str
    statement: Any  # kept, so the id it is cached under is never another statement's
    order: tuple[str, ...]
    bind: dict[str, _Processor]
    row: Any  # a namedtuple class for the rows, or None when the statement returns none
    result: tuple[_Processor, ...]

    constants: dict[str, Any]  # the statement's own values (literals such as substr's 1 and 10)
    keys: tuple[str, ...]  # for each name in ``order``, the key its value is passed under

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The values in the order the SQL names them, each through SQLAlchemy's bind processor."""
        out = []
        constants = self.constants
        for name, key in zip(self.order, self.keys, strict=True):
            value = values[key] if key in values else constants[name]  # KeyError: a value is missing
            process = self.bind[name]
            out.append(value if process is None or value is None else process(value))
        return tuple(out)


def prepare(statement: Any, dialect: Dialect, names: Sequence[str]) -> Prepared:
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    order = tuple(compiled.positiontup or ())
    bind: dict[str, _Processor] = {}
    constants: dict[str, Any] = {}
    keys = []
    for name in order:
        param = compiled.binds[name]
        bind[name] = param.type.dialect_impl(dialect).bind_processor(dialect)
        keys.append(name if name in names else param.key)
        if param.key not in names and name not in names:
            if param.required:
                raise ValueError(f"statement parameter {name!r} needs a value")
            constants[name] = param.effective_value
    columns = list(getattr(statement, "selected_columns", None) or getattr(statement, "exported_columns", None) or [])
    row: Any = None
    result: tuple[_Processor, ...] = ()
    if columns:
        labels = [c.key if getattr(c, "key", None) else c.name for c in columns]
        row = collections.namedtuple("Row", labels, rename=True)  # type: ignore[misc,no-redef]
        result = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return Prepared(compiled.string, statement, order, bind, row, result, constants, tuple(keys))


class DriverResult:
    """The rows of one statement (already fetched), with the accessors the store uses."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise NoResultFound("expected exactly one row")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]


class DriverConnection:
    """``execute(statement, values)`` on a ``sqlite3`` connection, SQLAlchemy's way but cheaper."""

    def __init__(self, runner: DriverRunner, db: sqlite3.Connection, pooled: Any) -> None:
        self._runner = runner
        self._db = db
        self._pooled = pooled

    def execute(self, statement: Any, values: Mapping[str, Any] | None = None) -> DriverResult:
        values = values or {}
        prepared = self._runner.prepared(statement, values)
        parameters = prepared.parameters(values)
        try:
            cursor = self._db.execute(prepared.sql, parameters)
            raw = cursor.fetchall()
        except sqlite3.Error as exc:
            raise self._runner.wrap(exc, prepared.sql, parameters, self._pooled) from exc
        if prepared.row is None:
            return DriverResult(raw)
        processors = prepared.result
        make = prepared.row._make
        return DriverResult(
            [make(v if p is None or v is None else p(v) for p, v in zip(processors, r, strict=True)) for r in raw]
        )


class _Held:
    """A pooled connection one thread keeps between its transactions (saving SQLAlchemy's check-out
    and check-in on each); given back when dropped, e.g. when the thread ends."""

    __slots__ = ("pooled", "pool", "pid")

    def __init__(self, pooled: Any, pool: Any) -> None:
        self.pooled = pooled
        self.pool = pool
        self.pid = os.getpid()

    def usable(self, pool: Any) -> bool:
        """Still this process's, from the engine's current pool, and not invalidated."""
        return self.pool is pool and self.pid == os.getpid() and bool(self.pooled.is_valid)

    def give_back(self, pool: Any) -> None:
        """Back to the pool it came from (which resets it); closed outright when that pool has been
        disposed of; left alone in a forked child (the parent's connection is not the child's)."""
        if self.pid != os.getpid():
            return
        with contextlib.suppress(Exception):  # also runs from __del__, at any time
            if self.pool is pool:
                self.pooled.close()
            else:
                self.pooled.invalidate()

    def __del__(self) -> None:
        self.give_back(self.pool)


class DriverRunner:
    """Transactions on the engine's pooled SQLite connections, run with :class:`DriverConnection`;
    each thread keeps its connection between transactions."""

    def __init__(self, engine: Engine, timeout_s: float = 5.0) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        journal = sqlite_file(engine.url.database)
        self.gate = WriterGate(journal, timeout_s) if journal is not None else None
        self._prepared: dict[tuple[int, tuple[str, ...]], Prepared] = {}
        self.writes_since_checkpoint = 0  # write transactions committed by this process since its last checkpoint
        self._local = threading.local()

    def _checkout(self) -> Any:
        """This thread's connection: the one it kept, or a fresh one from the pool."""
        pool = self.engine.pool
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None:
            if held.usable(pool):
                return held.pooled
            self._local.held = None
            held.give_back(pool)
        try:
            pooled = self.engine.raw_connection()
        except sqlite3.Error as exc:  # cannot open the file: as SQLAlchemy raises it from connect()
            wrapped = DBAPIError.instance(None, None, exc, sqlite3.Error, dialect=self.dialect)
            raise wrapped from exc
        self._local.held = _Held(pooled, pool)
        return pooled

    def release_connection(self) -> None:
        """This thread's connection back to the pool, which resets it (or drops it when invalidated);
        the next transaction checks one out afresh. Done after every failed transaction."""
        held: _Held | None = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            held.give_back(self.engine.pool)

    def prepared(self, statement: Any, values: Mapping[str, Any]) -> Prepared:
        names = tuple(values)
        key = (id(statement), names)  # the store's statements live as long as the process
        found = self._prepared.get(key)
        if found is None:
            found = prepare(statement, self.dialect, names)
            if len(self._prepared) >= PREPARED_SIZE:  # only statements made on the fly could fill it
                self._prepared.clear()
            self._prepared[key] = found
        return found

    def wrap(self, exc: sqlite3.Error, sql: str | None, parameters: Any, pooled: Any) -> DBAPIError:
        """The driver's error as SQLAlchemy raises it, the connection invalidated when it is lost."""
        lost = self.dialect.is_disconnect(exc, pooled, None)  # type: ignore[arg-type]
        if lost:
            pooled.invalidate(exc)
        wrapped = DBAPIError.instance(
            sql, parameters, exc, sqlite3.Error, connection_invalidated=lost, dialect=self.dialect
        )
        assert isinstance(wrapped, DBAPIError)
        return wrapped

    def checkpoint(self) -> None:
        """``PRAGMA wal_checkpoint(PASSIVE)``: copy what it can of the WAL into the file, waiting for no
        one. The connection goes back to the pool afterwards: checkpoints come once in 150 writes, and a
        connection kept by the checkpoint thread would hold the file open for good."""
        pooled = self._checkout()
        try:
            pooled.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:
            raise self.wrap(exc, "PRAGMA wal_checkpoint(PASSIVE)", (), pooled) from exc
        finally:
            self.release_connection()

    @contextmanager
    def transaction(self, write: bool) -> Iterator[DriverConnection]:
        """BEGIN (IMMEDIATE, behind the writer gate, when it writes), the work, COMMIT; ROLLBACK when
        the work fails."""
        pooled = self._checkout()
        try:
            gate = self.gate if write else None
            if gate is not None:
                try:
                    gate.acquire()
                except sqlite3.Error as exc:
                    raise self.wrap(exc, "BEGIN IMMEDIATE", (), pooled) from exc
            try:
                yield from self._run_transaction(pooled, write)
            finally:
                if gate is not None:
                    gate.release()
        except BaseException:
            self.release_connection()
            raise

    def _run_transaction(self, pooled: Any, write: bool) -> Iterator[DriverConnection]:
        db: Any = pooled.driver_connection
        begin = "BEGIN IMMEDIATE" if write else "BEGIN"
        try:
            db.execute(begin)
        except sqlite3.Error as exc:
            raise self.wrap(exc, begin, (), pooled) from exc
        try:
            yield DriverConnection(self, db, pooled)
        except BaseException:
            try:
                if db.in_transaction:  # (asking a closed connection raises too)
                    db.rollback()
            except sqlite3.Error as exc:
                raise self.wrap(exc, "ROLLBACK", (), pooled) from exc
            raise
        try:
            db.commit()
        except sqlite3.Error as exc:
            raise self.wrap(exc, "COMMIT", (), pooled) from exc
        if write:
            self.writes_since_checkpoint += 1
