"""Load a quality site into the current tenant, ask its questions, score the answers.

Metrics, per mode:

- recall@5: share of answerable questions with an answer page among the first five;
- MRR@10: mean of 1/rank of the first answer page in the first ten (0 if absent);
- no-answer accuracy: share of Kind.NONE questions answered with an empty list (also
  split into unrelated questions and `near` ones, about a neighbouring service).

An answerable question that gets an empty list counts as a miss in recall and MRR, so
a floor that drops too much shows up there.
"""

from dataclasses import dataclass, field

from search.tests.quality.sets import Kind, Question, Site


@dataclass(frozen=True)
class Answer:
    site: str
    question: Question
    mode: str
    slugs: list[str]


@dataclass
class Scores:
    mode: str
    answerable: int = 0
    found_at_5: int = 0
    reciprocal: float = 0.0
    unanswerable: int = 0
    empty_when_none: int = 0
    near: int = 0
    empty_when_near: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found_at_5 / self.answerable if self.answerable else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.answerable if self.answerable else 0.0

    @property
    def no_answer(self) -> float:
        return self.empty_when_none / self.unanswerable if self.unanswerable else 0.0

    @property
    def no_answer_unrelated(self) -> float:
        unrelated = self.unanswerable - self.near
        return (self.empty_when_none - self.empty_when_near) / unrelated if unrelated else 0.0

    @property
    def no_answer_near(self) -> float:
        return self.empty_when_near / self.near if self.near else 0.0

    def as_dict(self) -> dict:
        return {
            "mode": self.mode,
            "recall_at_5": round(self.recall, 4),
            "mrr_at_10": round(self.mrr, 4),
            "no_answer_accuracy": round(self.no_answer, 4),
            "no_answer_unrelated": round(self.no_answer_unrelated, 4),
            "no_answer_near": round(self.no_answer_near, 4),
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
        }


def site_load(site: Site, *, embedder=None) -> None:
    """Replace the current tenant's pages with the site's, published and indexed."""
    from content.models import Page
    from content.services import page_create, page_publish
    from search.services import page_index

    Page.objects.all().delete()
    for spec in site.pages:
        page = page_publish(page=page_create(user=None, **spec), user=None)
        page_index(page_id=page.pk, embedder=embedder)


def site_ask(site: Site, *, mode: str, embedder=None, fresh: str | None = None) -> list[Answer]:
    """Every question of the site in one mode (those of its fresh held-out batch `fresh`
    instead, by name), through the product's selector."""
    from search.selectors import search_pages

    return [
        Answer(
            site=site.name,
            question=question,
            mode=mode,
            slugs=[hit.slug for hit in search_pages(query=question.text, mode=mode, limit=10, embedder=embedder)],
        )
        for question in (site.fresh[fresh] if fresh else site.questions)
    ]


def answers_score(answers: list[Answer], *, mode: str, kinds: tuple[Kind, ...] = tuple(Kind)) -> Scores:
    scores = Scores(mode=mode)
    for answer in answers:
        question = answer.question
        if answer.mode != mode or question.kind not in kinds:
            continue
        if question.kind == Kind.NONE:
            scores.unanswerable += 1
            scores.near += question.near
            if answer.slugs:
                scores.misses.append(f"[{answer.site}] {question.text!r} -> {answer.slugs[:3]}")
            else:
                scores.empty_when_none += 1
                scores.empty_when_near += question.near
            continue
        scores.answerable += 1
        ranks = [answer.slugs.index(slug) for slug in question.answers if slug in answer.slugs]
        rank = min(ranks) if ranks else None
        if rank is not None and rank < 5:
            scores.found_at_5 += 1
        if rank is not None:
            scores.reciprocal += 1 / (rank + 1)
        if rank != 0:
            where = "absent" if rank is None else f"rank {rank + 1}"
            scores.misses.append(f"[{answer.site}] {question.text!r} ({where}) -> {answer.slugs[:3]}")
    return scores


def scores_table(rows: list[Scores], *, title: str) -> str:
    header = f"{'mode':<10}{'recall@5':>10}{'MRR@10':>9}{'no-answer':>11}{'unrelated':>11}{'near':>7}"
    lines = [title, header + "   (answerable, unanswerable, near)"]
    for row in rows:
        figures = f"{row.recall:>10.3f}{row.mrr:>9.3f}{row.no_answer:>11.3f}"
        figures += f"{row.no_answer_unrelated:>11.3f}{row.no_answer_near:>7.3f}"
        lines.append(f"{row.mode:<10}{figures}   ({row.answerable}, {row.unanswerable}, {row.near})")
    return "\n".join(lines)
