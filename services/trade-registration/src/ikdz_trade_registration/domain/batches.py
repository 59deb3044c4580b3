"""Which notices of a batch can be decided against the same reading of the register.

Pure. The application decides a consumer batch in rounds: each round reads the register once and
decides its notices against what it read. That gives each notice the register the ones before it
left only if no notice of the round reads or changes what an earlier notice of the batch changes.

What a notice reads and changes is its *scope*: its holder (every change a plan makes is to a
registration of the notice's holder: an Um-/Abmeldung of another holder's registration goes to a
clerk, a move closes the holder's registration in the old town, and the duplicate key includes the
holder), the registration it would create, and the registration it refers to with that one's
holder. Notices with disjoint scopes commute: deciding them against the same register gives what
deciding them one after the other gives, in either order.
"""

from __future__ import annotations

from collections.abc import Sequence

from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige

from ikdz_trade_registration.domain.registrations import Registration, holder_key

Scope = frozenset[str]


def reference_of(app: Gewerbeanzeige) -> str | None:
    """The registration the applicant names (the ``gewerbebetriebID`` on an earlier receipt)."""
    return app.previous_registration.registration_id if app.previous_registration else None


def notice_scope(app: Gewerbeanzeige, new_registration_id: str, referred: Registration | None) -> Scope:
    """What deciding ``app`` reads or changes in the register (see module docstring); ``referred`` is
    the registration it refers to as the register was read, if that exists."""
    scope = {f"holder:{holder_key(app)}", f"registration:{new_registration_id}"}
    reference = reference_of(app)
    if reference is not None:
        scope.add(f"registration:{reference}")
    if referred is not None:
        scope.add(f"holder:{referred.holder_key}")
    return frozenset(scope)


def first_round(scopes: Sequence[Scope]) -> tuple[list[int], list[int]]:
    """The positions decided in this round and those that wait for the next, in batch order.

    A notice waits if its scope meets the scope of any notice before it in the batch, also of one
    that waits itself: so two notices that touch the same thing are decided in batch order, each in
    a later round than the one before it, and everything in a round is disjoint from what comes
    before it.
    """
    now: list[int] = []
    later: list[int] = []
    seen: set[str] = set()
    for position, scope in enumerate(scopes):
        (later if scope & seen else now).append(position)
        seen |= scope
    return now, later
