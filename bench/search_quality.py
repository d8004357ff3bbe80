"""Search quality: recall@5, MRR@10 and no-answer accuracy of each mode on the labeled
sets of search/tests/quality (four sites, each in a tenant of its own, created once:
`quality_<site>`), on the calibration sites, the held-out sites, all of them and each
one, and on the fresh held-out questions (search/tests/quality/fresh.py), written after
the parameters were frozen.

    .venv/bin/python bench/search_quality.py [--analyze] [--misses] [--set NAME=VALUE ...]
                                             [--sweep NAME=V1,V2,...] [--no-write]

--analyze   runs ANALYZE after loading, as autovacuum does on a live site (the keyword
            ranking then reads PostgreSQL's lexeme statistics instead of counting).
--set       overrides a setting for the run (SEARCH_KEYWORD_WEIGHT=0.3).
--sweep     runs once per value of one setting and prints a line each (calibration).
--misses    prints the questions each mode got wrong.
--cv-veto   chooses the rare-word veto (search.background.rare_words) the same way,
            everything else frozen (below); figures go to docs/bench/search_quality_veto.json.
--gate-cost times hybrid search_pages on every question with the rare-word veto on and
            off (interleaved, warm, in process) and the vocabulary statement alone;
            figures go to docs/bench/search_gate_cost.json.
--cv        chooses the hybrid parameters by leave-one-site-out cross-validation (below)
            and prints the fold choices, the cross-validated figures and the choice on
            all four sites; figures go to docs/bench/search_quality_cv.json.
Without --sweep, --set or --cv, figures go to docs/bench/search_quality.json.

Cross-validation (--cv): every question is asked once per (SEARCH_KEYWORD_WEIGHT,
SEARCH_SENTENCE_WEIGHT) of the grid with the floor and the gate off, keeping each hit's
score and the question's background similarity; the floor (SEARCH_MIN_SCORE) and the
gate's margin (SEARCH_BACKGROUND_MARGIN) only remove hits, so they are applied to those
lists afterwards, exactly as search_pages does. For each site, the four parameters that
maximise the objective on the *other three* sites are applied to it: the pooled figures
of the four left-out sites are what the choice rule is worth on a site it never saw. The
objective is the mean of recall@5, MRR@10 and no-answer accuracy (issue 17's three
targets, equally weighted), over the fitting sites' questions pooled; ties go to the
first point of the grid (smaller weights, lower floor, larger margin: fewer dropped
answers). Semantic mode's floor is then chosen the same way at the chosen sentence weight.

The rare-word veto (--cv-veto, issue 17's third pass): the weights, floors and margin stay
as shipped; the questions are the sites' own and both fresh batches (all of them spent by
earlier choices; the next fresh batch is the held-out one). Each question's hybrid and
semantic lists are taken once with the floor and the gate off, with its background
similarity and the words it holds that the site never uses (with their Zipf frequency);
then for each veto (a word rarer than Z that the site never uses removes the list when the
best page's similarity is under S, or under the background similarity minus m) the floor,
the gate and the veto are applied as search_pages does, and the choice is made per left-out
site on the other three, as above.
"""

import argparse
import functools
import itertools
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _common import load_average, results_write  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from search.background import background_similarity, rare_words, word_zipf, words_known  # noqa: E402
from search.embedders import embedder_get  # noqa: E402
from search.selectors import Mode, query_embedding, query_text, search_pages  # noqa: E402
from search.tests.quality import CALIBRATION, FRESH_FINAL, HELD_OUT, SITES  # noqa: E402
from search.tests.quality.evaluate import Answer, answers_score, scores_table, site_ask, site_load  # noqa: E402
from search.tests.quality.sets import Kind  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.models import Tenant  # noqa: E402

MODES = (Mode.SEMANTIC, Mode.KEYWORD, Mode.HYBRID)
SPLITS = {"calibration": CALIBRATION, "held-out": HELD_OUT, "all": tuple(site.name for site in SITES)}


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def tenants_loaded(*, embedder, analyze: bool) -> dict:
    tenants = {}
    for site in SITES:
        name = f"quality_{site.name}"
        tenant = Tenant.objects.filter(schema_name=name).first() or tenant_services.tenant_provision(
            name=name, display_name=f"Search quality: {site.name}"
        )
        with tenant_context(tenant):
            site_load(site, embedder=embedder)
            if analyze:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE search_chunk")
        tenants[site.name] = tenant
    return tenants


