"""Tables from saved benchmark results: printed by `bench.run`, shown by the performance appendix.

Every function takes the loaded JSON and returns rows (lists of dicts with the same keys), so a
notebook can make a DataFrame of them and a terminal can print them; nothing here measures anything.
"""

from __future__ import annotations

import json
from pathlib import Path

from .common import RESULTS

# The (a) configuration each source runs itself. Chapter 3's source loads Fashion-MNIST with
# d2l.load_data_fashion_mnist, whose DataLoader has d2l.get_dataloader_workers() = 4 workers; chapter 7's
# source builds DataLoader(dataset, batch_size, shuffle) in load_cifar_10_data: no num_workers, so 0.
SOURCE_CONFIG = {"fashion_mlp": "a4", "cifar_lenet": "a0"}
SOURCE_LOADER = {"fashion_mlp": "d2l's loader", "cifar_lenet": "the source's loader"}
WORKERS = {"a4": "4 workers", "a0": "0 workers"}
# The book's targets on 2 CPU cores (benchmark figures, not timed tests). One rule for every speed-up
# target: (b) is judged against the faster of (a)'s two configurations on the machine that ran.
SPEED_TARGETS = {"fashion_mlp": 3.5}  # (b) at least this many times faster than the faster (a)
FLOOR_TARGET = 1.2  # (b) at most this many times the compute floor (c), every workload
BOOK_TARGETS_S = {"smoke": 2 * 60, "full": 45 * 60}  # nbval SMOKE pass, FULL execution of every chapter
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


def faster_a(results: dict, key: str) -> str:
    """'a4' or 'a0': the configuration of (a) with the lower median seconds per epoch on this run."""
    contenders = results["workloads"][key]["contenders"]
    return min(("a4", "a0"), key=lambda c: contenders[c]["summary"]["epoch_s"])


def baseline_role(results: dict, key: str, contender: str) -> str:
    """What a configuration of (a) is: the source's own, the faster one on this machine, both or neither."""
    roles = []
    if contender == SOURCE_CONFIG[key]:
        roles.append("as the source runs it")
    if contender == faster_a(results, key):
        roles.append("the faster configuration on this machine")
    return ", ".join(roles) or "-"


def baseline_rows(results: dict, key: str) -> list[dict]:
    """(b)'s speed-up over each configuration of (a), each baseline named with its role."""
    w = results["workloads"][key]
    return [{"workload": w["title"], "baseline": w["contenders"][c]["label"], "role": baseline_role(results, key, c),
             "s/epoch": round(w["contenders"][c]["summary"]["epoch_s"], 2),
             "(a)/(b)": f"{w['ratios'][f'{c}_over_b']:.2f}x"} for c in ("a4", "a0")]


def headline(results: dict, key: str) -> str:
    """(b)'s speed-up over (a), each figure with its baseline named: the source's and the faster configuration."""
    r = results["workloads"][key]["ratios"]
    source, fast = SOURCE_CONFIG[key], faster_a(results, key)
    other = "a0" if source == "a4" else "a4"
    if source == fast:
        return (f"{r[f'{source}_over_b']:.1f}x against {SOURCE_LOADER[key]} as the source runs it (DataLoader, "
                f"{WORKERS[source]}), the faster configuration on this machine; {r[f'{other}_over_b']:.1f}x "
                f"against {WORKERS[other]}")
    return (f"{r[f'{fast}_over_b']:.1f}x against the faster configuration on this machine (DataLoader, "
            f"{WORKERS[fast]}); {r[f'{source}_over_b']:.1f}x against {SOURCE_LOADER[key]} as the source runs it "
            f"(DataLoader, {WORKERS[source]})")


def workers_note(results: dict, key: str) -> str:
    """Whether 4 workers slowed the training loop itself down on this machine (its compute part grew)."""
    w = results["workloads"][key]
    s = {c: w["contenders"][c]["summary"] for c in ("a4", "a0")}
    cores = results["machine"]["cores"]
    if s["a4"]["compute_s"] > s["a0"]["compute_s"]:
        return (f"a {cores}-core effect: 4 workers competed with the training loop for the cores, and its compute "
                f"part grew from {s['a0']['compute_s']:.2f} s (0 workers) to {s['a4']['compute_s']:.2f} s per epoch")
    return f"not a core-count effect: 4 workers did not slow the training loop down on {cores} cores"


def per_repetition_ratios(results: dict, key: str, slow: str, fast: str) -> list[float]:
    """Seconds per epoch of `slow` over `fast` in each repetition (the two ran back to back, same seed)."""
    runs = results["workloads"][key]["contenders"]
    return [(sum(x["epoch_s"]) / len(x["epoch_s"])) / (sum(y["epoch_s"]) / len(y["epoch_s"]))
            for x, y in zip(runs[slow]["runs"], runs[fast]["runs"])]


def _judged(ratio: float, spread: list[float], met: bool, target: str, head: str) -> str:
    """A verdict by the median ratio, saying when the repetitions fall on both sides of the target."""
    text = f"{head}{ratio:.2f}x (median), target {target}; per repetition {min(spread):.2f}x to {max(spread):.2f}x"
    bound = float(target.split()[-1].rstrip("x"))
    if min(spread) < bound < max(spread):
        text += ", on both sides of the target: within the run-to-run noise"
    return ("met: " if met else "missed: ") + text


