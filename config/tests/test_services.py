import os
import subprocess
import sys
import threading
import time

import psycopg
import redis

from config import runlock, services
from config.testing import ROOT, service_env


def test_embedded_services_start_from_an_empty_data_dir_and_stop(tmp_path):
    pg_url = services.postgres_url(tmp_path)
    redis_url = services.redis_url(tmp_path)
    try:
        with psycopg.connect(pg_url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            conn.execute("CREATE EXTENSION vector")
            assert conn.execute("SELECT '[1,2]'::vector <-> '[1,3]'::vector").fetchone()[0] == 1.0
        assert version.startswith("18.")
        assert redis.Redis.from_url(redis_url).ping()
        # A second call reuses the running servers instead of starting new ones.
        assert services.postgres_url(tmp_path) == pg_url
        assert services.redis_url(tmp_path) == redis_url
    finally:
        services.redis_stop(tmp_path)
        services.postgres_stop(tmp_path)
    assert not (tmp_path / "pg" / "postmaster.pid").exists()
    assert not os.path.exists(tmp_path / "redis" / "redis.sock")


def test_a_server_whose_bin_run_is_stopping_is_not_reused_but_waited_for(tmp_path):
    # manage.py (or a test) asking for the embedded Redis while the bin/run that owns it is
    # stopping: reusing it would hand out a server about to vanish (issue 10's 500s).
    services.redis_url(tmp_path)
    owner = runlock.RunLock(tmp_path, url="http://localhost:1/")
    owner.acquire(wait=0)
    owner.publish("stopping")
    got = {}

    def reuse():
        got["url"] = services.redis_url(tmp_path)
        got["at"] = time.monotonic()

    asker = threading.Thread(target=reuse)
    try:
        asker.start()
        time.sleep(1)
        assert "url" not in got  # still waiting: the Redis answers, but its owner is stopping it
        services.redis_stop(tmp_path)  # what the owner does, then it lets go
        released = time.monotonic()
        owner.release()
        asker.join(timeout=30)
        assert got["at"] >= released
        assert redis.Redis.from_url(got["url"]).ping()  # a fresh one, started after the owner left
    finally:
        owner.release()
        asker.join(timeout=30)
        services.redis_stop(tmp_path)


def test_redis_url_helpers():
    assert services.redis_with_db("unix:///x/redis.sock", 1) == "unix:///x/redis.sock?db=1"
    assert services.redis_with_db("redis://cache:6379/0", 1) == "redis://cache:6379/1"
    assert services.redis_for_kombu("unix:///x/redis.sock") == "redis+socket:///x/redis.sock"
    assert services.redis_for_kombu("redis://h:6379/0") == "redis://h:6379/0"


def test_check_deploy_is_clean_with_debug_off(db):
    env = service_env(DEBUG="0", SECRET_KEY="x" * 60 + "-not-a-real-key-but-long-and-random-enough-7Qz")
    env.pop("HTTPS", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
