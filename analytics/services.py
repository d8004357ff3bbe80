"""The roll-up: the tenant's counts in Redis into its tables, idempotently.

1. Claim (one Lua script, atomic): every minute hash the tenant wrote since the last
   roll-up is renamed to a claim with a fresh token and listed in the tenant's claims set.
   Counting goes on into new hashes meanwhile, so the current minute can be claimed too.
2. Add each claim to MinuteCount (count = count + claimed) and record its name in
   RolledClaim, in one transaction under the tenant's advisory lock; recompute (set, not
   add) the touched hours and days from the rows below them, the day's unique visitors
   from the HyperLogLog, the conversions and purchases from the events tables and the
   answers (kind, tokens, median latency) from the answers' trace rows.
3. After the commit, delete the claims.

Killed anywhere (SIGKILL of the worker), the next run gives the same totals: before the
commit nothing was written and the claims are still in Redis; after it, the claims are
skipped (RolledClaim) and deleted. Running twice adds nothing.
"""

import datetime as dt
import secrets
import zlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from analytics import counting
from analytics.models import MinuteCount, RolledClaim, Series

CLAIMS_KEY = "analytics:claims"
TOTAL_KEY = "*"  # a day's total of page views (or bots): no slug is "*"
BACKSLASH = "\\"

# KEYS: the tenant's set of minute hashes, its set of claims. ARGV: the claim token.
_CLAIM = """
local names = redis.call('SMEMBERS', KEYS[1])
for _, name in ipairs(names) do
  redis.call('SREM', KEYS[1], name)
  if redis.call('EXISTS', name) == 1 then
    local claim = name .. ':claim:' .. ARGV[1]
    redis.call('RENAME', name, claim)
    redis.call('SADD', KEYS[2], claim)
  end
end
return redis.call('SMEMBERS', KEYS[2])
"""

_HOUR_SET = """
INSERT INTO analytics_hourcount (hour, series, key, count)
SELECT date_trunc('hour', minute), series, key, sum(count) FROM analytics_minutecount
WHERE minute >= %(start)s AND minute < %(end)s GROUP BY 1, 2, 3
ON CONFLICT (hour, series, key) DO UPDATE SET count = EXCLUDED.count
"""

# A day from its hours, plus one total row per day for views and bots (the chart's line).
_DAY_SET = """
INSERT INTO analytics_daycount (day, series, key, count, value)
SELECT %(day)s::date, series, CASE WHEN GROUPING(key) = 1 THEN '*' ELSE key END, sum(count), 0
FROM analytics_hourcount
WHERE hour >= %(start)s AND hour < %(end)s AND series IN ('v', 'b', 'r', 's', 'z', 'k')
GROUP BY GROUPING SETS ((series, key), (series))
HAVING GROUPING(key) = 0 OR series IN ('v', 'b')
ON CONFLICT (day, series, key) DO UPDATE SET count = EXCLUDED.count
"""

# Conversions accepted by the relay (source api) and purchases from webhooks, per day and
# currency, with their value (custom_data.value when it is a number).
_EVENTS_SET = """
INSERT INTO analytics_daycount (day, series, key, count, value)
SELECT (created_at AT TIME ZONE 'UTC')::date,
       CASE WHEN source = 'webhook' THEN 'p' ELSE 'c' END,
       left(upper(coalesce(custom_data->>'currency', '')), 255),
       count(*),
       coalesce(sum(CASE WHEN custom_data->>'value' ~ '^-?[0-9]{1,15}(\\.[0-9]+)?$'
                         THEN round((custom_data->>'value')::numeric, 2) END), 0)
FROM events_conversionevent
WHERE created_at >= %(start)s AND created_at < %(end)s
GROUP BY 1, 2, 3
ON CONFLICT (day, series, key) DO UPDATE SET count = EXCLUDED.count, value = EXCLUDED.value
"""

# The answers given (answers.AnswerRecord, one row each): per kind, the model's tokens in
# and out, and the day's median latency. Set, not added, like the events.
_ANSWERS_SET = """
INSERT INTO analytics_daycount (day, series, key, count, value)
WITH a AS (
    SELECT mode, tokens_in, tokens_out, latency_ms FROM answers_answerrecord
    WHERE created_at >= %(start)s AND created_at < %(end)s
)
SELECT %(day)s::date, series, key, total, 0 FROM (
    SELECT 'a' AS series, mode AS key, count(*) AS total FROM a GROUP BY mode
    UNION ALL SELECT 't', 'in', sum(tokens_in) FROM a HAVING count(*) > 0
    UNION ALL SELECT 't', 'out', sum(tokens_out) FROM a HAVING count(*) > 0
    UNION ALL SELECT 'l', '*', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)) FROM a
              HAVING count(*) > 0
) day_answers
ON CONFLICT (day, series, key) DO UPDATE SET count = EXCLUDED.count
"""


def _client():
    return cache._cache.get_client(write=True)


