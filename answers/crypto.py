"""The tenant's model API key at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived
from SECRET_KEY, so a database dump alone does not reveal it. Rotating SECRET_KEY makes stored
keys unreadable: answers then fall back to LLM_API_KEY, and the editor enters the key again."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"answers.llm-api-key:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def secret_decrypt(token: str) -> str:
    """The key, or "" when there is none or it was encrypted under another SECRET_KEY."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
