"""Who in a pool may take a task and who gets it on arrival: members' roles, skills and hours (pure).

A pool that lists its members admits only them, with a working role (clerk or approver) and every
skill the task needs; a pool without a member list leaves this to the identity provider's claims.
On arrival (``assign_on_arrival``) the task goes to the fitting member with the least open work per
personal working hour, ties by staff id, never to someone the four-eyes rule excludes.
"""

from __future__ import annotations

from collections.abc import Mapping

from ikdz_routing.domain.config import Member, Pool
from ikdz_routing.domain.tasks import Role, TaskDefinition

WORKING_ROLES = frozenset({Role.CLERK, Role.APPROVER})


def assignment_problem(pool: Pool | None, definition: TaskDefinition, staff_id: str) -> str | None:
    """Why ``staff_id`` may not work the task in ``pool``, or None."""
    if pool is None or not pool.members:
        return None
    member = pool.member(staff_id)
    if member is None:
        return f"{staff_id} is not a listed member of pool {pool.id}"
    if not member.roles & WORKING_ROLES:
        return f"{staff_id} has neither the clerk nor the approver role in pool {pool.id}"
    missing = sorted(set(definition.required_skills) - member.skills)
    if missing:
        return f"{staff_id} lacks the skills {', '.join(missing)}"
    return None


def pick_assignee(pool: Pool, definition: TaskDefinition, open_tasks: Mapping[str, int]) -> tuple[Member, str] | None:
    """The member who gets a new task, with the reason for the audit; None if nobody fits."""
    fitting = [
        m
        for m in pool.members
        if assignment_problem(pool, definition, m.staff_id) is None and m.staff_id not in definition.four_eyes_excluded
    ]
    if not fitting:
        return None
    load = {m.staff_id: open_tasks.get(m.staff_id, 0) / pool.member_hours(m) for m in fitting}
    chosen = min(fitting, key=lambda m: (load[m.staff_id], m.staff_id))
    skills = ", ".join(definition.required_skills) or "none required"
    return chosen, (
        f"assigned on arrival: skills ({skills}) held; lowest load"
        f" ({open_tasks.get(chosen.staff_id, 0)} open tasks in {pool.member_hours(chosen):g} h per day)"
    )
