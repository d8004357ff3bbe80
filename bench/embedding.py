"""The query embedding alone: each local model precision, in process, one thread.

    .venv/bin/python bench/embedding.py [--rounds 3] [--no-rss] [--no-write]

What a search pays for a query no cache holds: `LocalEmbedder.embed([query])` for the
distinct questions of the search quality sets (search/tests/quality, 320 of them), every
precision of SEARCH_MODEL_PRECISION query by query interleaved, the order rotating, so the
p50s are comparable within the run whatever the machine's load. Then:

- each precision's vectors against fp32's (cosine, min and median) over those questions
  and over the quality sites' pages cut into ~150-word passages (what indexing embeds);
- where the fp32 embed's time goes: the tokenizer, the ONNX Runtime run (plain
  `session.run`, and with IO bound once ahead, `run_with_iobinding`), and the pooling;
- the RSS of a fresh process with each model loaded and 200 queries embedded (a web
  worker's share of the model; `--no-rss` skips it).

Figures go to docs/bench/embedding.json. The models export into DATA_DIR/models on
first use (once per data dir).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from _common import ROOT, load_average, results_write  # noqa: E402

from search.embedders import PRECISIONS, LocalEmbedder  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def quality_texts() -> tuple[list[str], list[str]]:
    """The quality sets' questions (distinct) and their pages' text in ~150-word passages."""
    import re

    from search.tests.quality import SITES

    def strings(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key not in ("type", "level", "image_id", "src"):
                    yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str):
            yield re.sub(r"<[^>]+>", " ", value)

    questions, passages = [], []
    for site in SITES:
        questions += [q.text for q in site.questions]
        for batch in site.fresh.values():
            questions += [q.text for q in batch]
        for page in site.pages:
            words = " ".join([page.get("title", ""), *strings(page["blocks"])]).split()
            passages += [" ".join(words[start : start + 150]) for start in range(0, len(words), 120)]
    return list(dict.fromkeys(questions)), passages


def timings(embedders: dict, questions: list[str], rounds: int) -> dict:
    times = {precision: [] for precision in embedders}
    names = list(embedders)
    for round_ in range(rounds):
        for i, question in enumerate(questions):
            shift = (i + round_) % len(names)
            for precision in names[shift:] + names[:shift]:
                started = time.perf_counter()
                embedders[precision].embed([question])
                times[precision].append((time.perf_counter() - started) * 1000)
        print(
            f"  round {round_ + 1}/{rounds}: "
            + ", ".join(f"{p} {statistics.median(t):.2f} ms" for p, t in times.items())
        )
    return {
        p: {"p50_ms": round(statistics.median(t), 3), "p90_ms": round(percentile(t, 90), 3), "min_ms": round(min(t), 3)}
        for p, t in times.items()
    }


def cosines(embedders: dict, questions: list[str], passages: list[str]) -> dict:
    reference = {kind: np.array(embedders["fp32"].embed(texts)) for kind, texts in (("q", questions), ("p", passages))}
    out = {}
    for precision, embedder in embedders.items():
        if precision == "fp32":
            continue
        row = {}
        for kind, texts, label in (("q", questions, "questions"), ("p", passages, "passages")):
            c = (np.array(embedder.embed(texts)) * reference[kind]).sum(axis=1)
            row[label] = {"min": round(float(c.min()), 5), "median": round(float(np.median(c)), 5)}
        out[precision] = row
    return out


def breakdown(embedder: LocalEmbedder, questions: list[str]) -> dict:
    """Where one fp32 query's time goes (the same steps as LocalEmbedder._run)."""
    session, tokenizer = embedder._model
    parts = {"tokenize": [], "run": [], "run_iobinding": [], "pool": []}
    for question in questions:
        started = time.perf_counter()
        encoded = tokenizer.encode_batch([question])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        tokenized = time.perf_counter()
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (hidden,) = session.run(None, feed)
        ran = time.perf_counter()
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        pooled_at = time.perf_counter()
        binding = session.io_binding()
        for name, value in feed.items():
            binding.bind_cpu_input(name, value)
        binding.bind_output("last_hidden_state")
        bound = time.perf_counter()
        session.run_with_iobinding(binding)
        binding.copy_outputs_to_cpu()
        bound_ran = time.perf_counter()
        parts["tokenize"].append((tokenized - started) * 1000)
        parts["run"].append((ran - tokenized) * 1000)
        parts["pool"].append((pooled_at - ran) * 1000)
        parts["run_iobinding"].append((bound_ran - bound) * 1000)
    return {part: round(statistics.median(values), 4) for part, values in parts.items()}


RSS_SCRIPT = """
import django, json, sys
django.setup()
from search.embedders import LocalEmbedder
embedder = LocalEmbedder(precision=sys.argv[1])
embedder.warm()
for i in range(200):
    embedder.embed([f"which {['robot', 'coffee', 'gripper', 'roast'][i % 4]} plan suits a team of {i} people"])
print(int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024)
"""


def rss_mb(precision: str) -> int:
    done = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", RSS_SCRIPT, precision],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    return int(done.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-rss", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    print(f"== {load_average()}  loading {', '.join(PRECISIONS)} ...", flush=True)
    embedders = {precision: LocalEmbedder(precision=precision) for precision in PRECISIONS}
    for embedder in embedders.values():
        embedder.warm()
    questions, passages = quality_texts()
    print(f"== {load_average()}  {len(questions)} distinct questions x {args.rounds} rounds, interleaved")
    figures = {"load_average_start": os.getloadavg()[0], "questions": len(questions), "rounds": args.rounds}
    figures["query_embedding"] = timings(embedders, questions, args.rounds)
    figures["load_average_after_timing"] = os.getloadavg()[0]
    fp32 = figures["query_embedding"]["fp32"]["p50_ms"]
    for precision, row in figures["query_embedding"].items():
        print(
            f"{precision:>14}: p50 {row['p50_ms']:.2f} ms ({row['p50_ms'] / fp32:.2f}x fp32), p90 {row['p90_ms']:.2f}"
        )
    figures["cosine_to_fp32"] = cosines(embedders, questions, passages)
    for precision, row in figures["cosine_to_fp32"].items():
        q, p = row["questions"], row["passages"]
        print(
            f"{precision:>14}: cosine to fp32, questions min {q['min']:.4f} median {q['median']:.4f}; "
            f"passages ({len(passages)}) min {p['min']:.4f} median {p['median']:.4f}"
        )
    figures["fp32_breakdown_p50_ms"] = breakdown(embedders["fp32"], questions)
    print("fp32, one query, p50 ms: " + ", ".join(f"{k} {v:.3f}" for k, v in figures["fp32_breakdown_p50_ms"].items()))
    if not args.no_rss:
        figures["rss_mb_after_200_queries"] = {precision: rss_mb(precision) for precision in PRECISIONS}
        print(
            "RSS of a process with the model and 200 queries: "
            + ", ".join(f"{p} {mb} MB" for p, mb in figures["rss_mb_after_200_queries"].items())
        )
    print(f"== done ({load_average()})")
    if not args.no_write:
        results_write("embedding", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
