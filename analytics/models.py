"""Counts per tenant, in the tenant's schema: per minute (raw), per hour and per day.

A row is one (time, series, key) count: `series` says what was counted, `key` of what
(a page's slug, a referrer's host, a search's text, an API key's prefix). No row holds an
IP address, a user agent or anything else about a visitor: unique visitors are a count
(Redis HyperLogLog of a daily-salted hash, see analytics.counting), stored per day.
"""

from django.db import models


class Series(models.TextChoices):
    VIEW = "v", "page views"
    BOT = "b", "page views by bots"
    REFERRER = "r", "visits from another site (host)"
    SEARCH = "s", "searches"
    SEARCH_EMPTY = "z", "searches with no results"
    API = "k", "API calls by key"
    UNIQUES = "u", "unique visitors"
    CONVERSION = "c", "conversions accepted by the relay"
    PURCHASE = "p", "webhook purchases"
    ANSWER = "a", "answers given (key: model, extractive or none)"
    ANSWER_TOKENS = "t", "model tokens of the answers (key: in or out)"
    ANSWER_LATENCY = "l", "median answer latency in ms"


class MinuteCount(models.Model):
    """Counts of one minute as claimed from Redis (analytics.services): appended, COPY
    fast; a minute claimed twice (counting went on after the first claim) has two rows."""

    minute = models.DateTimeField()
    series = models.CharField(max_length=1, choices=Series.choices)
    key = models.CharField(max_length=255, blank=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["minute"], name="analytics_minute_minute")]

    def __str__(self):
        return f"{self.minute:%Y-%m-%d %H:%M} {self.series} {self.key}: {self.count}"


class HourCount(models.Model):
    """The sum of an hour's MinuteCount rows, recomputed (set, not added) by the roll-up."""

    hour = models.DateTimeField()
    series = models.CharField(max_length=1, choices=Series.choices)
    key = models.CharField(max_length=255, blank=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", "series", "key"], name="analytics_hour_unique")]

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H}h {self.series} {self.key}: {self.count}"


class DayCount(models.Model):
    """A day's count (and value, for conversions and purchases), recomputed by the roll-up:
    from HourCount, from the HyperLogLog (uniques) or from the events tables."""

    day = models.DateField()
    series = models.CharField(max_length=1, choices=Series.choices)
    key = models.CharField(max_length=255, blank=True)
    count = models.BigIntegerField(default=0)
    value = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "series", "key"], name="analytics_day_unique")]
        indexes = [models.Index(fields=["series", "day"], name="analytics_day_series")]

    def __str__(self):
        return f"{self.day} {self.series} {self.key}: {self.count}"


class RolledClaim(models.Model):
    """A Redis claim (a renamed minute hash) already added to MinuteCount: a roll-up killed
    after its commit and before deleting the claim skips it when it runs again."""

    token = models.CharField(max_length=255, primary_key=True)
    rolled_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.token
