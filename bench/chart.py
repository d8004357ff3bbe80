"""Draw the last benchmark runs (docs/bench/*.json) into docs/benchmarks.svg.

    .venv/bin/python bench/chart.py

Each panel is one benchmark's figures as its last run wrote them, with the issue's
target as a dashed line; a benchmark that has not been run yet gets an empty panel
saying so. matplotlib comes with requirements-dev.txt.
"""

import json
import sys

import matplotlib

matplotlib.use("svg")
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: a small, searchable file

import matplotlib.pyplot as plt  # noqa: E402
from _common import RESULTS, ROOT  # noqa: E402

OUT = ROOT / "docs" / "benchmarks.svg"
BLUE, GREY, RED = "#3b6fb6", "#a7b1bd", "#c0392b"


def _read(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _target(ax, value: float, label: str) -> None:
    ax.axhline(value, color=RED, linestyle="--", linewidth=1)
    ax.annotate(label, (0.99, value), xycoords=("axes fraction", "data"), ha="right", va="bottom", color=RED)


def _bars(ax, labels, values, colors=None) -> None:
    bars = ax.bar(labels, values, color=colors or BLUE)
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=2, fontsize=8)
    ax.tick_params(axis="x", labelsize=8)


def _title(ax, title: str, record: dict | None) -> bool:
    ax.set_title(title, fontsize=10, loc="left")
    if record is None:
        ax.text(0.5, 0.5, "not run yet", ha="center", va="center", transform=ax.transAxes, color=GREY)
        ax.set_axis_off()
        return False
    note = f"{record['measured']}, load at the end {record['load_average_1m']}"
    if "cpu_yardstick_mloops_per_s" in record:
        note += f", CPU yardstick {record['cpu_yardstick_mloops_per_s']} M Python loops/s"
    ax.annotate(note, (0, -0.22), xycoords="axes fraction", fontsize=7, color="#555")
    return True


def pages(ax) -> None:
    record = _read("pages")
    if not _title(ax, "Pages: req/s, 2 workers (seed stack = FastAPI + asyncpg, uncached)", record):
        return
    labels, values, colors = [], [], []
    for server, by_tree in record["figures"]["throughput"].items():
        if "hello_rps" in by_tree:  # a run from before issue 12: one tree, cached page only
            by_tree = {"after": {"page_rps": by_tree["page_rps"], "hello_rps": by_tree["hello_rps"]}}
        if "seed_stack" in by_tree:
            labels.append(f"{server}\nseed stack")
            values.append(by_tree["seed_stack"]["page_rps"])
            colors.append(GREY)
        for tree in ("before", "after"):
            result = by_tree.get(tree)
            for key, label in (("page_rps", "cached"), ("uncached_rps", "cache off")):
                if result and key in result:
                    labels.append(f"{server}\n{label}\n{tree}")
                    values.append(result[key])
                    colors.append(BLUE if tree == "after" else "#9bb4d8")
    _bars(ax, labels, values, colors)
    ax.tick_params(axis="x", labelsize=7)


def api(ax) -> None:
    record = _read("api")
    if not _title(ax, "API reads: req/s, this checkout (blue) vs its baseline (grey)", record):
        return
    labels, values, colors = [], [], []
    for kind, trees in record["figures"].items():
        names = [tree for tree in trees if tree not in ("this", "speedup")]
        for target, short in (("pages_jwt", "JWT"), ("published_key", "key")):
            for tree in [*names, "this"]:
                labels.append(f"{kind}\n{short} {'now' if tree == 'this' else tree}")
                values.append(trees[tree][target]["rps"])
                colors.append(BLUE if tree == "this" else GREY)
    _bars(ax, labels, values, colors)


def provisioning(ax) -> None:
    record = _read("provisioning")
    if not _title(ax, "Provisioning: median ms per new tenant (log)", record):
        return
    rows = {k: v for k, v in record["figures"].items() if isinstance(v, dict)}
    _bars(ax, [k.replace(" (", "\n(").replace(" + ", "\n+ ") for k in rows], [v["median_ms"] for v in rows.values()])
    ax.set_yscale("log")
    _target(ax, 200, "target 200 ms")


