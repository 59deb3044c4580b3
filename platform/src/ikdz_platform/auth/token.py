"""Print a staff token signed by the local dev issuer, for curl and scripts against the dev stack.

    python -m ikdz_platform.auth.token --role clerk --town 14522020 --pool augustusburg
    python -m ikdz_platform.auth.token --demo wur-approver-01
    python -m ikdz_platform.auth.token --list-demo

    curl -H "Authorization: Bearer $(python -m ikdz_platform.auth.token --demo aug-clerk-01)" ...

It signs with the dev key file (``IKDZ_DEV_ISSUER_KEY_FILE``, default under the cache dir) and
names the issuer and audience of ``IKDZ_OIDC_ISSUER`` and ``IKDZ_OIDC_AUDIENCE`` (defaults: the
dev issuer of ``bin/run`` and ``ikdz``), so services started with ``IKDZ_DEV_ISSUER=true`` accept
it. Refused with ``IKDZ_ENVIRONMENT=prod``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ikdz_contracts.cloudevents import AGS_PATTERN
from ikdz_contracts.topics import POOL_ID_PATTERN
from pydantic import ValidationError

from ikdz_platform.auth.demo_staff import demo_staff, find_demo_staff
from ikdz_platform.auth.local_issuer import DevIssuerRefusedError, LocalIssuer
from ikdz_platform.auth.principal import Role
from ikdz_platform.auth.settings import AuthSettings

__all__ = ["main"]


def _pattern(regex: str, what: str) -> Callable[[str], str]:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise argparse.ArgumentTypeError(f"{value!r} is not a valid {what}")
        return value

    return check


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ikdz_platform.auth.token",
        description="Print a staff token signed by the local dev issuer (development and tests only).",
    )
    parser.add_argument("--demo", metavar="SUBJECT", help="a demo member of staff (see --list-demo)")
    parser.add_argument("--list-demo", action="store_true", help="list the demo staff and exit")
    parser.add_argument("--role", action="append", choices=[r.value for r in Role], default=[], help="repeatable")
    parser.add_argument(
        "--town", action="append", type=_pattern(AGS_PATTERN, "AGS"), default=[], help="AGS, repeatable"
    )
    parser.add_argument(
        "--pool", action="append", type=_pattern(POOL_ID_PATTERN, "pool id"), default=[], help="repeatable"
    )
    parser.add_argument("--subject", help="pseudonymous staff id (default: dev-<role>-<town>)")
    parser.add_argument("--name", help="display name (default: the subject)")
    parser.add_argument(
        "--ttl", type=int, default=None, help="lifetime in seconds (default: IKDZ_DEV_TOKEN_TTL_SECONDS or 8 h)"
    )
    parser.add_argument("--issuer", default=None, help="iss (default: IKDZ_OIDC_ISSUER or the bin/run dev issuer)")
    parser.add_argument("--audience", default=None, help="aud (default: IKDZ_OIDC_AUDIENCE or ikdz)")
    parser.add_argument(
        "--key-file", type=Path, default=None, help="dev key (default: IKDZ_DEV_ISSUER_KEY_FILE or the cache dir)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list_demo:
        for member in demo_staff():
            roles = ",".join(role.value for role in member.roles)
            print(f"{member.subject}\t{roles}\t{','.join(member.towns)}\t{','.join(member.pools)}\t{member.name}")  # noqa: T201
        return 0
    if args.demo and (args.role or args.town or args.pool or args.subject):
        parser.error("--demo takes no --role, --town, --pool or --subject")
    if not args.demo and not args.role:
        parser.error("give --demo SUBJECT or at least one --role")
    if args.ttl is not None and args.ttl <= 0:
        parser.error("--ttl must be positive")
    chosen = find_demo_staff(args.demo) if args.demo else None
    if args.demo and chosen is None:
        parser.error(f"no demo staff {args.demo!r} (see --list-demo)")
    try:
        settings = AuthSettings(dev_issuer=True)  # the environment's issuer, audience, key file and TTL
        key_file = args.key_file or settings.key_file
        issuer = LocalIssuer.from_key_file(
            key_file, args.issuer or settings.issuer, audience=args.audience or settings.oidc_audience
        )
    except (ValidationError, DevIssuerRefusedError) as error:
        print(f"refused: {error}", file=sys.stderr)  # noqa: T201
        return 2
    if issuer.key_created:
        print(f"created the dev signing key {key_file}", file=sys.stderr)  # noqa: T201 - stdout carries the token only
    ttl = args.ttl or settings.dev_token_ttl_seconds
    if chosen is not None:
        token = issuer.issue_for(chosen, ttl)
    else:
        subject = args.subject or f"dev-{args.role[0]}-{args.town[0] if args.town else 'all'}"
        token = issuer.issue(subject, args.name or subject, args.town, args.pool, args.role, ttl)
    print(token)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
