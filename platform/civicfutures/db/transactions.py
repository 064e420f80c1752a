"""One transaction per write, the same way on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from civicfutures.db import sql
from civicfutures.db.lifecycle import engine


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for read-then-write work; nested calls join the outer one.

    SQLite takes the write lock at BEGIN IMMEDIATE, so two writers never both read a state
    and then collide on upgrading their locks (which SQLite answers with an instant error).
    On PostgreSQL the writes made with `sql.write_later` go to the server together before
    the commit.
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate):
            yield
    elif db.current_transaction.get() is not None:
        async with db.transaction():
            yield
    else:
        token = sql.hold_back_writes()
        try:
            async with db.transaction():
                yield
                await sql.send_held_back()
        finally:
            sql.stop_holding_back(token)
