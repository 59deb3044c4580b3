"""Which commands a MongoDB client sent: for tests that count store round trips."""

from __future__ import annotations

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
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass
