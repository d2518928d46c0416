"""Tables from saved benchmark results: printed by `bench.run`, shown by the performance appendix.

Every function takes the loaded JSON and returns rows (lists of dicts with the same keys), so a
notebook can make a DataFrame of them and a terminal can print them; nothing here measures anything.
"""

from __future__ import annotations

import json
from pathlib import Path

from .common import RESULTS

# The targets (benchmark figures, not timed tests).
SPEED_TARGETS = {  # workload: (a)/(b) at least, (b)/(c) at most
    "fashion_mlp": (3.5, 1.2),
    "cifar_lenet": (3.0, 1.2),
}
BOOK_TARGETS_S = {"smoke": 5 * 60, "full": 45 * 60}  # nbval SMOKE pass, FULL execution of every chapter
TRAINING_COLUMNS = ("contender", "s/epoch", "waiting for data s/epoch", "compute s/epoch", "first batch s",
                    "set-up s", "CPU s/epoch", "others' CPU s/epoch", "test acc (median)", "test acc min-max",
                    "x (b)")


def load(name: str = "latest.json", folder: Path = RESULTS) -> dict | None:
    """A saved results file, or None when it has not been written yet."""
    path = Path(folder) / name
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def training_rows(results: dict, key: str) -> list[dict]:
    """One row per contender of a training benchmark: medians over the repetitions."""
    contenders = results["workloads"][key]["contenders"]
    b = contenders["b"]["summary"]["epoch_s"]
    rows = []
    for c in contenders.values():
        s = c["summary"]
        acc = s["test_acc"]
        rows.append(dict(zip(TRAINING_COLUMNS, (
            c["label"], round(s["epoch_s"], 2), round(s["data_s"], 2), round(s["compute_s"], 2),
            round(s["first_batch_s"], 3), round(s["setup_s"], 2), round(s["cpu_s"], 2),
            "n/a" if s["others_cpu_s"] is None else round(s["others_cpu_s"], 2), round(acc["median"], 4),
            f"{acc['min']:.4f}-{acc['max']:.4f}", round(s["epoch_s"] / b, 2)))))
    return rows


def speed_checks(results: dict, key: str) -> list[dict]:
    """The issue's two targets for a workload: measured ratio, target, met, and by how much."""
    w = results["workloads"][key]
    r = w["ratios"]
    at_least, at_most = SPEED_TARGETS[key]
    # Against the faster variant of (a): for the MLP that is d2l's 4 workers; for LeNet-5 whichever won.
    faster_a = "a4" if key == "fashion_mlp" else min(("a4", "a0"), key=lambda c: r[f"{c}_over_b"])
    speedup = r[f"{faster_a}_over_b"]
    floor = r["b_over_c"]
    return [
        {"workload": w["title"], "check": f"(b) faster than {w['contenders'][faster_a]['label']}",
         "target": f">= {at_least}x", "measured": f"{speedup:.2f}x", "met": speedup >= at_least,
         "verdict": (f"met: {speedup:.2f}x against a target of at least {at_least}x" if speedup >= at_least else
                     f"missed by {100 * (1 - speedup / at_least):.0f}%: {speedup:.2f}x against a target of "
                     f"at least {at_least}x")},
        {"workload": w["title"], "check": "(b) against the compute floor (c)",
         "target": f"<= {at_most}x", "measured": f"{floor:.2f}x", "met": floor <= at_most,
         "verdict": (f"met: {floor:.2f}x the floor, within the {at_most}x allowed" if floor <= at_most else
                     f"missed by {100 * (floor / at_most - 1):.0f}%: {floor:.2f}x the floor against "
                     f"at most {at_most}x")},
    ]


def evaluation_rows(results: dict, key: str) -> list[dict]:
    """utils.evaluate_accuracy over the test set through each loader."""
    ev = results["evaluation"][key]["contenders"]
    b = ev["b"]["seconds"]
    return [{"loader": c["label"], "seconds": round(c["seconds"], 3), "set-up s": round(c["setup_s"], 3),
             "test acc": round(c["test_acc"], 4), "x (b)": round(c["seconds"] / b, 1)} for c in ev.values()]


def startup_rows(results: dict, key: str) -> list[dict]:
    """Start-up of each loader: iter() (forks workers), the first batch, dropping the iterator."""
    return [{"loader": c["label"], "iter() s": round(c["iter_s"], 3), "first batch s": round(c["first_batch_s"], 3),
             "shut-down s": round(c["shutdown_s"], 3), "total s": round(c["total_s"], 3)}
            for c in results["startup"][key].values()]


def per_item_rows(results: dict, key: str) -> list[dict]:
    """Microseconds per example of each step of the per-item pipeline and of the book's batching."""
    return [{"step": step, "us per example": us} for step, us in results["per_item_us"][key].items()]


def profile_rows(results: dict, key: str, contender: str, top: int = 8) -> list[dict]:
    """The operators with the most self CPU time in a short torch.profiler run of (b) or (c)."""
    return [{"operator": r["op"], "calls": r["calls"], "self CPU ms": r["self_cpu_ms"],
             "share": f"{100 * r['share']:.1f}%"} for r in results["profile"][key][contender][:top]]


def machine_rows(results: dict) -> list[dict]:
    """Where the numbers came from (facts that do not change between runs on one machine)."""
    m = results["machine"]
    keys = ("device", "device_name", "cores", "torch_threads", "python", "torch", "torchvision", "d2l",
            "os", "multiprocessing_start")
    return [{"fact": k, "value": str(m[k])} for k in keys]


def book_rows(book: dict | None) -> list[dict]:
    """The whole-book figures against their targets; 'not yet measured' without a timings file."""
    rows = []
    for kind, what in (("smoke", "nbval SMOKE pass over every chapter"), ("full", "FULL execution of every chapter")):
        target = f"< {BOOK_TARGETS_S[kind] // 60} min"
        entry = (book or {}).get(kind)
        if not entry:
            rows.append({"figure": what, "target": target, "measured": "not yet measured", "met": None})
            continue
        seconds = entry["seconds"]
        rows.append({"figure": what, "target": target,
                     "measured": f"{seconds / 60:.1f} min ({entry['notebooks']} notebooks, {entry['status']})",
                     "met": entry["status"] == "passed" and seconds < BOOK_TARGETS_S[kind]})
    return rows


def text_table(rows: list[dict]) -> str:
    """Rows as a plain-text table with aligned columns."""
    if not rows:
        return "(no rows)"
    headers = list(rows[0])
    cells = [[str(r[h]) for h in headers] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join([line, "-" * len(line), *body])


def text_report(results: dict, book: dict | None = None) -> str:
    """Every table of a results file, for the terminal."""
    m = results["machine"]
    parts = [f"Machine: {m['device']} ({m['device_name']}), {m['cores']} cores, torch {m['torch']}, "
             f"{results['settings']['repetitions']} repetitions, bench wall time {results['wall_s']:.0f} s"]
    for key, w in results["workloads"].items():
        reps = w["contenders"]["b"]["summary"]["repetitions"]
        parts += [f"\n{w['title']} ({w['epochs']} epoch(s), median of {reps})",
                  text_table(training_rows(results, key)),
                  "ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in w["ratios"].items()),
                  text_table(speed_checks(results, key)),
                  "\nevaluation over the test set", text_table(evaluation_rows(results, key)),
                  "\nloader start-up", text_table(startup_rows(results, key)),
                  "\nper-item costs", text_table(per_item_rows(results, key))]
    parts += ["\nwhole book", text_table(book_rows(book if book is not None else load("book_timings.json")))]
    return "\n".join(parts)
