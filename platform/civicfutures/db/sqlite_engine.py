"""A SQLite engine for server processes: connections kept open, transactions never interleaved.

Piccolo's `SQLiteEngine` opens a connection (a thread, the file, the pragmas) for every query
and hands every statement to that thread, which caps a worker at a few hundred story writes
per second. SQLite answers an indexed lookup in microseconds, far less than a hand-off to a
thread costs, so this engine keeps connections open per process and event loop and runs a
statement directly on the loop unless it might wait for a lock or run long:

- one *writer* connection for transactions and single writes. Writers queue on an asyncio lock
  (in this process) and on a lock file (across the server's worker processes, so no process
  starves while another keeps SQLite's lock busy); only then does BEGIN IMMEDIATE run, and it
  finds SQLite's own lock free. A writer outside the platform (a shell, a backup) can still
  hold it: the writer then polls without blocking the loop. Every transaction on this engine
  begins IMMEDIATE, so none fails midway on upgrading a read lock. A bulk write (an import's
  multi-row INSERT) runs on the writer's own thread;
- a few *reader* connections for single SELECTs outside transactions. In WAL mode they never
  wait for writers and always see every committed write. A SELECT that runs longer than a few
  milliseconds (an analysis scan) is interrupted and run again on the reader's own thread, so
  it never holds up the other requests of the process.

Every wait (for the writer, for a lock, for a reader) is bounded by the busy timeout; past it
`sqlite3.OperationalError("database is locked")` is raised, which the API answers with 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType
from piccolo.querystring import QueryString

# A statement run on the event loop that takes longer than this moves to a thread.
INLINE_BUDGET_S = 0.004
# A write in a transaction binding more values than this (an import's multi-row INSERT) runs
# on the writer's thread, so the loop keeps serving reads meanwhile.
BULK_PARAMETERS = 500
# How often SQLite calls back while a statement runs (in virtual machine steps).
PROGRESS_STEPS = 2000
# Polling for a lock held outside the platform: short first, then at most this often.
MAX_POLL_S = 0.005


_NUMBERED_PARAMETER = re.compile(r"\$(\d+)")


@lru_cache(maxsize=1024)
def sqlite_parameters(sql: str) -> str:
    """PostgreSQL's `$1` parameters as SQLite's `?1` (same numbering, same arguments)."""
    return _NUMBERED_PARAMETER.sub(r"?\1", sql)


def _rows(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: row[index] for index, column in enumerate(cursor.description)}


def _is_read(sql: str) -> bool:
    """A lone SELECT cannot write, so it may run on a reader connection."""
    return sql.lstrip()[:6].upper() == "SELECT"


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def locked_error() -> sqlite3.OperationalError:
    """The error SQLite itself raises when the busy timeout passes (mapped to 503)."""
    return sqlite3.OperationalError("database is locked")


class _Connection:
    """One sqlite3 connection: statements run on the loop, long ones on its own thread.

    SQLite's busy timeout is 0 on every connection, so a statement on the loop never sleeps
    inside SQLite; waiting for a lock is done by the callers, in asyncio.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self.raw = connect()
        self._deadline = float("inf")
        self.raw.set_progress_handler(self._progress, PROGRESS_STEPS)
        self._thread: ThreadPoolExecutor | None = None
        # A statement still running on the thread (its caller may have gone): the connection
        # is not free again before it ends.
        self.in_thread: asyncio.Future[list[dict[str, Any]]] | None = None

    def _progress(self) -> int:
        # Non-zero interrupts the statement (sqlite3.OperationalError "interrupted").
        return 1 if time.perf_counter() > self._deadline else 0

    def run(self, sql: str, args: Any = ()) -> list[dict[str, Any]]:
        """Run one statement now, on the calling thread."""
        cursor = self.raw.execute(sql, args)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    def run_within(self, budget_s: float, sql: str, args: Any) -> list[dict[str, Any]]:
        """Run one statement now unless it outlasts `budget_s` (then `interrupted`)."""
        self._deadline = time.perf_counter() + budget_s
        try:
            return self.run(sql, args)
        finally:
            self._deadline = float("inf")

    async def run_in_thread(self, sql: str, args: Any) -> list[dict[str, Any]]:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="civicfutures-sqlite")
        self.in_thread = asyncio.get_running_loop().run_in_executor(
            self._thread, self.run, sql, args
        )
        return await self.in_thread

    async def settle(self) -> None:
        """Wait until no statement of this connection runs on its thread (whatever its end)."""
        running = self.in_thread
        while running is not None and not running.done():
            with contextlib.suppress(Exception):
                await asyncio.wait({running})

    async def execute(self, sql: str, args: Any = ()) -> list[dict[str, Any]]:
        """Piccolo's transaction calls this for BEGIN, COMMIT, ROLLBACK and savepoints."""
        await self.settle()
        return self.run(sql, args)

    def end_open_transaction(self) -> None:
        """Roll back whatever a failed COMMIT or a cancelled request left open."""
        if self.raw.in_transaction:
            self.raw.rollback()

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        self.raw.close()


