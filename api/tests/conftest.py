"""Fixtures of the API tests: tokens and keys obtained through the API itself (helpers in
utils.py)."""

import pytest
import redis.connection

from api.tests.utils import user_with_perms


@pytest.fixture
def plain_user_a(tenant_a):
    """A user of tenant A with no permission at all."""
    return user_with_perms(tenant_a, "nobody@alpha.example", [])


@pytest.fixture
def viewer_a(tenant_a):
    """A user of tenant A who may view pages and nothing else."""
    return user_with_perms(tenant_a, "viewer@alpha.example", ["view_page"])


@pytest.fixture
def redis_round_trips(monkeypatch):
    """The packed commands sent to Redis, one entry per round trip (a command, or a whole
    pipeline). A counter around redis-py's own method: the real server still answers."""
    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    return sent
