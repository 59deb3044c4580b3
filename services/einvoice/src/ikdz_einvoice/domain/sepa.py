"""SEPA building blocks: IBAN and BIC checks, the SEPA character set, amounts in euro cents.

The rules are those of the EPC SEPA Credit Transfer implementation guidelines as the German banks
apply them (DK "Anlage 3 der Schnittstellenspezifikation für die Datenfernübertragung",
pain.001.001.09): text fields may hold only the basic Latin set ``a-z A-Z 0-9 / - ? : ( ) . , ' +``
and space; identifiers (message, payment and end-to-end ids) must not start or end with ``/`` nor
contain ``//``; amounts have at most two decimals.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from ikdz_einvoice.domain.leitweg import iso7064_number

IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
    # French overseas departments and other SEPA territories use FR/GB/... IBANs.
}  # fmt: skip
"""IBAN length by country, for the countries of the SEPA scheme (EPC409-09, list of SEPA countries)."""

_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_SEPA_TEXT = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_TRANSLITERATION = str.maketrans(
    {"Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "&": "+"}
)
MAX_AMOUNT = Decimal("999999999.99")
"""The largest amount pain.001 allows in one transaction (EPC: 999,999,999.99 EUR)."""


class SepaError(ValueError):
    """A value that a SEPA credit transfer cannot carry."""


def compact_iban(value: str) -> str:
    return "".join(value.split()).upper()


def iban_problem(value: str) -> str | None:
    """Why *value* is not a valid IBAN of a SEPA country, or ``None`` if it is one."""
    iban = compact_iban(value)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}", iban):
        return "is not shaped like an IBAN (two letters, two check digits, up to 30 letters or digits)"
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is None:
        return f"country {iban[:2]} is not in the SEPA scheme"
    if len(iban) != expected:
        return f"has {len(iban)} characters, an IBAN of {iban[:2]} has {expected}"
    if iso7064_number(iban[4:] + iban[:4]) % 97 != 1:
        return "check digits are wrong (ISO 7064 MOD 97-10)"
    return None


def valid_iban(value: str) -> str:
    """*value* as a compact IBAN; :class:`SepaError` if it is not a valid SEPA IBAN."""
    problem = iban_problem(value)
    if problem is not None:
        raise SepaError(f"IBAN {value!r} {problem}")
    return compact_iban(value)


def valid_bic(value: str) -> str:
    bic = "".join(value.split()).upper()
    if not _BIC.fullmatch(bic):
        raise SepaError(f"BIC {value!r} is not 8 or 11 letters and digits (ISO 9362)")
    return bic


def sepa_text(value: str, max_length: int) -> str:
    """*value* in the SEPA basic Latin set: umlauts spelt out, accents dropped, others blank, cut to length."""
    spelt = unicodedata.normalize("NFKD", value.translate(_TRANSLITERATION))
    ascii_only = "".join(char for char in spelt if not unicodedata.combining(char))
    return " ".join(_SEPA_TEXT.sub(" ", ascii_only).split())[:max_length].strip()


def sepa_identifier(value: str, max_length: int = 35) -> str:
    """An id for MsgId, PmtInfId or EndToEndId: SEPA set without blanks, no leading/trailing ``/``, no ``//``."""
    text = sepa_text(value, 10 * max_length).replace(" ", "")
    text = re.sub(r"/{2,}", "/", text).strip("/")[:max_length].strip("/")
    if not text:
        raise SepaError(f"{value!r} leaves no characters for a SEPA identifier")
    return text


def euro_amount(value: Decimal) -> Decimal:
    """*value* with exactly two decimals; :class:`SepaError` if it has more, is not positive or too large."""
    cents = value.quantize(Decimal("0.01"))
    if cents != value:
        raise SepaError(f"amount {value} has more than two decimals; SEPA transfers are in whole cents")
    if cents <= 0:
        raise SepaError(f"amount {value} is not positive; only amounts due can be transferred")
    if cents > MAX_AMOUNT:
        raise SepaError(f"amount {value} exceeds the SEPA maximum of {MAX_AMOUNT}")
    return cents
