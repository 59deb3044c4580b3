"""Work done once per store at start-up (marking what a store from before a change lacks), recorded
in write-once flags in ``routing_migrations``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from ikdz_platform.inbox import insert_once
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]


def migration_flags(db: AsyncDatabase[Document]) -> AsyncCollection[Document]:
    return db["routing_migrations"]


async def run_once(flags: AsyncCollection[Document], name: str, work: Callable[[], Awaitable[None]]) -> bool:
    """Run ``work`` unless the write-once flag ``name`` says it ran on this store, then set the flag;
    True if this call set it. ``work`` must be idempotent: replicas starting at once may both run it,
    and a stop before the flag runs it again at the next start. Deleting the flag makes the next
    start run it again (the repair after replicas of an older version ran beside newer ones)."""
    if await flags.find_one({"_id": name}) is not None:
        return False
    await work()
    return await insert_once(flags, name, {"at": datetime.now(UTC)})