def evaluate(tenants: dict, *, embedder, fresh: str | None = None) -> list:
    answers = []
    for site in SITES:
        with tenant_context(tenants[site.name]):
            for mode in MODES:
                answers += site_ask(site, mode=mode, embedder=embedder, fresh=fresh)
    return answers


def split_scores(answers: list, *, split: str, kinds=tuple(Kind)) -> list:
    sites = SPLITS.get(split, (split,))  # a split's sites, or one site by name
    chosen = [answer for answer in answers if answer.site in sites]
    return [answers_score(chosen, mode=mode, kinds=kinds) for mode in MODES]


# The cross-validation grid (--cv). Around the values chosen on calibration in issue 17's
# first pass (w 0.15, lambda 0.5, floor 0.235, margin 0.1), wide enough that the edge is
# never the choice unless the data pushes there.
CV_KEYWORD_WEIGHTS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
CV_SENTENCE_WEIGHTS = (0.25, 0.5, 0.75, 1.0)
CV_FLOORS = tuple(round(0.15 + 0.01 * i, 2) for i in range(21))  # 0.15 ... 0.35
CV_MARGINS = (0.16, 0.14, 0.12, 0.1, 0.08, 0.06, 0.04)


def raw_lists(tenants: dict, *, mode: Mode, embedder, overrides: dict) -> dict:
    """{(site, question text): [(slug, score, share), ...]} with the floor and the gate off."""
    lists = {}
    with override_settings(**overrides, SEARCH_BACKGROUND_MARGIN=9.0, SEARCH_RARE_WORD_ZIPF=0.0):
        for site in SITES:
            with tenant_context(tenants[site.name]):
                for question in site.questions:
                    hits = search_pages(query=question.text, mode=mode, limit=10, embedder=embedder, min_score=-9.0)
                    lists[(site.name, question.text)] = [(hit.slug, hit.score, hit.share) for hit in hits]
    return lists


def background_of(embedder) -> dict:
    """Each question's similarity with its closest background line (the gate's input)."""
    return {
        question.text: background_similarity(
            query_embedding(query_text(question.text), embedder=embedder), embedder=embedder
        )
        for site in SITES
        for question in site.questions
    }


def cut(
    hits: list,
    *,
    floor: float,
    margin: float,
    background: float,
    weight: float,
    unknown: tuple = (),
    veto: tuple | None = None,
) -> list[str]:
    """search_pages' floor and gate (search.selectors.background_passes) applied to a raw
    list; `weight` is the keyword weight of hybrid scores, 0 for semantic ones. `unknown`:
    the question's content words (word, zipf, known by the site); `veto`: (Z, S, m, strict):
    a word rarer than Z the site never uses (Z < 0: the unknown words hold at least -Z of
    the question's information, 8 - zipf a word) removes the list when the best page's
    similarity is under max(S, background - m); `strict`: a keyword match too."""
    kept = [hit for hit in hits if hit[1] >= floor]
    if kept:
        _, score, share = kept[0]
        keyword_match = weight > 0 and share >= settings.SEARCH_SNIPPET_KEYWORD_SHARE
        similarity = score - weight * share
        if not keyword_match and similarity < background - margin:
            return []
        if veto is not None and (veto[3] or not keyword_match) and vetoed(similarity, background, unknown, veto):
            return []
    return [slug for slug, _, _ in kept]


def vetoed(similarity: float, background: float, unknown: tuple, veto: tuple) -> bool:
    zipf, floor, margin, _ = veto
    if zipf >= 0 and not any(word_z < zipf for _, word_z, known in unknown if not known):
        return False
    if zipf < 0:
        total = sum(8 - word_z for _, word_z, _ in unknown)
        if not total or sum(8 - word_z for _, word_z, known in unknown if not known) < -zipf * total:
            return False
    return similarity < max(floor, background - margin)


def cut_answers(
    lists: dict, backgrounds: dict, *, mode: Mode, floor: float, margin: float, sites, weight: float = 0.0
) -> list:
    return [
        Answer(
            site=site.name,
            question=question,
            mode=mode,
            slugs=cut(
                lists[(site.name, question.text)],
                floor=floor,
                margin=margin,
                background=backgrounds[question.text],
                weight=weight,
            ),
        )
        for site in SITES
        if site.name in sites
        for question in site.questions
    ]


