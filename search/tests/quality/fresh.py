"""Fresh held-out questions: written after the search method and its parameters were
frozen (config/settings/search.py, chosen by cross-validation on the sites' own
questions), from the pages' text, and committed before any of them was asked. They
played no part in any choice; bench/search_quality.py reports them as the `fresh` split.
Changing the method after measuring them spends them: a new batch is needed for the
next honest figure.
"""

from search.tests.quality.sets import Question

FRESH: dict[str, list[Question]] = {}
