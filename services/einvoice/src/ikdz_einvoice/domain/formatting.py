"""German (de-DE) formatting of amounts, quantities, percentages and dates for clerk and supplier texts.

Hand-written instead of a locale library: the process locale must not change what a document says,
and the rules are few (``.`` groups thousands, ``,`` separates decimals, ``DD.MM.YYYY``). Values are
``Decimal`` and are never rounded away: an amount keeps every decimal the invoice wrote, with at
least two.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

CURRENCY_SYMBOLS = {"EUR": "€"}
"""Currencies shown by symbol; every other currency is shown by its ISO 4217 code."""


def format_number(value: Decimal, *, min_places: int = 0) -> str:
    """``1234.5`` -> ``1.234,5``; at least *min_places* decimals, more only if the value has them."""
    exponent = value.normalize().as_tuple().exponent
    places = max(min_places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):.{places}f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = ".".join(groups)
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


def format_amount(value: Decimal, currency: str | None = None) -> str:
    """``1234.5, "EUR"`` -> ``1.234,50 €``; other currencies by code (``1.234,50 USD``)."""
    number = format_number(value, min_places=2)
    if currency is None:
        return number
    return f"{number}\u00a0{CURRENCY_SYMBOLS.get(currency, currency)}"


def format_percent(value: Decimal) -> str:
    """``19.00`` -> ``19 %`` (DIN 5008: a space before the sign)."""
    return f"{format_number(value)}\u00a0%"


def format_date(value: date) -> str:
    return f"{value:%d.%m.%Y}"


def format_iban(iban: str) -> str:
    """An IBAN in groups of four, as printed on paper (``DE75 5121 0800 1245 1261 99``)."""
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