def _lock_id(schema: str) -> int:
    return zlib.crc32(f"analytics:{schema}".encode()) - 2**31


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def analytics_rollup(*, events_days: int = 2, prune: bool = False, now: dt.datetime | None = None) -> dict:
    """Roll the current tenant's counts up (see the module's docstring). `events_days`:
    how many days back (today included) conversions, purchases and answers are recomputed;
    `prune`: also delete minute rows older than ANALYTICS_MINUTE_DAYS (the every-tenant run).
    Returns what it did: claims rolled, minute rows added, hours and days recomputed."""
    now = now or timezone.now()
    schema = connection.schema_name
    client = _client()
    token = secrets.token_hex(8)
    claims = [
        name.decode()
        for name in client.eval(_CLAIM, 2, cache.make_key(counting.minutes_key()), cache.make_key(CLAIMS_KEY), token)
    ]
    pipe = client.pipeline(transaction=False)
    for name in claims:
        pipe.hgetall(name)
    hashes = dict(zip(claims, pipe.execute(), strict=True))

    today = now.astimezone(dt.UTC).date()
    days = {today - dt.timedelta(days=n) for n in range(max(events_days, 1))}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(schema)])
        done = set(RolledClaim.objects.filter(token__in=claims).values_list("token", flat=True))
        lines, minutes = [], set()
        for name, fields in hashes.items():
            if name in done:
                continue
            minute = int(name.split("analytics:m:", 1)[1].split(":", 1)[0])
            minutes.add(minute)
            stamp = dt.datetime.fromtimestamp(minute * 60, dt.UTC).isoformat()
            for field, count in fields.items():
                series, _, key = field.decode().partition("|")
                # COPY's text format: keys hold no tab or newline (search texts are
                # whitespace-collapsed, slugs and hosts have none); "\" is its escape.
                lines.append(f"{stamp}\t{series}\t{key[:255].replace(BACKSLASH, BACKSLASH * 2)}\t{int(count)}\n")
        if lines:
            _minutes_copy(lines)
        RolledClaim.objects.bulk_create([RolledClaim(token=name) for name in claims if name not in done])
        hours = {dt.datetime.fromtimestamp(minute // 60 * 3600, dt.UTC) for minute in minutes}
        hours_days = rollup_hours(hours=hours)
        days |= hours_days
        for day in sorted(days):
            _day_recompute(day, client)
        if prune:
            _prune(now)
    if claims:
        pipe = client.pipeline(transaction=True)
        pipe.delete(*claims)
        pipe.srem(cache.make_key(CLAIMS_KEY), *claims)
        pipe.execute()
    return {"claims": len(claims) - len(done), "minute_rows": len(lines), "hours": len(hours), "days": len(days)}


def _minutes_copy(lines: list[str]) -> None:
    """Append the claimed counts with COPY: binding 60,000 rows as parameters cost more
    than writing them."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY analytics_minutecount (minute, series, key, count) FROM STDIN") as copy,
    ):
        copy.write("".join(lines).encode())


def rollup_hours(*, hours) -> set[dt.date]:
    """Recompute these hours (set, not add) from the minute rows; returns their days."""
    for hour in sorted(hours):
        rollup_span(start=hour, end=hour + dt.timedelta(hours=1))
    return {hour.astimezone(dt.UTC).date() for hour in hours}


def rollup_span(*, start: dt.datetime, end: dt.datetime) -> None:
    """Recompute every hour in [start, end) from the minute rows, in one statement (the
    benchmark's bulk path rolls a month at a time)."""
    with connection.cursor() as cursor:
        cursor.execute(_HOUR_SET, {"start": start, "end": end})


def _day_recompute(day: dt.date, client) -> None:
    start, end = _day_bounds(day)
    uniques = client.pfcount(cache.make_key(counting.visitors_key(day.isoformat())))
    with connection.cursor() as cursor:
        cursor.execute(_DAY_SET, {"day": day, "start": start, "end": end})
        cursor.execute(_EVENTS_SET, {"start": start, "end": end})
        cursor.execute(_ANSWERS_SET, {"day": day, "start": start, "end": end})
        if uniques:  # an expired HyperLogLog (an old day) keeps the count it had
            cursor.execute(
                "INSERT INTO analytics_daycount (day, series, key, count, value) VALUES (%s, %s, '', %s, 0)"
                " ON CONFLICT (day, series, key) DO UPDATE SET count = EXCLUDED.count",
                [day, Series.UNIQUES, uniques],
            )


def rollup_days(*, days) -> None:
    """Recompute these days from their hours (and events); the benchmark's bulk path."""
    client = _client()
    for day in sorted(days):
        _day_recompute(day, client)


def _prune(now: dt.datetime) -> None:
    MinuteCount.objects.filter(minute__lt=now - dt.timedelta(days=settings.ANALYTICS_MINUTE_DAYS)).delete()
    RolledClaim.objects.filter(rolled_at__lt=now - dt.timedelta(days=2)).delete()
