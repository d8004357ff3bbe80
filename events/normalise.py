"""Meta's customer-information rules: normalise, then SHA-256, before anything is stored.

Follows "Customer Information Parameters" of the Conversions API: each hashed field has
its own normalisation (lowercase e-mail, digits-only phone with country code, YYYYMMDD
birth date ...). A value that already is a SHA-256 hex digest is kept as is, so a
tenant that hashes on its side is not hashed twice. `client_ip_address`,
`client_user_agent`, `fbc` and `fbp` must reach Meta in clear and are not hashed.
"""

import hashlib
import re
import unicodedata
from datetime import datetime

HASHED_FIELDS = ("em", "ph", "fn", "ln", "ge", "db", "ct", "st", "zp", "country", "external_id")
CLEAR_FIELDS = ("client_ip_address", "client_user_agent", "fbc", "fbp")
ALL_FIELDS = HASHED_FIELDS + CLEAR_FIELDS

ERROR_UNKNOWN_FIELD = "Unknown user_data field (plain personal data is never stored): {field}."
ERROR_NOT_TEXT = "Must be a string or a list of strings."
ERROR_EMPTY_AFTER_NORMALISING = "Empty after normalising."
ERROR_BAD_DATE = "Must be a date as YYYYMMDD or YYYY-MM-DD."

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_NON_DIGITS = re.compile(r"\D+")
_LETTERS_ONLY = re.compile(r"[^\w]|[\d_]", re.UNICODE)


class UserDataError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _email(value: str) -> str:
    return value.strip().lower()


def _phone(value: str) -> str:
    # Digits only, country code included, no leading zeros (Meta's "ph").
    return _NON_DIGITS.sub("", value).lstrip("0")


def _name(value: str) -> str:
    value = unicodedata.normalize("NFC", value.strip().lower())
    return _LETTERS_ONLY.sub("", value)


def _gender(value: str) -> str:
    value = value.strip().lower()
    return value[:1] if value[:1] in ("f", "m") else ""


def _birth_date(value: str) -> str:
    value = value.strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(value, fmt).strftime("%Y%m%d")
        except ValueError:
            continue
    raise ValueError(ERROR_BAD_DATE)


def _lower_no_space(value: str) -> str:
    return "".join(ch for ch in value.strip().lower() if ch.isalnum())


def _zip(value: str) -> str:
    value = value.strip().lower().replace(" ", "").replace("-", "")
    return value[:5] if value[:5].isdigit() and len(value) == 9 and value.isdigit() else value


def _external_id(value: str) -> str:
    return value.strip()


NORMALISERS = {
    "em": _email,
    "ph": _phone,
    "fn": _name,
    "ln": _name,
    "ge": _gender,
    "db": _birth_date,
    "ct": _lower_no_space,
    "st": _lower_no_space,
    "zp": _zip,
    "country": _lower_no_space,
    "external_id": _external_id,
}


def hash_value(field: str, value: str) -> str:
    candidate = value.strip().lower()
    if _SHA256_HEX.match(candidate):
        return candidate
    try:
        normalised = NORMALISERS[field](value)
    except ValueError as exc:
        raise UserDataError(field, str(exc)) from exc
    if not normalised:
        raise UserDataError(field, ERROR_EMPTY_AFTER_NORMALISING)
    return hashlib.sha256(normalised.encode()).hexdigest()


def user_data_hash(user_data: dict) -> dict:
    """The user_data Meta receives (and we store): hashed where Meta says so. Raises
    UserDataError naming the field; unknown fields are refused, not stored."""
    out = {}
    for field, value in user_data.items():
        if field not in ALL_FIELDS:
            raise UserDataError(field, ERROR_UNKNOWN_FIELD.format(field=field))
        if value is None or value == "" or value == []:
            continue
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            raise UserDataError(field, ERROR_NOT_TEXT)
        if field in CLEAR_FIELDS:
            out[field] = value
            continue
        hashed = [hash_value(field, v) for v in values]
        out[field] = hashed if isinstance(value, list) else hashed[0]
    return out
