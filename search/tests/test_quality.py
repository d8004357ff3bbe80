"""Search quality on the labeled sets of search/tests/quality (four sites, paraphrased,
exact-term and unanswerable questions), through the product's selector.

What must hold, on the calibration sites and on the held-out ones alike: the default
hybrid mode ranks at least as well as each of its parts (MRR@10), so fusing never
costs the visitor. On the whole set, issue 17's no-answer target (≥ 0.9 of the
unanswerable questions get an empty list, in hybrid and semantic mode: the background
gate of search.background) holds with the answers still found (recall@5, MRR@10). The
ranking floors sit a question or two under today's figures (docs/benchmarks.md: hybrid
MRR@10 0.911, recall@5 0.970, no-answer accuracy 0.943 on the whole set), so a model or
runtime swap that moves one borderline question does not fail the suite, while a broken
fusion, a lost relevance floor or a lost background gate does.
"""

import pytest
from django_tenants.utils import tenant_context

from search.selectors import Mode
from search.tests.quality import CALIBRATION, HELD_OUT, SITES
from search.tests.quality.evaluate import answers_score, scores_table, site_ask, site_load
from search.tests.quality.sets import Kind

HYBRID_MRR_FLOOR = 0.88
HYBRID_RECALL_FLOOR = 0.95
# Issue 17's target itself: 31.5 of the 35 unanswerable questions (today 33).
NO_ANSWER_TARGET = 0.9


def test_the_set_has_the_size_and_mix_it_claims():
    questions = [question for site in SITES for question in site.questions]
    kinds = [question.kind for question in questions]
    assert len(SITES) >= 3 and sum(len(site.pages) for site in SITES) >= 40 and len(questions) >= 80
    assert kinds.count(Kind.EXACT) >= len(questions) / 3
    assert kinds.count(Kind.NONE) >= len(questions) / 5
    for site in SITES:
        slugs = {page["slug"] for page in site.pages}
        for question in site.questions:
            assert (question.kind == Kind.NONE) == (not question.answers), question
            assert set(question.answers) <= slugs, question


@pytest.fixture
def answers(tenant_a, embedder):
    collected = []
    with tenant_context(tenant_a):
        for site in SITES:
            site_load(site, embedder=embedder)
            for mode in Mode:
                collected += site_ask(site, mode=mode, embedder=embedder)
    return collected


def _scores(answers, sites):
    chosen = [answer for answer in answers if answer.site in sites]
    return {mode: answers_score(chosen, mode=mode) for mode in Mode}


def test_hybrid_ranks_at_least_as_well_as_each_part_and_drops_unrelated_questions(answers):
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


def test_unanswerable_questions_get_an_empty_list_at_the_target(answers):
    rows = _scores(answers, tuple(site.name for site in SITES))
    for mode in (Mode.HYBRID, Mode.SEMANTIC):
        assert rows[mode].no_answer >= NO_ANSWER_TARGET, (mode, rows[mode].misses)
