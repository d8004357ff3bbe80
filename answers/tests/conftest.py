"""Fixtures of the answers tests: the fake model server (a real HTTP server) and the
model settings pointing at it."""

import pytest

from answers.tests.fake_llm import FakeModel


@pytest.fixture(scope="session")
def fake_model_server():
    server = FakeModel()
    yield server
    server.close()


@pytest.fixture
def fake_model(fake_model_server, settings):
    """The platform's model is the fake server (LLM_* settings), answering "echo"."""
    fake_model_server.reset()
    settings.LLM_BASE_URL = fake_model_server.base_url
    settings.LLM_MODEL = "fake-model"
    settings.LLM_API_KEY = "sk-test"
    settings.LLM_TIMEOUT = 2
    settings.LLM_RETRIES = 2
    return fake_model_server


@pytest.fixture
def no_model(settings):
    settings.LLM_BASE_URL = ""
