"""Search quality on the labeled sets of search/tests/quality (four sites, paraphrased,
exact-term and unanswerable questions, and three fresh held-out batches written after the
parameters were frozen), through the product's selector.

What must hold, on the calibration sites and on the held-out ones alike: the default
hybrid mode ranks at least as well as each of its parts (MRR@10), so fusing never
costs the visitor. On the whole set, issue 17's no-answer target (≥ 0.9 of the
unanswerable questions get an empty list, in hybrid and semantic mode: the background
gate of search.background) holds with the answers still found (recall@5, MRR@10). The
ranking floors sit a question or two under today's figures (docs/benchmarks.md: hybrid
MRR@10 0.911, recall@5 0.963, no-answer accuracy 0.971 on the whole set), so a model or
runtime swap that moves one borderline question does not fail the suite, while a broken
fusion, a lost relevance floor or a lost background gate does.

On the fresh batches (questions no choice was tuned on when they were written) the
ranking holds the same way (hybrid MRR >= semantic's on each batch, >= keyword's on the
final batch and pooled; see the test). The gate's rare-word
veto (search.background) was chosen on batches 1 and 2 (spent), then batch 3 was written:
on it hybrid recall@5 1.000, MRR@10 0.927, no-answer 0.917 (11 of 12), semantic no-answer
0.833; pooled over the three batches 0.889 (hybrid) and 0.833 (semantic) of 36
unanswerable questions (docs/benchmarks.md). FRESH_NO_ANSWER_FLOOR keeps that a question
or two under, as the floors above.
"""

import pytest
from django_tenants.utils import tenant_context

from search.selectors import Mode
from search.tests.quality import CALIBRATION, FRESH_FINAL, HELD_OUT, SITES
from search.tests.quality.evaluate import answers_score, scores_table, site_ask, site_load
from search.tests.quality.sets import Kind

HYBRID_MRR_FLOOR = 0.88
HYBRID_RECALL_FLOOR = 0.95
# Issue 17's target itself: 31.5 of the 35 unanswerable questions (today 34 hybrid, 33 semantic).
NO_ANSWER_TARGET = 0.9
# The three fresh batches pooled (2026-12-06, with the rare-word veto): hybrid recall@5
# 0.974, MRR@10 0.912, no-answer 0.889 (32 of 36; semantic 30); the floors sit a question or
# two under.
FRESH_RECALL_FLOOR = 0.94
FRESH_MRR_FLOOR = 0.88
FRESH_NO_ANSWER_FLOOR = 0.78


def test_the_set_has_the_size_and_mix_it_claims():
    questions = [question for site in SITES for question in site.questions]
    kinds = [question.kind for question in questions]
    assert len(SITES) >= 3 and sum(len(site.pages) for site in SITES) >= 40 and len(questions) >= 80
    assert kinds.count(Kind.EXACT) >= len(questions) / 3
    assert kinds.count(Kind.NONE) >= len(questions) / 5
    for site in SITES:
        slugs = {page["slug"] for page in site.pages}
        for question in site.questions + [q for batch in site.fresh.values() for q in batch]:
            assert (question.kind == Kind.NONE) == (not question.answers), question
            assert set(question.answers) <= slugs, question
    # Each fresh batch: at least 40 new questions in the same mix, none asked before it.
    asked = {question.text for question in questions}
    for batch in SITES[0].fresh:
        fresh = [question for site in SITES for question in site.fresh[batch]]
        kinds = [question.kind for question in fresh]
        assert len(fresh) >= 40, batch
        assert kinds.count(Kind.EXACT) >= len(fresh) / 3 and kinds.count(Kind.NONE) >= len(fresh) / 5, batch
        assert not asked & {question.text for question in fresh}, batch
        asked |= {question.text for question in fresh}
    assert FRESH_FINAL in SITES[0].fresh


