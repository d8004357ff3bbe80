"""Labeled search-quality sets: four sites, their pages and the questions asked of them.

Test and benchmark data, not product code: `search/tests/test_quality.py` and
`bench/search_quality.py` read it. Each site is loaded alone into a tenant (through
content's services and the search index, as an editor's pages are) and every
question is asked in every mode through `search.selectors.search_pages`.

The split guards against tuning to the test: the fusion weight and the relevance
floor were chosen on CALIBRATION (the bike shop and acme) and are reported on
HELD_OUT (globex and the dental clinic) too, sites whose text played no part in the
choice.
"""

from search.tests.quality import acme, bikes, clinic, globex
from search.tests.quality.sets import Kind, Question, Site

SITES: list[Site] = [bikes.SITE, acme.SITE, globex.SITE, clinic.SITE]
CALIBRATION = ("bikes", "acme")
HELD_OUT = ("globex", "clinic")

__all__ = ["CALIBRATION", "HELD_OUT", "SITES", "Kind", "Question", "Site"]
