"""The tenant admin's answer settings (key write-only, stored encrypted, per tenant) and
the answers tables in a freshly provisioned tenant (cloned from the template schema)."""

from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from answers.crypto import secret_decrypt
from answers.models import AnswerRecord, AnswerSettings
from answers.selectors import answer_settings_get, model_config_get
from content.tests.utils import admin_login


def test_editor_sets_the_model_and_the_key_is_stored_encrypted(tenant_a, tenant_b, client_a, editor_a):
    admin_login(client_a, editor_a)
    form = {
        "base_url": "https://llm.example/v1",
        "model": "tenant-model",
        "api_key": "sk-alpha-secret",
        "keep_questions": "on",
    }
    response = client_a.post("/admin/answers/answersettings/add/", form)
    assert response.status_code == 302, response.content
    with tenant_context(tenant_a):
        row = AnswerSettings.objects.get()
        assert "sk-alpha-secret" not in row.api_key_encrypted and secret_decrypt(row.api_key_encrypted) == (
            "sk-alpha-secret"
        )
        config = model_config_get(answer_settings_get())
        assert (config.base_url, config.model, config.api_key) == (
            "https://llm.example/v1",
            "tenant-model",
            "sk-alpha-secret",
        )
    # The change page never shows the key back; saving without one keeps it.
    page = client_a.get(f"/admin/answers/answersettings/{row.pk}/change/").text
    assert "sk-alpha-secret" not in page and row.api_key_encrypted not in page
    client_a.post(f"/admin/answers/answersettings/{row.pk}/change/", {**form, "api_key": "", "model": "other"})
    with tenant_context(tenant_a):
        row.refresh_from_db()
        assert row.model == "other" and secret_decrypt(row.api_key_encrypted) == "sk-alpha-secret"
    # Another tenant has none of it.
    with tenant_context(tenant_b):
        assert not AnswerSettings.objects.exists()
        assert model_config_get(answer_settings_get()) is None  # no platform model in tests


def test_a_new_tenant_has_the_answers_tables(db):
    from tenants import services

    tenant = services.tenant_provision(name="answers_fresh", display_name="Fresh")
    with schema_context(tenant.schema_name):
        tables = connection.introspection.table_names()
        assert {"answers_answersettings", "answers_answerrecord"} <= set(tables)
        assert AnswerRecord.objects.count() == 0