def objective(scores) -> float:
    return (scores.recall + scores.mrr + scores.no_answer) / 3


def cv_fit(raw: dict, backgrounds: dict, *, mode: Mode, sites) -> tuple[tuple, float]:
    """The grid point (lists key, floor, margin) with the best objective on `sites`."""
    best, best_value = None, -1.0
    for key, lists in raw.items():
        for floor, margin in itertools.product(CV_FLOORS, CV_MARGINS):
            weight = key[0] if mode == Mode.HYBRID else 0.0
            answers = cut_answers(lists, backgrounds, mode=mode, floor=floor, margin=margin, sites=sites, weight=weight)
            value = objective(answers_score(answers, mode=mode))
            if value > best_value + 1e-9:
                best, best_value = (key, floor, margin), value
    return best, best_value


def cross_validate(tenants: dict, *, embedder) -> dict:
    names = [site.name for site in SITES]
    backgrounds = background_of(embedder)
    raw = {}
    grid = list(itertools.product(CV_KEYWORD_WEIGHTS, CV_SENTENCE_WEIGHTS))
    for i, (weight, sentence) in enumerate(grid, 1):
        overrides = {"SEARCH_KEYWORD_WEIGHT": weight, "SEARCH_SENTENCE_WEIGHT": sentence}
        raw[(weight, sentence)] = raw_lists(tenants, mode=Mode.HYBRID, embedder=embedder, overrides=overrides)
        print(f"  hybrid lists {i}/{len(grid)} (w {weight}, lambda {sentence})  {load_average()}", flush=True)
    record = {"objective": "mean of recall@5, MRR@10, no-answer accuracy", "folds": {}}
    left_out = []
    print(f"\n{'left out':<10}{'w':>6}{'lambda':>8}{'floor':>7}{'margin':>8}{'fit obj':>9}  on the left-out site")
    for name in names:
        fitting = tuple(other for other in names if other != name)
        (key, floor, margin), value = cv_fit(raw, backgrounds, mode=Mode.HYBRID, sites=fitting)
        answers = cut_answers(
            raw[key], backgrounds, mode=Mode.HYBRID, floor=floor, margin=margin, sites=(name,), weight=key[0]
        )
        left_out += answers
        row = answers_score(answers, mode=Mode.HYBRID)
        record["folds"][name] = {
            "keyword_weight": key[0],
            "sentence_weight": key[1],
            "floor": floor,
            "margin": margin,
            "fit_objective": round(value, 4),
            "left_out": row.as_dict(),
        }
        print(
            f"{name:<10}{key[0]:>6}{key[1]:>8}{floor:>7}{margin:>8}{value:>9.3f}  "
            f"recall@5 {row.recall:.3f}  MRR {row.mrr:.3f}  no-answer {row.no_answer:.3f}"
        )
    pooled = answers_score(left_out, mode=Mode.HYBRID)
    record["cross_validated"] = pooled.as_dict()
    print("\n" + scores_table([pooled], title="hybrid, each site with the parameters fitted on the other three"))
    (key, floor, margin), value = cv_fit(raw, backgrounds, mode=Mode.HYBRID, sites=tuple(names))
    record["chosen"] = {"keyword_weight": key[0], "sentence_weight": key[1], "floor": floor, "margin": margin}
    print(f"\nchosen on all four sites: w {key[0]}, lambda {key[1]}, floor {floor}, margin {margin}", end=" ")
    print(f"(objective {value:.3f})")
    # Semantic mode's own floor, at the chosen sentence weight and margin.
    semantic = raw_lists(tenants, mode=Mode.SEMANTIC, embedder=embedder, overrides={"SEARCH_SENTENCE_WEIGHT": key[1]})
    best, best_value = None, -1.0
    for semantic_floor in CV_FLOORS:
        answers = cut_answers(
            semantic, backgrounds, mode=Mode.SEMANTIC, floor=semantic_floor, margin=margin, sites=tuple(names)
        )
        semantic_value = objective(answers_score(answers, mode=Mode.SEMANTIC))
        if semantic_value > best_value + 1e-9:
            best, best_value = semantic_floor, semantic_value
    record["chosen"]["semantic_floor"] = best
    print(f"semantic floor at lambda {key[1]}, margin {margin}: {best} (objective {best_value:.3f})")
    return record


