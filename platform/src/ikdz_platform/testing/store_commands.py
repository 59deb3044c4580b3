"""Which commands a MongoDB client sent and how many documents came back: for tests that count store
round trips and reads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from pymongo import monitoring


@dataclass(frozen=True)
class StoreCommand:
    name: str
    collection: str
    documents: int
    """How many documents an insert carried (0 for other commands)."""


class StoreCommands(monitoring.CommandListener):
    """Pass it in ``event_listeners`` of a client; ``of`` lists the commands of one kind it sent."""

    def __init__(self) -> None:
        self.sent: list[StoreCommand] = []
        self.returned: Counter[str] = Counter()
        """Documents the store returned per collection (the batches of ``find``, ``aggregate`` and
        ``getMore``)."""

    def of(self, name: str, collection: str | None = None) -> list[StoreCommand]:
        return [c for c in self.sent if c.name == name and collection in {None, c.collection}]

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        target = command.get(event.command_name)
        self.sent.append(
            StoreCommand(
                event.command_name, target if isinstance(target, str) else "", len(command.get("documents", []))
            )
        )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        cursor = event.reply.get("cursor")
        if isinstance(cursor, Mapping):
            batch = cursor.get("firstBatch", cursor.get("nextBatch", []))
            self.returned[str(cursor.get("ns", "")).partition(".")[2]] += len(batch)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass
