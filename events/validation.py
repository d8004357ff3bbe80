"""Validation of conversion events in Meta's server-event shape.

Errors are collected for the whole batch, each with its JSON path
(`["data", 2, "user_data"]`), so a client fixes every mistake in one round trip.
Nothing of a batch is stored unless every event is valid.
"""

import time
from dataclasses import dataclass, field

from events.normalise import CLEAR_FIELDS, UserDataError, user_data_hash

# Meta refuses events older than 7 days and events in the future; a minute of clock
# skew between the tenant's server and ours is tolerated.
MAX_AGE_SECONDS = 7 * 24 * 3600
FUTURE_SKEW_SECONDS = 60
ACTION_SOURCES = (
    "email",
    "website",
    "app",
    "phone_call",
    "chat",
    "physical_store",
    "system_generated",
    "business_messaging",
    "other",
)

ERROR_REQUIRED = "Field required."
ERROR_NOT_OBJECT = "Must be an object."
ERROR_EVENT_NAME = "Must be a non-empty string of at most 100 characters."
ERROR_EVENT_TIME_TYPE = "Must be a Unix timestamp in seconds (integer)."
ERROR_EVENT_TIME_OLD = "Older than 7 days: Meta refuses it."
ERROR_EVENT_TIME_FUTURE = "In the future."
ERROR_ACTION_SOURCE = "Must be one of: " + ", ".join(ACTION_SOURCES) + "."
ERROR_NO_IDENTIFIER = "Needs at least one customer identifier (em, ph, external_id, client_ip_address ...)."
ERROR_WEBSITE_NEEDS = "Required when action_source is website."
ERROR_EVENT_ID = "Must be a non-empty string of at most 255 characters."
ERROR_BATCH_SIZE = "Send between 1 and {max} events per request."
ERROR_DPO = 'Must be a list of strings (e.g. ["LDU"]).'
ERROR_INTEGER = "Must be an integer."
ERROR_STRING = "Must be a string."
ERROR_NUL = "Must not contain NUL (\\u0000) characters."


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


@dataclass
class FieldError:
    loc: list
    msg: str


class EventsInvalid(Exception):
    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in errors))
        self.errors = errors


@dataclass
class CleanEvent:
    event_name: str
    event_id: str
    event_time: int
    action_source: str
    user_data: dict
    event_source_url: str = ""
    custom_data: dict = field(default_factory=dict)
    data_processing_options: list | None = None
    data_processing_options_country: int | None = None
    data_processing_options_state: int | None = None


def events_clean(*, data, max_batch: int, now: float | None = None) -> list[CleanEvent]:
    """Validate, normalise and hash a batch; raise EventsInvalid with every error."""
    now = now or time.time()
    if not isinstance(data, list) or not 1 <= len(data) <= max_batch:
        raise EventsInvalid([FieldError(["data"], ERROR_BATCH_SIZE.format(max=max_batch))])
    errors: list[FieldError] = []
    clean = []
    for index, raw in enumerate(data):
        event = _event_clean(raw, ["data", index], now, errors)
        if event is not None:
            clean.append(event)
    if errors:
        raise EventsInvalid(errors)
    return clean


def _event_clean(raw, loc: list, now: float, errors: list[FieldError]) -> CleanEvent | None:
    start = len(errors)

    def err(name, msg):
        errors.append(FieldError([*loc, name] if name else loc, msg))

    if not isinstance(raw, dict):
        err(None, ERROR_NOT_OBJECT)
        return None
    # PostgreSQL text and jsonb cannot hold NUL: refuse it here rather than fail on INSERT.
    for name_, value in raw.items():
        if _has_nul(value):
            err(name_, ERROR_NUL)
    if len(errors) > start:
        return None
    name = raw.get("event_name")
    if name is None:
        err("event_name", ERROR_REQUIRED)
    elif not isinstance(name, str) or not name.strip() or len(name) > 100:
        err("event_name", ERROR_EVENT_NAME)
    event_id = raw.get("event_id")
    if event_id is None:
        err("event_id", ERROR_REQUIRED)
    elif not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 255:
        err("event_id", ERROR_EVENT_ID)
    event_time = raw.get("event_time")
    if event_time is None:
        err("event_time", ERROR_REQUIRED)
    elif not isinstance(event_time, int) or isinstance(event_time, bool):
        err("event_time", ERROR_EVENT_TIME_TYPE)
    elif event_time < now - MAX_AGE_SECONDS:
        err("event_time", ERROR_EVENT_TIME_OLD)
    elif event_time > now + FUTURE_SKEW_SECONDS:
        err("event_time", ERROR_EVENT_TIME_FUTURE)
    source = raw.get("action_source")
    if source is None:
        err("action_source", ERROR_REQUIRED)
    elif source not in ACTION_SOURCES:
        err("action_source", ERROR_ACTION_SOURCE)
    url = raw.get("event_source_url", "")
    if not isinstance(url, str):
        err("event_source_url", ERROR_STRING)
        url = ""
    user_data = raw.get("user_data")
    hashed = {}
    if user_data is None:
        err("user_data", ERROR_REQUIRED)
    elif not isinstance(user_data, dict):
        err("user_data", ERROR_NOT_OBJECT)
    else:
        try:
            hashed = user_data_hash(user_data)
        except UserDataError as exc:
            errors.append(FieldError([*loc, "user_data", exc.field], exc.message))
        else:
            if not hashed:
                err("user_data", ERROR_NO_IDENTIFIER)
    if source == "website":
        if not url:
            err("event_source_url", ERROR_WEBSITE_NEEDS)
        if isinstance(user_data, dict) and not user_data.get("client_user_agent"):
            errors.append(FieldError([*loc, "user_data", "client_user_agent"], ERROR_WEBSITE_NEEDS))
    custom = raw.get("custom_data") or {}
    if not isinstance(custom, dict):
        err("custom_data", ERROR_NOT_OBJECT)
    dpo = raw.get("data_processing_options")
    if dpo is not None and (not isinstance(dpo, list) or not all(isinstance(v, str) for v in dpo)):
        err("data_processing_options", ERROR_DPO)
    for name_ in ("data_processing_options_country", "data_processing_options_state"):
        value = raw.get(name_)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            err(name_, ERROR_INTEGER)
    if len(errors) > start:
        return None
    return CleanEvent(
        event_name=name.strip(),
        event_id=event_id.strip(),
        event_time=event_time,
        action_source=source,
        user_data=hashed,
        event_source_url=url,
        custom_data=custom,
        data_processing_options=dpo,
        data_processing_options_country=raw.get("data_processing_options_country"),
        data_processing_options_state=raw.get("data_processing_options_state"),
    )


__all__ = ["CLEAR_FIELDS", "CleanEvent", "EventsInvalid", "FieldError", "events_clean"]
