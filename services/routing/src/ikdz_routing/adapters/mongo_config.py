"""Configuration versions in MongoDB: write-once documents keyed by version, unique by sequence."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ikdz_routing.app.config_admin import VersionTakenError

Document = dict[str, Any]


class MongoConfigVersions:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._versions: AsyncCollection[Document] = db["config_versions"]

    async def create_indexes(self) -> None:
        await self._versions.create_index("seq", name="seq", unique=True)

    async def latest(self) -> Document | None:
        return await self._versions.find_one({}, sort=[("seq", -1)])

    async def get(self, version: str) -> Document | None:
        return await self._versions.find_one({"_id": version})

    async def add(self, record: Document) -> None:
        try:
            await self._versions.insert_one(record)
        except DuplicateKeyError:
            raise VersionTakenError(record["_id"]) from None

    async def history(self) -> list[Document]:
        return await self._versions.find({}).sort("seq", 1).to_list()
