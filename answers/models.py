"""Answers' rows, in each tenant's schema: the site's own model settings (one row) and
one trace per answer (cost and latency; the question only when the site keeps them)."""

from django.db import models


class AnswerSettings(models.Model):
    """The tenant's override of the platform's model (LLM_* settings), and its privacy
    choice. One row per tenant (answers.selectors.answer_settings_get creates it)."""

    base_url = models.URLField(
        blank=True,
        help_text="An OpenAI-compatible server for this site, e.g. https://api.openai.com/v1 "
        "(/chat/completions is appended). Empty: the platform's (LLM_BASE_URL), if any.",
    )
    model = models.CharField(max_length=200, blank=True, help_text="Empty: the platform's (LLM_MODEL).")
    # Fernet token of the key (answers.crypto), never shown back; empty: LLM_API_KEY.
    api_key_encrypted = models.TextField(blank=True, editable=False)
    extractive_only = models.BooleanField(
        default=False, help_text="Never call a model: answers are the site's own sentences."
    )
    keep_questions = models.BooleanField(
        default=False,
        help_text="Store each question with its answer trace (off: only tokens, latency and the outcome).",
    )

    class Meta:
        verbose_name = verbose_name_plural = "answer settings"

    def __str__(self) -> str:
        return "Answer settings"


class AnswerRecord(models.Model):
    """One answer given: what it cost and how long it took."""

    class Mode(models.TextChoices):
        MODEL = "model", "Model"
        EXTRACTIVE = "extractive", "Extractive"
        NONE = "none", "No answer on this site"

    class Surface(models.TextChoices):
        API = "api", "API"
        SITE = "site", "Site (Ask box)"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    mode = models.CharField(max_length=12, choices=Mode.choices)
    surface = models.CharField(max_length=8, choices=Surface.choices)
    streamed = models.BooleanField(default=False)
    model = models.CharField(max_length=200, blank=True)
    # As the server reported them (`usage`); estimated (characters / 4) when it did not.
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    tokens_estimated = models.BooleanField(default=False)
    latency_ms = models.PositiveIntegerField(default=0)
    first_byte_ms = models.PositiveIntegerField(null=True, blank=True)
    passages = models.PositiveSmallIntegerField(default=0)
    citations = models.PositiveSmallIntegerField(default=0)
    # Why a model answer fell back to extractive ("model timed out"...), empty otherwise.
    note = models.CharField(max_length=300, blank=True)
    question = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} answer at {self.created_at:%Y-%m-%d %H:%M}"
