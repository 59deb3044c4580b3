"""Leitweg-ID (BT-10, buyer reference): syntax and ISO 7064 MOD 97-10 check digits.

Format ``Grobadressierung[-Feinadressierung]-Prüfziffer``:

- coarse part (Grobadressierung): 2 to 12 digits, the hierarchy Land (2) [+ Regierungsbezirk (1)
  [+ Kreis (2) [+ Gemeinde (3, 4 or 7)]]], so its length is 2, 3, 5, 8, 9 or 12; a town's coarse part
  is usually its AGS (e.g. ``14729410`` for Wurzen);
- fine part (Feinadressierung): optional, 1 to 30 letters and digits, assigned by the recipient;
- check digits: 2 digits; the whole ID has at most 46 characters.

Check digits follow ISO 7064 MOD 97-10 as for an IBAN: join the parts without hyphens, replace each
letter by its number (A=10 ... Z=35, upper and lower case alike), append ``00``, and take
98 - (number mod 97). An ID is correct when the number of all its characters, check digits
included, is 1 mod 97. XRechnung's own rules only require that BT-10 is present (BR-DE-15), so
the router checks the ID itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ikdz_einvoice.domain.errors import InvalidLeitwegIdError

MAX_LENGTH = 46
COARSE_LENGTHS = frozenset({2, 3, 5, 8, 9, 12})
_SHAPE = re.compile(r"^(?P<coarse>[0-9]{2,12})(?:-(?P<fine>[A-Za-z0-9]{1,30}))?-(?P<check>[0-9]{2})$")


def iso7064_number(text: str) -> int:
    """The ISO 7064 number of *text*: digits stay, letters become 10..35."""
    return int("".join(str(int(char, 36)) for char in text))


def check_digits(coarse: str, fine: str | None = None) -> str:
    """The two check digits for a coarse part and an optional fine part."""
    body = coarse + (fine or "")
    if not body.isascii() or not body.isalnum():
        raise InvalidLeitwegIdError(f"{coarse}-{fine}" if fine else coarse, "only letters and digits may be used")
    return f"{98 - iso7064_number(body + '00') % 97:02d}"


@dataclass(frozen=True, slots=True)
class LeitwegId:
    """A syntactically valid Leitweg-ID with correct check digits."""

    coarse: str
    fine: str | None
    check: str

    def __str__(self) -> str:
        return "-".join(part for part in (self.coarse, self.fine, self.check) if part)

    @classmethod
    def build(cls, coarse: str, fine: str | None = None) -> LeitwegId:
        """A new Leitweg-ID with computed check digits (e.g. to configure a department)."""
        return parse_leitweg_id(
            f"{coarse}-{fine}-{check_digits(coarse, fine)}" if fine else f"{coarse}-{check_digits(coarse)}"
        )


def parse_leitweg_id(value: str) -> LeitwegId:
    """Check syntax and check digits; :class:`InvalidLeitwegIdError` names what is wrong.

    Surrounding whitespace is ignored; nothing else is normalised (case is kept, but the check digits
    treat upper and lower case letters alike).
    """
    candidate = value.strip()
    if len(candidate) > MAX_LENGTH:
        raise InvalidLeitwegIdError(value, f"longer than {MAX_LENGTH} characters")
    match = _SHAPE.fullmatch(candidate)
    if match is None:
        raise InvalidLeitwegIdError(
            value,
            "expected coarse part (2-12 digits), optional fine part (up to 30 letters or digits) and two check "
            "digits, separated by '-'",
        )
    coarse, fine, check = match.group("coarse"), match.group("fine"), match.group("check")
    if len(coarse) not in COARSE_LENGTHS:
        raise InvalidLeitwegIdError(
            value, f"coarse part {coarse} has {len(coarse)} digits; a coarse part has 2, 3, 5, 8, 9 or 12 digits"
        )
    if iso7064_number(coarse + (fine or "") + check) % 97 != 1:
        raise InvalidLeitwegIdError(
            value, f"check digits {check} are wrong (ISO 7064 MOD 97-10; expected {check_digits(coarse, fine)})"
        )
    return LeitwegId(coarse=coarse, fine=fine, check=check)


def is_valid_leitweg_id(value: str) -> bool:
    try:
        parse_leitweg_id(value)
    except InvalidLeitwegIdError:
        return False
    return True