def search(ax) -> None:
    record = _read("search")
    if not _title(ax, "Search: HNSW recall@10 by ef_search (100k chunks)", record):
        return
    figures = record["figures"]
    points = sorted((int(ef), r["recall"]) for ef, r in figures["recall_at_10"].items())
    ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=BLUE)
    shipped = figures["ef_search"]
    ax.axvline(shipped, color=GREY, linestyle=":")
    ax.annotate(f"shipped {shipped}", (shipped, points[0][1]), fontsize=8, ha="right")
    ax.set_xlabel("ef_search", fontsize=8)
    _target(ax, 0.97, "target 0.97 (issue 12)")


def search_latency(ax) -> None:
    record = _read("search")
    if not _title(ax, "Search: SQL p50 and p95 in ms (100k chunks)", record):
        return
    sql = record["figures"]["sql_ms"]
    labels = [f"{mode}\n{part}" for mode in sql for part in ("p50", "p95")]
    values = [sql[mode][part] for mode in sql for part in ("p50", "p95")]
    bars = ax.bar(labels, values, color=[BLUE, GREY] * len(sql))
    ax.bar_label(bars, labels=[f"{v:.1f}" for v in values], padding=2, fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    _target(ax, 20, "hybrid p50 target 20 ms")


def search_quality(ax) -> None:
    record = _read("search_quality")
    # The fresh held-out batch no choice was made on (issue 17), when the run has one.
    figures = (record or {}).get("figures", {})
    fresh = figures.get("fresh", {}).get(figures.get("final_batch", "batch3"), {}).get("all")
    title = "Search quality per mode, fresh held-out batch (48 questions)" if fresh else "Search quality per mode"
    if not _title(ax, title, record):
        return
    rows = fresh or record["figures"]["splits"]["all"]
    metrics = (("recall_at_5", "recall@5"), ("mrr_at_10", "MRR@10"), ("no_answer_accuracy", "no-answer"))
    width = 0.8 / len(rows)
    for i, (mode, row) in enumerate(rows.items()):
        xs = [j + i * width for j in range(len(metrics))]
        bars = ax.bar(xs, [row[key] for key, _ in metrics], width, label=mode, color=[GREY, "#7fa7d9", BLUE][i % 3])
        ax.bar_label(bars, labels=[f"{row[key]:.2f}" for key, _ in metrics], padding=2, fontsize=7)
    ax.set_xticks([j + width for j in range(len(metrics))], [label for _, label in metrics], fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.legend(fontsize=7, loc="lower left")
    _target(ax, 0.9, "targets 0.9 (MRR, no-answer), 0.97 (recall)")


def answers_quality(ax) -> None:
    record = _read("answers")
    if not _title(ax, "Extractive answers on the quality set (questions with a fact)", record):
        return
    q = record["figures"]["quality"]
    labels, keys = ["fact", "cited page"], ["fact_accuracy", "citation_accuracy"]
    groups = [("all", q), *q.get("splits", {}).items()]
    width = 0.8 / len(groups)
    for i, (name, row) in enumerate(groups):
        xs = [j + i * width for j in range(len(keys))]
        bars = ax.bar(xs, [row[k] for k in keys], width, label=name, color=[BLUE, "#7fa7d9", GREY, "#2c5282"][i % 4])
        ax.bar_label(bars, labels=[f"{row[k]:.2f}" for k in keys], padding=2, fontsize=7)
    ax.set_xticks([j + width * (len(groups) - 1) / 2 for j in range(len(keys))], labels, fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.legend(fontsize=7, loc="lower left")
    _target(ax, 0.8, "targets 0.8 (fact), 0.9 (page)")


def answers_latency(ax) -> None:
    record = _read("answers")
    if not _title(ax, "Answers latency, p50 ms (warm, in process)", record):
        return
    e, st = record["figures"]["extractive"], record["figures"]["stream"]
    labels = ["extractive", "search alone", "stream 1st byte", "1st model word", "model's own", "overhead"]
    values = [
        e["extractive_p50_ms"],
        e["search_alone_p50_ms"],
        st["first_byte_p50_ms"],
        st["first_model_word_p50_ms"],
        st["model_own_first_word_p50_ms"],
        st["stream_overhead_p50_ms"],
    ]
    _bars(ax, labels, values, colors=[BLUE, GREY, BLUE, BLUE, GREY, BLUE])
    ax.tick_params(axis="x", labelsize=7)
    _target(ax, 20, "targets: extractive 20, overhead 30")


def events(ax) -> None:
    record = _read("events")
    if not _title(ax, "Events: webhook ingest req/s; relay events/s", record):
        return
    figures = record["figures"]
    ingest = {k: v for k, v in figures.items() if k.startswith("ingest")}
    names = {
        "ingest_threads_1": "ingest\nsync",
        "ingest_threads_4": "ingest\ngthread",
        "ingest_granian": "ingest\ngranian",
    }
    labels = [names.get(k, k) for k in ingest]
    values = [v["rps"] for v in ingest.values()]
    relay = figures["relay"]
    # The target names normalise + hash + batch to the sink: the two steps in sequence.
    hash_deliver = 1 / (1 / relay["hash_per_s"] + 1 / relay["deliver_per_s"])
    labels += ["relay\nhash + deliver", "relay, durable\nstore included"]
    values += [hash_deliver, relay["end_to_end_per_s"]]
    _bars(ax, labels, values, [BLUE] * len(ingest) + [GREY] * 2)
    ax.set_yscale("log")
    _target(ax, 500, "ingest target 500")
    _target(ax, 5000, "relay target 5,000")


def media(ax) -> None:
    record = _read("media")
    if not _title(ax, "Images: rendition vs cached page (req/s, 2 workers)", record):
        return
    labels, values, colors = [], [], []
    for server, result in record["figures"]["throughput"].items():
        labels += [f"{server}\ncached page", f"{server}\nrendition {result['ratio']:.2f}x"]
        values += [result["page_rps"], result["rendition_rps"]]
        colors += [GREY, BLUE]
    _bars(ax, labels, values, colors)


def media_weight(ax) -> None:
    record = _read("media")
    if not _title(ax, "Images: demo home page at 390 px, KB fetched (log)", record):
        return
    weights = record["figures"]["page_weight_390px"]
    labels = [label.replace(" @", "\n@") for label in weights]
    _bars(ax, labels, [w["all_bytes"] / 1024 for w in weights.values()])
    ax.set_yscale("log")


def restart(ax) -> None:
    record = _read("restart")
    if not _title(ax, "bin/run: first search and stop -> start, s (log)", record):
        return
    figures = record["figures"]
    labels, values, colors = [], [], []
    for key, label in (
        ("first_visitor_search_ms", "first\nsearch"),
        ("first_api_search_ms", "first API\nsearch"),
    ):
        labels += [f"{label}\nbefore", f"{label}\nwarm"]
        values += [figures["lazy"][key] / 1000, figures["warm"][key] / 1000]
        colors += [GREY, BLUE]
    labels += ["stop", "stop ->\n200, warm", "stop ->\nbanner, warm"]
    values += [figures["stop_s"], figures["warm"]["first_200_s"], figures["warm"]["banner_s"]]
    colors += [BLUE] * 3
    bars = ax.bar(labels, values, color=colors)
    ax.bar_label(bars, labels=[f"{v:.1f}" for v in values], padding=2, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_yscale("log")


def faults(ax) -> None:
    record = _read("faults")
    if not _title(ax, "Faults: req/s this checkout vs base revision; Redis down", record):
        return
    figures = record["figures"]
    labels, values, colors = [], [], []
    for target, result in figures["hot_paths"].items():
        short = target.replace("cached page ", "page\n").replace("API read JWT ", "API JWT\n")
        for tree in ("base", "this"):
            if tree in result:
                labels.append(f"{short}\n{tree}")
                values.append(result[tree]["rps"])
                colors.append(GREY if tree == "base" else BLUE)
    for target, result in figures["redis_down"].items():
        short = target.replace("cached page ", "page\n").replace("API read JWT ", "API JWT\n")
        labels.append(f"{short}\nRedis down")
        values.append(result["redis_down_rps"])
        colors.append("#c0392b")
    _bars(ax, labels, values, colors)
    ax.tick_params(axis="x", labelsize=7)


def soak(ax) -> None:
    record = _read("soak")
    if not _title(ax, "Soak with faults: p99 ms by phase (log)", record):
        return
    figures = record["figures"]
    kinds = [("page_cached", "cached page"), ("api_jwt", "API JWT"), ("webhook", "webhook"), ("search", "search")]
    phases = list(figures["latency_by_phase"])
    width = 0.8 / len(kinds)
    for i, (kind, label) in enumerate(kinds):
        values = [figures["latency_by_phase"][phase].get(kind, {}).get("p99_ms", 0) for phase in phases]
        xs = [x + i * width for x in range(len(phases))]
        ax.bar(xs, values, width=width, label=label, color=[BLUE, GREY, "#6aa84f", "#e69138"][i])
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(phases))])
    ax.set_xticklabels([phase.replace(" ", "\n") for phase in phases], fontsize=7)
    ax.set_yscale("log")
    ax.legend(fontsize=7, loc="upper left")
    failures = sum(figures["failures"].values())
    checks = figures["checks"]
    ax.annotate(
        f"{figures['requests']:,} requests, {failures} failures (5xx outside 503 windows: "
        f"{figures['failures'].get('5xx outside the announced 503 windows', 0)}); "
        f"{checks.get('webhooks_processed_once', 0):,} webhooks, {checks.get('events_stored_and_sent_once', 0):,} "
        f"events once;\n{checks.get('pages_indexed', 0)} pages indexed; load average during the run "
        f"{figures['load_average_1m']['min']}-{figures['load_average_1m']['max']}",
        (0, -0.36),
        xycoords="axes fraction",
        fontsize=7,
        color=RED if failures or not figures["passed"] else "#555",
    )


def compare(ax) -> None:
    record = _read("compare")
    if not _title(ax, "Product / seed stack, same run (ratio; req/s under each bar)", record):
        return
    ratios = record["figures"]["ratios"]
    labels = [f"{name.replace('_', ' ')}\n{r['product_rps']:,.0f} / {r['seed_rps']:,.0f}" for name, r in ratios.items()]
    values = [r["ratio"] for r in ratios.values()]
    colors = [BLUE if r["ratio"] >= r["goal"] else RED for r in ratios.values()]
    bars = ax.bar(labels, values, color=colors)
    ax.bar_label(
        bars,
        labels=[f"{v:.2f}x (goal {r['goal']})" for v, r in zip(values, ratios.values(), strict=True)],
        padding=2,
        fontsize=7,
    )
    ax.tick_params(axis="x", labelsize=7)
    ax.axhline(1.0, color=GREY, linestyle=":", linewidth=1)
    absolute = record["figures"]["absolute"]
    note = "; ".join(
        f"{name.replace('_', ' ')} {row['value']:.1f} (goal {row['goal']:g})" for name, row in absolute.items()
    )
    ax.annotate(note, (0, -0.32), xycoords="axes fraction", fontsize=7, color="#555")


def analytics(ax) -> None:
    record = _read("analytics")
    if not _title(ax, "Analytics: dashboard p50 (ms, 10M raw rows), busy-hour roll-up (ms)", record):
        return
    figures = record["figures"]
    dashboard = figures["dashboard"]
    labels = [f"dashboard\n{period}" for period in ("7d", "30d", "90d")]
    values = [dashboard[period]["p50_ms"] for period in ("7d", "30d", "90d")]
    labels.append(f"busy hour\n({figures['busy_hour']['counters']:,} counters)")
    values.append(figures["busy_hour"]["p50_s"] * 1000)
    colors = [BLUE if v < 50 else RED for v in values[:3]] + [BLUE if values[3] < 1000 else RED]
    bars = ax.bar(labels, values, color=colors)
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=2, fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_yscale("log")
    cached = figures["cached_page"]
    note = (
        f"cached page with counting on / off: {cached['median_ratio_on_off']:.3f} "
        f"({cached['median_on_rps']:,.0f} / {cached['median_off_rps']:,.0f} req/s, median of "
        f"{len(cached['rounds'])} alternating rounds; goal >= 0.95); targets: dashboard < 50 ms, busy hour < 1,000 ms"
    )
    ax.annotate(note, (0, -0.32), xycoords="axes fraction", fontsize=7, color="#555")


def main() -> int:
    panels = (
        compare,
        pages,
        api,
        provisioning,
        restart,
        search,
        search_latency,
        search_quality,
        answers_quality,
        answers_latency,
        events,
        faults,
        soak,
        media,
        media_weight,
        analytics,
    )
    rows = -(-len(panels) // 3)
    fig, axes = plt.subplots(rows, 3, figsize=(16, 4.5 * rows))
    for ax in axes.flat[len(panels) :]:
        ax.set_axis_off()
    for draw, ax in zip(panels, axes.flat, strict=False):
        draw(ax)
    fig.suptitle("Benchmarks on this machine (2 cores, shared): last run of each bench/*.py", fontsize=12)
    fig.tight_layout(h_pad=3)
    fig.savefig(OUT)
    print(f"chart written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
