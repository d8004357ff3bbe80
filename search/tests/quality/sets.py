"""The shape of a quality set: a site's pages and the questions asked of it.

Three kinds of question, because a site search meets all three:

- `PARAPHRASE`: a visitor's own words, chosen to share few content words with the
  page that answers ("can I get my money back" for a page about refunds);
- `EXACT`: the site's own terms: product names, codes, prices, people, addresses
  ("VG-10", "€890 a month"), which a 384-dimension sentence model blurs;
- `NONE`: nothing on this site answers it (another site's subject, general knowledge,
  a typo storm, or a neighbouring service the site does not offer: `near`, another
  vehicle, drink or health service, the weather of the site's own city): the right
  result is an empty list.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    PARAPHRASE = "paraphrase"
    EXACT = "exact"
    NONE = "none"


@dataclass(frozen=True)
class Question:
    text: str
    kind: Kind
    # Slugs of the pages that answer it (any of them counts); empty for Kind.NONE.
    answers: tuple[str, ...] = ()
    # Kind.NONE only: about a service or place next to the site's own.
    near: bool = False


def paraphrase(text: str, *answers: str) -> Question:
    return Question(text, Kind.PARAPHRASE, answers)


def exact(text: str, *answers: str) -> Question:
    return Question(text, Kind.EXACT, answers)


def none(text: str, *, near: bool = False) -> Question:
    return Question(text, Kind.NONE, near=near)


@dataclass(frozen=True)
class Site:
    name: str
    pages: list[dict]
    questions: list[Question] = field(default_factory=list)
    # Batches of questions written after the method and its parameters were frozen, and
    # committed before they were ever asked (search/tests/quality/fresh.py): the held-out
    # figures, by batch name.
    fresh: dict[str, list[Question]] = field(default_factory=dict)
