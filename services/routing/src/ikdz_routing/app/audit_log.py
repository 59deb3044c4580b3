"""Use case: export a case's audit log (routing decision, the deadline checker's steps on the case, and
every task change) and verify its chains."""

from __future__ import annotations

from typing import Any

from ikdz_routing.app.ports import CaseDeadlineStore
from ikdz_routing.app.task_ports import TaskNotFoundError, TaskRepository
from ikdz_routing.domain.audit import GENESIS, broken_links, head_record, record_hash
from ikdz_routing.domain.tasks import Actor, Role


class CaseAudit:
    def __init__(self, repository: TaskRepository, cases: CaseDeadlineStore) -> None:
        self._repository = repository
        self._cases = cases

    async def __call__(self, case_id: str, actor: Actor) -> dict[str, Any]:
        """Visible to members of the pool the case was routed to and to admins of the owner town
        (any of the admin's towns, not only the acting one)."""
        route = await self._repository.route_of(case_id)
        if route is None or not _may_read(route, actor):
            raise TaskNotFoundError(case_id)
        head = head_record(route["audit"])
        problems = (
            []
            if record_hash(GENESIS, head) == route.get("audit_hash")
            else ["routing decision: content does not match its hash"]
        )
        records = await self._repository.of_case(case_id)
        by_task: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_task.setdefault(record["task_id"], []).append(record)
        for task_id, chain in by_task.items():
            problems += [f"task {task_id}, {p}" for p in broken_links(str(route.get("audit_hash")), chain)]
        case_steps = await self._cases.steps(case_id)
        problems += [f"case deadline, {p}" for p in broken_links(str(route.get("audit_hash")), case_steps)]
        entries = [{**head, "hash": route.get("audit_hash"), "prev_hash": GENESIS}] + [
            {k: v for k, v in record.items() if k not in {"_id", "definition"}} for record in [*case_steps, *records]
        ]
        return {
            "case_id": case_id,
            "owner_ags": route["owner_ags"],
            "processing_ags": route.get("processing_ags"),
            "agreement_ref": route.get("agreement_ref"),
            "entries": entries,
            "chain_intact": not problems,
            "problems": problems,
        }


def _may_read(route: dict[str, Any], actor: Actor) -> bool:
    return route.get("pool_id") in actor.pools or (Role.ADMIN in actor.roles and route["owner_ags"] in actor.towns)