class _Ticket:
    """One wait for the lock file on the gate's thread; given up when the waiter leaves."""

    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.abandoned = False
        self.granted = False


class _WriterGate:
    """An exclusive lock on `<database>-writer.lock`, shared by the platform's processes.

    The kernel wakes a process waiting for the lock as soon as it is released, so writers of
    every worker get their turn; SQLite's own lock is only ever polled, which lets the
    process that holds it keep it for as long as it has writes queued.
    """

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="civicfutures-sqlite-gate")
        self._outstanding = 0

    def _wait(self, ticket: _Ticket) -> bool:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        with ticket.mutex:
            if ticket.abandoned:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                return False
            ticket.granted = True
            return True

    async def acquire(self, timeout_s: float) -> None:
        # A ticket still waiting on the thread holds this file description's place; taking
        # the lock here as well would let it be released underneath us.
        if self._outstanding == 0:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
        ticket = _Ticket()
        self._outstanding += 1
        future = asyncio.get_running_loop().run_in_executor(self._thread, self._wait, ticket)
        future.add_done_callback(self._ticket_done)
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout=timeout_s)
        except BaseException as error:
            with ticket.mutex:
                if ticket.granted and not isinstance(error, asyncio.CancelledError):
                    return  # granted just as the time ran out
                if ticket.granted:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                ticket.abandoned = True
            if isinstance(error, TimeoutError):
                raise locked_error() from None
            raise

    def _ticket_done(self, _future: asyncio.Future) -> None:
        self._outstanding -= 1

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
        os.close(self._fd)


class _Lanes:
    """The connections of one event loop: the gated writer and a queue of readers."""

    def __init__(
        self, connect: Callable[[bool], sqlite3.Connection], readers: int, gate_path: str
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.writer = _Connection(lambda: connect(False))
        self.writer_lock = asyncio.Lock()
        self.gate = _WriterGate(gate_path)
        self.all_readers = [_Connection(lambda: connect(True)) for _ in range(readers)]
        self.idle_readers: asyncio.Queue[_Connection] = asyncio.Queue()
        for reader in self.all_readers:
            self.idle_readers.put_nowait(reader)

    async def take_writer(self, wait_s: float) -> float:
        """Hold the writer of this process and the gate of all; the deadline for the rest."""
        deadline = time.monotonic() + wait_s
        try:
            await asyncio.wait_for(self.writer_lock.acquire(), timeout=wait_s)
        except TimeoutError:
            raise locked_error() from None
        try:
            await self.gate.acquire(max(0.0, deadline - time.monotonic()))
        except BaseException:
            self.writer_lock.release()
            raise
        return deadline

    def release_writer(self) -> None:
        try:
            self.writer.end_open_transaction()
        finally:
            self.gate.release()
            self.writer_lock.release()

    @contextlib.asynccontextmanager
    async def reader(self, wait_s: float) -> AsyncIterator[_Connection]:
        try:
            connection = self.idle_readers.get_nowait()
        except asyncio.QueueEmpty:
            try:
                connection = await asyncio.wait_for(self.idle_readers.get(), timeout=wait_s)
            except TimeoutError:
                raise locked_error() from None
        try:
            yield connection
        finally:
            running = connection.in_thread
            if running is not None and not running.done():
                running.add_done_callback(lambda _: self.idle_readers.put_nowait(connection))
            else:
                self.idle_readers.put_nowait(connection)

    def close(self) -> None:
        for connection in [self.writer, *self.all_readers]:
            with contextlib.suppress(Exception):
                connection.close()
        self.gate.close()


async def _until_unlocked(attempt: Callable[[], list[dict[str, Any]]], deadline: float) -> Any:
    """Retry a statement refused because a writer outside the platform holds the lock."""
    pause = 0.0005
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, MAX_POLL_S)


