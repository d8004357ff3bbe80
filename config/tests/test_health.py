def test_healthz_answers_on_any_host(db, client):
    for host in ("alpha.localhost", "localhost", "10.0.0.7", "unknown.example"):
        response = client.get("/healthz", HTTP_HOST=host)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_redis(db, client):
    response = client.get("/readyz", HTTP_HOST="alpha.localhost")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