@pytest.fixture
def answers(tenant_a, embedder):
    """Every question in every mode: the sites' own (a list of answers) and each fresh
    batch's (a dict by batch name), asked with each site loaded once."""
    collected, fresh = [], {batch: [] for batch in SITES[0].fresh}
    with tenant_context(tenant_a):
        for site in SITES:
            site_load(site, embedder=embedder)
            for mode in Mode:
                collected += site_ask(site, mode=mode, embedder=embedder)
                for batch in fresh:
                    fresh[batch] += site_ask(site, mode=mode, embedder=embedder, fresh=batch)
    return collected, fresh


def _scores(answers, sites):
    chosen = [answer for answer in answers if answer.site in sites]
    return {mode: answers_score(chosen, mode=mode) for mode in Mode}


def test_hybrid_ranks_at_least_as_well_as_each_part_and_drops_unrelated_questions(answers):
    answers, fresh = answers
    splits = {"calibration": CALIBRATION, "held-out": HELD_OUT, "all": tuple(site.name for site in SITES)}
    scores = {split: _scores(answers, sites) for split, sites in splits.items()}
    for split, rows in scores.items():
        print("\n" + scores_table(list(rows.values()), title=split))
    for split, rows in scores.items():
        hybrid = rows[Mode.HYBRID]
        assert hybrid.mrr >= rows[Mode.SEMANTIC].mrr, (split, hybrid.misses)
        assert hybrid.mrr >= rows[Mode.KEYWORD].mrr, (split, hybrid.misses)
    hybrid = scores["all"][Mode.HYBRID]
    assert hybrid.mrr >= HYBRID_MRR_FLOOR, hybrid.misses
    assert hybrid.recall >= HYBRID_RECALL_FLOOR, hybrid.misses
    # The questions written after the parameters were frozen: the same ordering holds against
    # semantic mode (the same gate) on each batch. Against keyword mode (no gate: an emptied
    # list is a miss only for the gated modes) on the final batch and the batches pooled, not
    # on batch 1 alone: there the rare-word veto empties two answerable lists ("my gums bleed
    # when I brush") and hybrid's MRR@10 is 0.864 against keyword's 0.879 (docs/benchmarks.md).
    for batch, batch_answers in fresh.items():
        rows = {mode: answers_score(batch_answers, mode=mode) for mode in Mode}
        print("\n" + scores_table(list(rows.values()), title=f"fresh {batch}"))
        assert rows[Mode.HYBRID].mrr >= rows[Mode.SEMANTIC].mrr, (batch, rows[Mode.HYBRID].misses)
        if batch == FRESH_FINAL:
            assert rows[Mode.HYBRID].mrr >= rows[Mode.KEYWORD].mrr, (batch, rows[Mode.HYBRID].misses)
    pooled_answers = [answer for batch in fresh.values() for answer in batch]
    pooled = answers_score(pooled_answers, mode=Mode.HYBRID)
    assert pooled.mrr >= answers_score(pooled_answers, mode=Mode.KEYWORD).mrr, pooled.misses
    assert pooled.recall >= FRESH_RECALL_FLOOR, pooled.misses
    assert pooled.mrr >= FRESH_MRR_FLOOR, pooled.misses


def test_unanswerable_questions_get_an_empty_list_at_the_target(answers):
    answers, fresh = answers
    rows = _scores(answers, tuple(site.name for site in SITES))
    for mode in (Mode.HYBRID, Mode.SEMANTIC):
        assert rows[mode].no_answer >= NO_ANSWER_TARGET, (mode, rows[mode].misses)
    # Fresh questions, pooled (see the module's docstring), kept from falling.
    pooled = [answer for batch in fresh.values() for answer in batch]
    for mode in (Mode.HYBRID, Mode.SEMANTIC):
        scores = answers_score(pooled, mode=mode, kinds=(Kind.NONE,))
        assert scores.unanswerable >= 36
        assert scores.no_answer >= FRESH_NO_ANSWER_FLOOR, (mode, scores.misses)