# The veto's grid: Z (a word rarer than this in English), and the meaning match under which
# it vetoes: an absolute similarity, or relative to the background similarity. Ordered
# from the mildest (ties go to the first: fewer dropped answers).
VETO_ZIPFS = (2.5, 3.0, 3.5, 4.0, 4.5, 5.0, -0.8, -0.7, -0.6, -0.5, -0.4, -0.3)
VETO_FLOORS = (0.0, *(round(0.3 + 0.025 * i, 3) for i in range(13)))  # 0 = off, 0.3 ... 0.6
VETO_MARGINS = (9.0, *(round(0.1 - 0.025 * i, 3) for i in range(11)))  # 9 = off, 0.1 ... -0.15
VETO_GRID = [None] + [
    (zipf, floor, margin, strict)
    for zipf in VETO_ZIPFS
    for floor in VETO_FLOORS
    for margin in VETO_MARGINS
    for strict in (False, True)
    if floor or margin < 9
]
DEV_BATCHES = ("batch1", "batch2")


def dev_questions(site) -> list:
    return list(site.questions) + [question for batch in DEV_BATCHES for question in site.fresh.get(batch, [])]


def veto_inputs(tenants: dict, *, embedder) -> tuple[dict, dict, dict]:
    """Per (site, question): hybrid and semantic lists with floor and gate off, the
    background similarity, and the words the site never uses with their Zipf frequency."""
    lists = {Mode.HYBRID: {}, Mode.SEMANTIC: {}}
    backgrounds, unknown = {}, {}
    with override_settings(SEARCH_BACKGROUND_MARGIN=9.0, SEARCH_RARE_WORD_ZIPF=0.0):
        for site in SITES:
            with tenant_context(tenants[site.name]):
                for question in dev_questions(site):
                    key = (site.name, question.text)
                    for mode in lists:
                        hits = search_pages(query=question.text, mode=mode, limit=10, embedder=embedder, min_score=-9.0)
                        lists[mode][key] = [(hit.slug, hit.score, hit.share) for hit in hits]
                    vector = query_embedding(query_text(question.text), embedder=embedder)
                    backgrounds[key] = background_similarity(vector, embedder=embedder)
                    known = words_known(rare_words(query_text(question.text), below=99.0))
                    unknown[key] = tuple(
                        (word, word_zipf(word), is_known) for word, is_known in known.items() if is_known is not None
                    )
            print(f"  {site.name}: {len(dev_questions(site))} questions  {load_average()}", flush=True)
    return lists, backgrounds, unknown


def veto_answers(lists, backgrounds, unknown, *, mode: Mode, veto, sites) -> list:
    weight = settings.SEARCH_KEYWORD_WEIGHT if mode == Mode.HYBRID else 0.0
    floor = settings.SEARCH_MIN_SCORE if mode == Mode.HYBRID else settings.SEARCH_MIN_SIMILARITY
    return [
        Answer(
            site=site.name,
            question=question,
            mode=mode,
            slugs=cut(
                lists[mode][(site.name, question.text)],
                floor=floor,
                margin=settings.SEARCH_BACKGROUND_MARGIN,
                background=backgrounds[(site.name, question.text)],
                weight=weight,
                unknown=unknown[(site.name, question.text)],
                veto=veto,
            ),
        )
        for site in SITES
        if site.name in sites
        for question in dev_questions(site)
    ]


def veto_fit(lists, backgrounds, unknown, *, sites) -> tuple:
    best, best_value = None, -1.0
    for veto in VETO_GRID:
        answers = veto_answers(lists, backgrounds, unknown, mode=Mode.HYBRID, veto=veto, sites=sites)
        value = objective(answers_score(answers, mode=Mode.HYBRID))
        if value > best_value + 1e-9:
            best, best_value = veto, value
    return best, best_value


