"""Answers: extractive quality on the search quality set, and latency (extractive, and the
first streamed byte with a model).

    .venv/bin/python bench/answers.py [--rounds N] [--misses] [--no-write] [--keep-services]
                                      [--skip-latency]

Quality, extractive mode (no model), on the questions of search/tests/quality that have
an expected fact (answers/tests/facts.py, written from the pages' text):
- fact: the answer's text holds the expected fact;
- citation: the answer's first citation is a page that answers the question (the set's
  labels); also over every answerable question of the set.
Splits: calibration (bikes, acme: where the answer's rules were chosen), held-out (globex,
dental), and `fresh`: answers/tests/facts.py FRESH_FACTS, 32 questions over the four sites
written and committed before any was asked, the figure of record.
Latency (median of --rounds rounds over those questions, warm: each question asked once
before, so its vector is in Redis, as a repeated or popular question is):
- extractive: answers.services.answer_question, in process (search + passages + the trace row);
- streamed, with the fake model (answers/tests/fake_llm.py, a real HTTP server on loopback
  that starts streaming at once): POST /api/answers with "stream": true through Django's
  WSGI handler in process (no socket to the client); time to the first byte of the response
  (the `meta` event) and to the first word of the model's answer; the model's own time to
  its first word is measured by the same HTTP client code with the same prompt, and subtracted.
Quality sites are loaded once into tenants `quality_<site>` (as bench/search_quality.py does).
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _common import load_average, results_write, services_stop  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402
from search_quality import tenants_loaded  # noqa: E402

from answers import llm  # noqa: E402
from answers.prompts import messages_build  # noqa: E402
from answers.selectors import answer_passages  # noqa: E402
from answers.services import AnswerMode, answer_question  # noqa: E402
from answers.tests.facts import FACTS, FRESH_FACTS, fact_found  # noqa: E402
from answers.tests.fake_llm import FakeModel  # noqa: E402
from api.services import api_key_create  # noqa: E402
from search.embedders import embedder_get  # noqa: E402
from search.selectors import Mode, search_pages  # noqa: E402
from search.tests.quality import CALIBRATION, SITES  # noqa: E402
from search.tests.quality.sets import Kind  # noqa: E402

TARGETS = {"fact": 0.8, "citation": 0.9, "extractive_p50_ms": 20.0, "stream_overhead_p50_ms": 30.0}


def _slug(url: str) -> str:
    return url.split("#", 1)[0].strip("/")


def quality(tenants: dict, *, misses: bool) -> dict:
    facts = cited = asked = 0
    cited_all = answerable = 0
    missed = []
    split = {name: [0, 0, 0] for name in ("calibration", "held-out", "fresh")}  # asked, facts, cited
    # What the retrieval allows (questions with a fact): the search's first page is right; the
    # search found nothing; the fact is anywhere in the first passage.
    top_right = empty = fact_in_top = 0
    for site in SITES:
        with tenant_context(tenants[site.name]):
            for question in site.questions:
                if question.kind == Kind.NONE:
                    continue
                answer = answer_question(question=question.text, mode=AnswerMode.EXTRACTIVE)
                right_page = bool(answer.citations) and _slug(answer.citations[0].url) in question.answers
                answerable += 1
                cited_all += right_page
                expected = FACTS.get((site.name, question.text))
                if expected is None:
                    continue
                asked += 1
                passages = answer_passages(question=question.text)
                empty += not passages
                top_right += bool(passages) and passages[0].path.strip("/") in question.answers
                fact_in_top += bool(passages) and fact_found(" ".join(s.text for s in passages[0].sentences), expected)
                found = fact_found(answer.text, expected)
                facts += found
                cited += right_page
                row = split["calibration" if site.name in CALIBRATION else "held-out"]
                row[0], row[1], row[2] = row[0] + 1, row[1] + found, row[2] + right_page
                if not (found and right_page):
                    where = answer.citations[0].url if answer.citations else "-"
                    missed.append(
                        f"[{site.name}] {question.text!r} fact={found} page={right_page} ({where}): "
                        f"{answer.text[:160]!r}"
                    )
    fresh = [0, 0, 0, 0]  # asked, facts, cited, the search's first page right
    for site_name, text, pages, expected in FRESH_FACTS:
        with tenant_context(tenants[site_name]):
            answer = answer_question(question=text, mode=AnswerMode.EXTRACTIVE)
            hits = search_pages(query=text, mode=Mode.HYBRID, limit=1)
        found = fact_found(answer.text, expected)
        right_page = bool(answer.citations) and _slug(answer.citations[0].url) in pages
        fresh[0] += 1
        fresh[1] += found
        fresh[2] += right_page
        fresh[3] += bool(hits) and hits[0].slug in pages
        if not (found and right_page):
            where = answer.citations[0].url if answer.citations else "-"
            missed.append(
                f"[fresh {site_name}] {text!r} fact={found} page={right_page} ({where}): {answer.text[:160]!r}"
            )
    split["fresh"] = fresh[:3]
    if misses:
        print("\nmisses:")
        for line in missed:
            print("  " + line)
    return {
        "questions_with_fact": asked,
        "fact_accuracy": round(facts / asked, 4),
        "citation_accuracy": round(cited / asked, 4),
        "answerable_questions": answerable,
        "citation_accuracy_all_answerable": round(cited_all / answerable, 4),
        "search_first_page_right": round(top_right / asked, 4),
        "search_found_nothing": empty,
        "fact_anywhere_in_first_passage": round(fact_in_top / asked, 4),
        # The extractive rules were chosen on the calibration sites (bikes, acme).
        "splits": {
            name: {"questions": n, "fact_accuracy": round(f / n, 4), "citation_accuracy": round(c / n, 4)}
            for name, (n, f, c) in split.items()
        },
        "fresh_search_first_page_right": round(fresh[3] / fresh[0], 4),
    }


def _questions(tenants):
    return [(tenants[site], text) for (site, text) in FACTS]


def extractive_latency(tenants: dict, *, rounds: int) -> dict:
    """The whole extractive answer, and the search alone for the same question in the same
    round (what the answer adds to the search it is built on)."""
    questions = _questions(tenants)
    medians, search_medians = [], []
    for round_ in range(rounds + 1):  # round 0 warms (vectors into Redis)
        times, search_times = [], []
        for tenant, text in questions:
            with tenant_context(tenant):
                started = time.perf_counter()
                search_pages(query=text, mode=Mode.HYBRID, limit=settings.ANSWERS_PASSAGES)
                search_times.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                answer_question(question=text, mode=AnswerMode.EXTRACTIVE)
                times.append((time.perf_counter() - started) * 1000)
        if round_:
            medians.append(statistics.median(times))
            search_medians.append(statistics.median(search_times))
            print(
                f"  extractive round {round_}: p50 {medians[-1]:.1f} ms, p95 {_p95(times):.1f} ms; "
                f"the search alone p50 {search_medians[-1]:.1f} ms  ({load_average()})",
                flush=True,
            )
    return {
        "extractive_p50_ms": round(statistics.median(medians), 2),
        "search_alone_p50_ms": round(statistics.median(search_medians), 2),
        "rounds_p50_ms": [round(m, 2) for m in medians],
        "search_rounds_p50_ms": [round(m, 2) for m in search_medians],
    }


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def stream_latency(tenants: dict, *, rounds: int, fake: FakeModel) -> dict:
    keys, clients = {}, {}
    for name, tenant in tenants.items():
        with tenant_context(tenant):
            keys[name] = api_key_create(name="bench answers", scopes=["search:read"])[1]
        clients[name] = Client(HTTP_HOST=tenant.domains.first().domain)
    by_tenant = {tenant.schema_name: name for name, tenant in tenants.items()}
    config = llm.ModelConfig(base_url=fake.base_url, model="fake-model")
    first_byte, first_word, model_own, overhead = [], [], [], []
    for round_ in range(rounds + 1):
        fb, fw, own, over = [], [], [], []
        for tenant, text in _questions(tenants):
            name = by_tenant[tenant.schema_name]
            fake.reset(reply="The answer is in the passage [1].")
            started = time.perf_counter()
            response = clients[name].post(  # secure: HTTPS is on by default (no redirect)
                "/api/answers",
                {"question": text, "stream": True},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Api-Key {keys[name]}",
                secure=True,
            )
            chunks = iter(response.streaming_content)
            next(chunks)  # meta
            t_first_byte = time.perf_counter()
            for chunk in chunks:
                if chunk.startswith(b"event: delta"):
                    break
            t_first_word = time.perf_counter()
            for _ in chunks:
                pass
            # The model's own time to its first word, same prompt, same client code.
            with tenant_context(tenant):
                messages = messages_build(question=text, passages=answer_passages(question=text))
            model_started = time.perf_counter()
            completion = llm.chat(config, messages, stream=True)
            next(iter(completion))
            model_ms = (time.perf_counter() - model_started) * 1000
            for _ in completion:
                pass
            fb.append((t_first_byte - started) * 1000)
            fw.append((t_first_word - started) * 1000)
            own.append(model_ms)
            over.append(fw[-1] - model_ms)
        if round_:
            first_byte.append(statistics.median(fb))
            first_word.append(statistics.median(fw))
            model_own.append(statistics.median(own))
            overhead.append(statistics.median(over))
            print(
                f"  stream round {round_}: first byte p50 {first_byte[-1]:.1f} ms, first model word p50 "
                f"{first_word[-1]:.1f} ms, the model's own {model_own[-1]:.1f} ms, overhead {overhead[-1]:.1f} ms",
                flush=True,
            )
    return {
        "first_byte_p50_ms": round(statistics.median(first_byte), 2),
        "first_model_word_p50_ms": round(statistics.median(first_word), 2),
        "model_own_first_word_p50_ms": round(statistics.median(model_own), 2),
        "stream_overhead_p50_ms": round(statistics.median(overhead), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded PostgreSQL and Redis up")
    parser.add_argument("--skip-latency", action="store_true", help="quality only (while developing)")
    args = parser.parse_args()
    try:
        return _run(args)
    finally:
        services_stop(keep=args.keep_services)


def _run(args) -> int:

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per model request otherwise
    logging.getLogger("search").setLevel(logging.WARNING)
    call_command("migrate_schemas", interactive=False, verbosity=0)
    embedder = embedder_get()
    print(f"loading {len(SITES)} sites ({sum(len(site.pages) for site in SITES)} pages) ...", flush=True)
    tenants = tenants_loaded(embedder=embedder, analyze=True)
    print(f"== {load_average()}  {len(FACTS)} questions with an expected fact", flush=True)
    fake = FakeModel()
    try:
        with override_settings(
            LLM_BASE_URL=fake.base_url,
            LLM_MODEL="fake-model",
            ANSWERS_RATE_LIMIT="1000000/m",
            API_RATE_LIMIT_KEY="1000000/m",
        ):
            figures = {"quality": quality(tenants, misses=args.misses)}
            print(f"quality: {figures['quality']}", flush=True)
            if args.skip_latency:
                return 0
            figures["extractive"] = extractive_latency(tenants, rounds=args.rounds)
            figures["stream"] = stream_latency(tenants, rounds=args.rounds, fake=fake)
    finally:
        fake.close()
    checks = {
        "fact": figures["quality"]["fact_accuracy"] >= TARGETS["fact"],
        "citation": figures["quality"]["citation_accuracy"] >= TARGETS["citation"],
        "extractive_p50_ms": figures["extractive"]["extractive_p50_ms"] <= TARGETS["extractive_p50_ms"],
        "stream_overhead_p50_ms": figures["stream"]["stream_overhead_p50_ms"] <= TARGETS["stream_overhead_p50_ms"],
    }
    figures["targets"] = TARGETS
    figures["met"] = checks
    print(f"\nquality: {figures['quality']}")
    print(f"extractive: p50 {figures['extractive']['extractive_p50_ms']} ms")
    print(f"stream: {figures['stream']}")
    print(f"targets met: {checks}")
    print(f"== done ({load_average()})")
    if not args.no_write:
        results_write("answers", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
