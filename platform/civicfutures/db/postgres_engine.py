"""A PostgreSQL engine that fails fast while the database is away and heals when it returns.

Piccolo's `PostgresEngine` waits without limit for a pooled connection, and a transaction whose
rollback fails (the server went away mid-request) never hands its connection back: after as
many failures as the pool is large, every request would hang. Here acquiring a connection is
bounded, a transaction always gives its connection back (asyncpg discards a broken one and
opens a fresh one on next use), and the pool is opened with connect and command timeouts.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import asyncpg
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

log = logging.getLogger("civicfutures.db")


async def keep_session(connection: asyncpg.Connection) -> None:
    """Hand a connection back to the pool as it is (asyncpg still rolls back an open transaction).

    asyncpg's default resets every connection it gets back with a query (unlock advisory
    locks, close cursors, unlisten, reset settings): a round trip per query outside a
    transaction. The platform keeps no such session state: its advisory locks are
    transaction-scoped and it sets no session settings.
    """


class ReleasingTransaction(PostgresTransaction):
    """A Piccolo transaction that returns its connection to the pool whatever happens."""

    engine: FailFastPostgresEngine

    async def get_connection(self):
        if self.engine.pool:
            return await self.engine.pool.acquire(timeout=self.engine.acquire_timeout_s)
        return await self.engine.get_new_connection()

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:
            await self._give_back()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    # The original error explains the failure; a dead connection cannot roll
                    # back, and the server discards the transaction anyway.
                    try:
                        await self.rollback()
                    except Exception as rollback_error:
                        log.warning("rollback failed after %r: %r", exception, rollback_error)
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._give_back()
        return exception is None

    async def _give_back(self) -> None:
        if self.engine.pool:
            # asyncpg terminates a connection it cannot reset, so the pool heals by itself.
            with contextlib.suppress(Exception):
                await self.engine.pool.release(self.connection, timeout=5)
        else:
            self.connection.terminate()


class FailFastPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with bounded waits (see the module docstring)."""

    def __init__(
        self,
        config: dict[str, Any],
        pool_size: int,
        connect_timeout_s: float,
        command_timeout_s: float,
    ) -> None:
        self.pool_size = pool_size
        self.acquire_timeout_s = connect_timeout_s
        # Also used by connections opened outside the pool (migrations, batches).
        super().__init__(
            config={**config, "timeout": connect_timeout_s, "command_timeout": command_timeout_s}
        )

    async def start_connection_pool(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_size", self.pool_size)
        kwargs.setdefault("min_size", min(kwargs["max_size"], 2))
        kwargs.setdefault("reset", keep_session)
        await super().start_connection_pool(**kwargs)

    async def _run_in_pool(self, query: str, args: Any = None):
        if not self.pool:
            raise ValueError("A pool isn't currently running.")
        async with self.pool.acquire(timeout=self.acquire_timeout_s) as connection:
            return await connection.fetch(query, *(args or []))

    async def run_sql(self, sql: str, args: Any) -> list[asyncpg.Record]:
        """One statement (see `civicfutures.db.sql`): in the current transaction, or pooled.

        asyncpg prepares each statement text once per connection and reuses it.
        """
        transaction = self.current_transaction.get()
        if transaction is not None:
            return await transaction.connection.fetch(sql, *args)
        return await self._run_in_pool(sql, args)

    def transaction(self, allow_nested: bool = True) -> ReleasingTransaction:
        return ReleasingTransaction(engine=self, allow_nested=allow_nested)