def cross_validate_veto(tenants: dict, *, embedder, misses: bool) -> dict:
    names = tuple(site.name for site in SITES)
    lists, backgrounds, unknown = veto_inputs(tenants, embedder=embedder)
    record = {"objective": "mean of recall@5, MRR@10, no-answer accuracy", "questions": "own + batch1 + batch2"}
    record["folds"] = {}
    left_out = {mode: [] for mode in lists}
    print(f"\n{'left out':<10}{'veto (Z, S, m, strict)':<30}{'fit obj':>8}  on the left-out site (hybrid)")
    for name in names:
        fitting = tuple(other for other in names if other != name)
        veto, value = veto_fit(lists, backgrounds, unknown, sites=fitting)
        for mode in lists:
            left_out[mode] += veto_answers(lists, backgrounds, unknown, mode=mode, veto=veto, sites=(name,))
        row = answers_score([a for a in left_out[Mode.HYBRID] if a.site == name], mode=Mode.HYBRID)
        record["folds"][name] = {"veto": veto, "fit_objective": round(value, 4), "left_out": row.as_dict()}
        print(
            f"{name:<10}{veto!s:<30}{value:>8.3f}  recall@5 {row.recall:.3f}  MRR {row.mrr:.3f}  "
            f"no-answer {row.no_answer:.3f}"
        )

    def figures(veto) -> dict:
        return {
            mode: answers_score(veto_answers(lists, backgrounds, unknown, mode=mode, veto=veto, sites=names), mode=mode)
            for mode in lists
        }

    before = figures(None)
    pooled = {mode: answers_score(left_out[mode], mode=mode) for mode in lists}
    print("\n" + scores_table(list(before.values()), title="without the veto (the gate as shipped)"))
    print("\n" + scores_table(list(pooled.values()), title="each site with the veto fitted on the other three"))
    record["without_veto"] = {mode: row.as_dict() for mode, row in before.items()}
    record["cross_validated"] = {mode: row.as_dict() for mode, row in pooled.items()}
    veto, value = veto_fit(lists, backgrounds, unknown, sites=names)
    record["chosen"] = veto
    chosen = figures(veto)
    print(f"\nchosen on all four sites: {veto} (objective {value:.3f})")
    print(scores_table(list(chosen.values()), title="the chosen veto on all dev questions (fitted)"))
    record["chosen_figures"] = {mode: row.as_dict() for mode, row in chosen.items()}
    if misses:
        for mode, row in chosen.items():
            print(f"\n  {mode} misses with the chosen veto ({len(row.misses)}):")
            for miss in row.misses:
                print(f"    {miss}")
        print("\n  unknown words per no-answer question / vetoed answerable ones:")
        for key, words in unknown.items():
            print(f"    {key}: {words}  bg {backgrounds[key]:.3f}  top {lists[Mode.HYBRID][key][:1]}")
    return record