def speed_checks(results: dict, key: str) -> list[dict]:
    """The book's targets for a workload: measured ratio (median over repetitions), target, met, verdict.

    One rule for every speed-up target: (b) against the faster configuration of (a) on this run, whichever
    it is. LeNet-5 has no speed-up target, only the floor's. A verdict also gives the ratio's range over
    the repetitions and says when that range straddles the target.
    """
    w = results["workloads"][key]
    r = w["ratios"]
    rows = []
    if key in SPEED_TARGETS:
        at_least, fast = SPEED_TARGETS[key], faster_a(results, key)
        speedup, baseline = r[f"{fast}_over_b"], f"{w['contenders'][fast]['label']}, the faster configuration here"
        met = speedup >= at_least
        rows.append({"workload": w["title"], "check": f"(b) faster than {baseline}", "target": f">= {at_least}x",
                     "measured": f"{speedup:.2f}x", "met": met,
                     "verdict": _judged(speedup, per_repetition_ratios(results, key, fast, "b"), met,
                                        f"at least {at_least}x", f"against {baseline}, ")})
    floor = r["b_over_c"]
    met = floor <= FLOOR_TARGET
    rows.append({"workload": w["title"], "check": "(b) against the compute floor (c)", "target": f"<= {FLOOR_TARGET}x",
                 "measured": f"{floor:.2f}x", "met": met,
                 "verdict": _judged(floor, per_repetition_ratios(results, key, "b", "c"), met,
                                    f"at most {FLOOR_TARGET}x", "(b) at ")})
    return rows


def layout_rows(results: dict) -> list[dict]:
    """The layout benchmark: one row per seed, seconds for one epoch of training steps in each layout."""
    lay = results["layout"]
    rows = []
    for run in lay["runs"]:
        e = run["epoch_s"]
        rows.append({"seed": run["seed"], "NCHW s": round(e["nchw"], 2),
                     "channels-last s": round(e["channels_last"], 2),
                     "NCHW / channels-last": round(e["nchw"] / e["channels_last"], 3),
                     "blocks where channels-last was faster": (
                         f"{sum(n > c for n, c in zip(run['blocks_s']['nchw'], run['blocks_s']['channels_last']))}"
                         f" of {len(run['blocks_s']['nchw'])}")})
    return rows


def layout_effect(results: dict) -> dict:
    """NCHW minus channels-last, seconds per epoch of training steps, paired by seed: mean, 95 % interval
    (Student t), verdict on 'channels-last is faster', and the median ratio NCHW / channels-last."""
    import statistics

    import utils

    runs = results["layout"]["runs"]
    nchw = [r["epoch_s"]["nchw"] for r in runs]
    last = [r["epoch_s"]["channels_last"] for r in runs]
    d = utils.paired_difference(last, nchw)
    return {"mean": d.mean, "low": d.low, "high": d.high, "n": d.n, "verdict": utils.verdict(d.low, d.high),
            "ratio": statistics.median(n / c for n, c in zip(nchw, last))}


def parts_rows(results: dict) -> list[dict]:
    """When each part of the results file ran, on which revision, for how long, under what load."""
    parts = [(w["title"], w) for w in results["workloads"].values()]
    if "layout" in results:
        parts.append(("memory format (LeNet-5)", results["layout"]))
    return [{"part": name, "started (UTC)": p.get("created", results["created"]).replace("+00:00", ""),
             "minutes": "-" if p.get("wall_s") is None else round(p["wall_s"] / 60, 1),
             "revision": p.get("git", results["machine"]["git"]),
             "load average at start": str(p.get("load_average_start", results.get("load_average_start")))}
            for name, p in parts]


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
            "os", "multiprocessing_start", "git")
    return [{"fact": k, "value": str(m[k])} for k in keys]


def book_rows(book: dict | None) -> list[dict]:
    """The whole-book figures against their targets; 'not yet measured' without a timings file."""
    rows = []
    for kind, what in (("smoke", "quick run of every chapter (make test)"),
                       ("full", "full execution of every chapter (make execute)")):
        target = f"< {BOOK_TARGETS_S[kind] // 60} min"
        entry = (book or {}).get(kind)
        if not entry:
            rows.append({"figure": what, "target": target, "measured": "not yet measured", "met": None,
                         "measured on (UTC)": "", "revision": ""})
            continue
        seconds = entry["seconds"]
        rows.append({"figure": what, "target": target,
                     "measured": f"{seconds / 60:.1f} min ({entry['notebooks']} notebooks, {entry['status']})",
                     "met": entry["status"] == "passed" and seconds < BOOK_TARGETS_S[kind],
                     "measured on (UTC)": entry.get("created", book.get("created", "?")).replace("+00:00", ""),
                     "revision": entry.get("git", book.get("machine", {}).get("git", "?"))})
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
                  text_table(baseline_rows(results, key)),
                  text_table(speed_checks(results, key)),
                  "\nevaluation over the test set", text_table(evaluation_rows(results, key)),
                  "\nloader start-up", text_table(startup_rows(results, key)),
                  "\nper-item costs", text_table(per_item_rows(results, key))]
    if "layout" in results:
        effect = layout_effect(results)
        parts += [f"\nmemory format: {results['layout']['title']}, {results['layout']['how']}",
                  text_table(layout_rows(results)),
                  f"NCHW minus channels-last: {effect['mean']:+.3f} s/epoch "
                  f"[{effect['low']:+.3f}, {effect['high']:+.3f}], "
                  f"median ratio {effect['ratio']:.3f}; channels-last faster: {effect['verdict']}"]
    parts += ["\nparts of this file", text_table(parts_rows(results))]
    parts += ["\nwhole book", text_table(book_rows(book if book is not None else load("book_timings.json")))]
    return "\n".join(parts)
