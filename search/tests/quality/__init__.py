"""Labeled search-quality sets: four sites, their pages and the questions asked of them.

Test and benchmark data, not product code: `search/tests/test_quality.py` and
`bench/search_quality.py` read it. Each site is loaded alone into a tenant (through
content's services and the search index, as an editor's pages are) and every
question is asked in every mode through `search.selectors.search_pages`.

Against tuning to the test: the first pass chose the fusion weight and the floors on
CALIBRATION (the bike shop and acme) and reported HELD_OUT (globex and the dental
clinic); the parameters shipped now were chosen by leave-one-site-out cross-validation
over all four (bench/search_quality.py --cv), then frozen, and each site's `fresh`
questions (fresh.py), written afterwards and never used for a choice, are the held-out
figure.
"""

from dataclasses import replace

from search.tests.quality import acme, bikes, clinic, globex
from search.tests.quality.fresh import FRESH, FRESH_2, FRESH_3
from search.tests.quality.sets import Kind, Question, Site

SITES: list[Site] = [
    replace(
        site,
        fresh={
            "batch1": FRESH.get(site.name, []),
            "batch2": FRESH_2.get(site.name, []),
            "batch3": FRESH_3.get(site.name, []),
        },
    )
    for site in (bikes.SITE, acme.SITE, globex.SITE, clinic.SITE)
]
# The batch no choice was made on: the final held-out figure.
FRESH_FINAL = "batch3"
CALIBRATION = ("bikes", "acme")
HELD_OUT = ("globex", "clinic")

__all__ = ["CALIBRATION", "FRESH_FINAL", "HELD_OUT", "SITES", "Kind", "Question", "Site"]