def gate_cost(tenants: dict, *, embedder, rounds: int = 5) -> dict:
    """Hybrid search_pages per question, the veto on and off in alternation (warm: each
    question asked once before), and the vocabulary statement alone for the questions that
    hold a rare word."""
    import statistics
    import time

    def timed(call) -> float:
        start = time.perf_counter()
        call()
        return (time.perf_counter() - start) * 1000

    on, off, vocabulary = [], [], []
    for site in SITES:
        questions = [q.text for q in site.questions] + [q.text for b in site.fresh.values() for q in b]
        with tenant_context(tenants[site.name]):
            for text in questions:
                search_pages(query=text, mode=Mode.HYBRID, embedder=embedder)
            for round_ in range(rounds):
                for text in questions:
                    ask = functools.partial(search_pages, query=text, mode=Mode.HYBRID, embedder=embedder)
                    order = (True, False) if round_ % 2 == 0 else (False, True)
                    for veto in order:
                        if veto:
                            on.append(timed(ask))
                        else:
                            with override_settings(SEARCH_RARE_WORD_ZIPF=0.0):
                                off.append(timed(ask))
                    words = rare_words(query_text(text), below=settings.SEARCH_RARE_WORD_ZIPF)
                    if words:
                        vocabulary.append(timed(functools.partial(words_known, words)))
        print(f"  {site.name}: {len(questions)} questions x {rounds} rounds  {load_average()}", flush=True)
    record = {
        "rounds": rounds,
        "queries": len(on),
        "hybrid_p50_ms_veto_on": round(statistics.median(on), 3),
        "hybrid_p50_ms_veto_off": round(statistics.median(off), 3),
        "hybrid_mean_ms_veto_on": round(statistics.fmean(on), 3),
        "hybrid_mean_ms_veto_off": round(statistics.fmean(off), 3),
        "vocabulary_statement_p50_ms": round(statistics.median(vocabulary), 3) if vocabulary else None,
        "vocabulary_statements": len(vocabulary),
        "load_average": load_average(),
    }
    for key, value in record.items():
        print(f"{key:>32}: {value}")
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--analyze", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--sweep", metavar="NAME=V1,V2,...")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--cv-veto", action="store_true")
    parser.add_argument("--gate-cost", action="store_true")
    args = parser.parse_args()
    overrides = {name: _value(value) for name, value in (item.split("=", 1) for item in args.set)}

    call_command("migrate_schemas", interactive=False, verbosity=0)
    embedder = embedder_get()
    print(f"loading {len(SITES)} sites ({sum(len(site.pages) for site in SITES)} pages) ...", flush=True)
    tenants = tenants_loaded(embedder=embedder, analyze=args.analyze)
    print(f"== {load_average()}  analyzed: {args.analyze}  overrides: {overrides or 'none'}")

    if args.gate_cost:
        record = gate_cost(tenants, embedder=embedder)
        if not args.no_write:
            results_write("search_gate_cost", record)
        return 0

    if args.cv_veto:
        record = cross_validate_veto(tenants, embedder=embedder, misses=args.misses)
        print(f"\n== done ({load_average()})")
        if not args.no_write:
            results_write("search_quality_veto", record)
        return 0

    if args.cv:
        record = cross_validate(tenants, embedder=embedder)
        print(f"\n== done ({load_average()})")
        if not args.no_write:
            results_write("search_quality_cv", record)
        return 0

    if args.sweep:
        name, values = args.sweep.split("=", 1)
        print(f"{name:>28}  {'split':<12}{'mode':<10}{'recall@5':>9}{'MRR@10':>8}{'no-ans':>8}")
        for value in values.split(","):
            with override_settings(**overrides, **{name: _value(value)}):
                answers = evaluate(tenants, embedder=embedder)
            for split in ("calibration", "held-out"):
                for row in split_scores(answers, split=split):
                    print(
                        f"{value:>28}  {split:<12}{row.mode:<10}{row.recall:>9.3f}{row.mrr:>8.3f}{row.no_answer:>8.3f}"
                    )
        return 0

    with override_settings(**overrides):
        answers = evaluate(tenants, embedder=embedder)
        batches = {name: evaluate(tenants, embedder=embedder, fresh=name) for name in SITES[0].fresh}
    record = {
        "analyzed": args.analyze,
        "overrides": overrides,
        "final_batch": FRESH_FINAL,
        "splits": {},
        "fresh": {},
        "sites": {},
    }
    for split in SPLITS:
        rows = split_scores(answers, split=split)
        print("\n" + scores_table(rows, title=f"{split} ({', '.join(SPLITS[split])})"))
        record["splits"][split] = {row.mode: row.as_dict() for row in rows}
        if args.misses and split == "all":
            for row in rows:
                print(f"\n  {row.mode} misses ({len(row.misses)}):")
                for miss in row.misses:
                    print(f"    {miss}")
    for kind in (Kind.PARAPHRASE, Kind.EXACT):
        rows = split_scores(answers, split="all", kinds=(kind,))
        print("\n" + scores_table(rows, title=f"all sites, {kind} questions only"))
        record["splits"][f"all-{kind}"] = {row.mode: row.as_dict() for row in rows}
    for site in SITES:
        rows = split_scores(answers, split=site.name)
        print("\n" + scores_table(rows, title=f"site {site.name}, its questions"))
        record["sites"][site.name] = {row.mode: row.as_dict() for row in rows}
    names = tuple(site.name for site in SITES)
    for batch, fresh in batches.items():
        final = " (the final held-out figure)" if batch == FRESH_FINAL else " (spent: a choice was made on it)"
        record["fresh"][batch] = {}
        for label, sites in (("all", names), *((name, (name,)) for name in names)):
            chosen = [answer for answer in fresh if answer.site in sites]
            rows = [answers_score(chosen, mode=mode) for mode in MODES]
            print("\n" + scores_table(rows, title=f"FRESH {batch}{final}: {label}"))
            record["fresh"][batch][label] = {row.mode: row.as_dict() for row in rows}
            if args.misses and label == "all":
                for row in rows:
                    print(f"\n  {row.mode} misses on fresh {batch} ({len(row.misses)}):")
                    for miss in row.misses:
                        print(f"    {miss}")
        for kind in tuple(Kind):
            rows = [answers_score(fresh, mode=mode, kinds=(kind,)) for mode in MODES]
            print("\n" + scores_table(rows, title=f"FRESH {batch}, {kind} questions only"))
            record["fresh"][batch][f"all-{kind}"] = {row.mode: row.as_dict() for row in rows}
    print(f"\n== done ({load_average()})")
    if not (args.no_write or overrides):
        results_write("search_quality", record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