class SharedConnectionTransaction(SQLiteTransaction):
    """A Piccolo transaction on the process's writer, holding it (and the gate) to the end."""

    engine: SharedConnectionSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        lanes = self.engine.lanes()
        deadline = await lanes.take_writer(self.engine.wait_s)
        self.lanes = lanes
        self.connection = lanes.writer
        kind = "EXCLUSIVE" if self.transaction_type == TransactionType.exclusive else "IMMEDIATE"
        try:
            await _until_unlocked(lambda: lanes.writer.run(f"BEGIN {kind}"), deadline)
        except BaseException:
            lanes.release_writer()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            await self.lanes.writer.settle()  # a cancelled bulk write may still be running
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            self.lanes.release_writer()
        return exception is None


class SharedConnectionSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with connections kept per process (see the module docstring)."""

    def __init__(self, path: str, timeout: float, readers: int = 2, synchronous: str = "NORMAL"):
        super().__init__(path=path, timeout=timeout)
        self.wait_s = timeout
        self.readers = max(1, readers)
        self.synchronous = synchronous
        self._lanes: _Lanes | None = None

    def _open(self, read_only: bool) -> sqlite3.Connection:
        kwargs = {**self.connection_kwargs, "timeout": 0, "check_same_thread": False}
        connection = sqlite3.connect(**kwargs)
        connection.row_factory = _rows
        connection.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, not left in free pages: an erased story
        # must not be readable from the file afterwards.
        connection.execute("PRAGMA secure_delete = ON")
        connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        if read_only:
            connection.execute("PRAGMA query_only = ON")
        return connection

    def lanes(self) -> _Lanes:
        """This event loop's connections (made on first use; a new loop gets new ones)."""
        lanes = self._lanes
        if lanes is None or lanes.loop is not asyncio.get_running_loop():
            if lanes is not None:
                lanes.close()
            lanes = self._lanes = _Lanes(self._open, self.readers, f"{self.path}-writer.lock")
        return lanes

    async def close(self) -> None:
        """Close this process's connections (the application's shutdown)."""
        lanes, self._lanes = self._lanes, None
        if lanes is not None:
            lanes.close()

    async def _read(self, sql: str, args: Any) -> list[dict[str, Any]]:
        deadline = time.monotonic() + self.wait_s
        async with self.lanes().reader(self.wait_s) as reader:
            try:
                return await _until_unlocked(
                    lambda: reader.run_within(INLINE_BUDGET_S, sql, args), deadline
                )
            except sqlite3.OperationalError as error:
                if "interrupted" not in str(error):
                    raise
            return await reader.run_in_thread(sql, args)

    async def _write(self, sql: str, args: Any) -> list[dict[str, Any]]:
        lanes = self.lanes()
        deadline = await lanes.take_writer(self.wait_s)
        try:
            return await _until_unlocked(lambda: lanes.writer.run(sql, args), deadline)
        finally:
            lanes.release_writer()

    async def _run(self, sql: str, args: Any) -> list[dict[str, Any]]:
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=sql)
        transaction = self.current_transaction.get()
        if transaction is not None:
            if len(args) > BULK_PARAMETERS:
                response = await transaction.connection.run_in_thread(sql, args)
            else:
                response = transaction.connection.run(sql, args)
        elif _is_read(sql):
            response = await self._read(sql, args)
        else:
            response = await self._write(sql, args)
        if self.log_responses:
            self.print_response(query_id=self.get_query_id(), response=response)
        return response

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False):
        sql, args = querystring.compile_string(engine_type=self.engine_type)
        return await self._run(sql, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False):
        return await self._run(ddl, [])

    async def run_sql(self, sql: str, args: Any) -> list[dict[str, Any]]:
        """One statement written with `$1` parameters (see `civicfutures.db.sql`)."""
        return await self._run(sqlite_parameters(sql), args)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SharedConnectionTransaction:
        return SharedConnectionTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )
