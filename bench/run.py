"""`python -m bench.run` (`make bench`): the d2l way, the book's way and the compute floor, side by side.

For each workload (Fashion-MNIST with chapter 3's MLP, CIFAR-10 with chapter 7's LeNet-5) every
repetition trains one fresh seeded model per contender, in the order a4 a0 b c a4 a0 b c ... (never all
repetitions of one contender in a row), repetition r using seed r for every contender. Reported: the
median over repetitions of seconds per training epoch (worker start-up included, as d2l pays it every
epoch; data-set set-up timed apart), of the time spent waiting for batches, and the test accuracy
(median and min-max over the seeds). Then evaluation (utils.evaluate_accuracy through each loader),
loader start-up, per-item costs of the transforms, and a torch.profiler summary of (b) and (c).
Last, the layout benchmark: LeNet-5's training steps on CIFAR-10 batches in NCHW and in channels-last,
interleaved step by step, so that the memory format's effect is measured apart from the data pipeline's
(`--only-layout` runs just this and adds it to an existing results file).

The run holds the machine-wide lock (/tmp/book-execute.lock) from start to end, so no notebook
execution competes for the cores: do not wrap it in `flock` yourself (or pass --no-lock if you do).
Results are written atomically to bench/results/latest.json and printed as tables; then the performance
appendix is re-executed in place to show them (not after --only, nor with --no-refresh).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from contextlib import nullcontext
from pathlib import Path

import torch

import utils

from . import report
from .common import (
    RESULTS,
    git_revision,
    load_average,
    machine_facts,
    median,
    now_utc,
    refresh_appendix,
    spread,
    write_json_atomically,
)
from .measure import (
    CONTENDERS,
    LABELS,
    LAYOUT_LABELS,
    eval_run,
    layout_run,
    per_item_costs,
    profile_run,
    startup_run,
    train_run,
)
from .pipelines import BATCH_SIZE, CIFAR, WORKLOADS, book_loader, book_splits, source_loader

EVAL_CONTENDERS = ("a4", "a0", "b")


def log(message: str) -> None:
    print(message, flush=True)


def identical_inputs(workload, splits, n: int = 1024) -> dict:
    """Do the DataLoader's per-item pipeline and the book's tensors hold the same test examples?"""
    loader, _ = source_loader(workload, 0, train=False, use_d2l=False)
    ds = loader.dataset
    X, y = splits.test
    first = torch.stack([ds[i][0] for i in range(n)])
    labels = torch.as_tensor(ds.targets)
    return {"first_test_images_equal": bool(torch.equal(first, X[:n].cpu())), "images_compared": n,
            "test_labels_equal": bool(torch.equal(labels, y.cpu()))}


def summarise(runs: list[dict]) -> dict:
    """Medians over repetitions of one contender's per-run means (seconds per epoch), accuracy spread."""
    keys = ("epoch_s", "data_s", "first_batch_s", "cpu_s")
    per_run = {key: [sum(r[key]) / len(r[key]) for r in runs] for key in keys}
    others = [None if None in r["others_cpu_s"] else sum(r["others_cpu_s"]) / len(r["others_cpu_s"]) for r in runs]
    return {
        "cpu_s": median(per_run["cpu_s"]),
        "others_cpu_s": None if None in others else median(others),
        "epoch_s": median(per_run["epoch_s"]),
        "data_s": median(per_run["data_s"]),
        "compute_s": median([e - d for e, d in zip(per_run["epoch_s"], per_run["data_s"])]),
        "first_batch_s": median(per_run["first_batch_s"]),
        "setup_s": median(r["setup_s"] for r in runs),
        "repetitions": len(runs),
        "test_acc": spread(r["test_acc"] for r in runs),
    }


def bench_training(workload, dev, args, splits, test_loader) -> dict:
    """All repetitions of all contenders of one workload, alternating."""
    epochs = args.fashion_epochs if workload.key == "fashion_mlp" else args.cifar_epochs
    log(f"\n== {workload.title}: {epochs} epoch(s) x {args.reps} repetitions per contender ==")
    for contender in CONTENDERS:  # warm-up: caches, thread pools, allocator (not recorded)
        train_run(workload, contender, 0, 1, dev, splits, test_loader, max_batches=3)
    runs: dict[str, list[dict]] = {c: [] for c in CONTENDERS}
    for rep in range(args.reps):
        for contender in CONTENDERS:
            record = train_run(workload, contender, rep, epochs, dev, splits, test_loader, args.max_batches)
            runs[contender].append(record)
            log(f"  rep {rep + 1} {LABELS[contender]:<30} {median(record['epoch_s']):7.2f} s/epoch, "
                f"test acc {record['test_acc']:.4f}")
    same_training = all(
        all(torch.equal(a["state"][k], b["state"][k]) for k in a["state"])
        for a, b in zip(runs["a4"], runs["a0"]))
    # (b) and (c) see the same batches from the same start; only float rounding in the loss's mean can differ.
    b_vs_c = max(float((b["state"][k].float() - c["state"][k].float()).abs().max())
                 for b, c in zip(runs["b"], runs["c"]) for k in b["state"])
    trained = runs["b"][0]["state"]  # a trained model for the evaluation benchmark
    contenders = {}
    for contender in CONTENDERS:
        for record in runs[contender]:
            record.pop("state")
        contenders[contender] = {"label": LABELS[contender], "how": runs[contender][0]["how"],
                                 "summary": summarise(runs[contender]), "runs": runs[contender]}
    seconds = {c: contenders[c]["summary"]["epoch_s"] for c in CONTENDERS}
    cpu = {c: contenders[c]["summary"]["cpu_s"] for c in CONTENDERS}
    return {
        "title": workload.title, "model": workload.model, "optimizer": workload.optimizer,
        "batch_size": BATCH_SIZE, "epochs": epochs, "seeds": list(range(args.reps)),
        "max_batches": args.max_batches, "train_examples": len(splits.train[1]),
        "test_examples": len(splits.test[1]), "data_source": splits.source,
        "contenders": contenders,
        "ratios": {"a4_over_b": seconds["a4"] / seconds["b"], "a0_over_b": seconds["a0"] / seconds["b"],
                   "b_over_c": seconds["b"] / seconds["c"], "a4_over_c": seconds["a4"] / seconds["c"]},
        "cpu_ratios": {f"{x}_over_{y}": cpu[x] / cpu[y] for x, y in (("a4", "b"), ("a0", "b"), ("b", "c"))},
        "checks": {"a0_and_a4_train_identically": same_training, "b_and_c_max_weight_difference": b_vs_c,
                   **identical_inputs(workload, splits)},
        "_trained": trained,
    }


def bench_evaluation(workload, dev, args, splits, state) -> dict:
    """utils.evaluate_accuracy over the test set through each loader, alternating, median seconds."""
    net, _ = workload.build()
    net.load_state_dict(state)
    runs: dict[str, list[dict]] = {c: [] for c in EVAL_CONTENDERS}
    for _ in range(args.reps):
        for contender in EVAL_CONTENDERS:
            runs[contender].append(eval_run(workload, contender, net, dev, splits))
    out = {c: {"label": LABELS[c].replace("TensorLoader", "TensorLoader (test set)"), "how": runs[c][0]["how"],
               "seconds": median(r["seconds"] for r in runs[c]), "setup_s": median(r["setup_s"] for r in runs[c]),
               "test_acc": runs[c][0]["test_acc"], "repetitions": len(runs[c]), "runs": runs[c]}
           for c in EVAL_CONTENDERS}
    accs = {r["test_acc"] for c in EVAL_CONTENDERS for r in runs[c]}
    return {"contenders": out, "same_accuracy": len(accs) == 1,
            "ratios": {"a4_over_b": out["a4"]["seconds"] / out["b"]["seconds"],
                       "a0_over_b": out["a0"]["seconds"] / out["b"]["seconds"]}}


def bench_startup(workload, dev, args, splits) -> dict:
    """iter() + first batch + shut-down of each loader, alternating, medians."""
    runs: dict[str, list[dict]] = {c: [] for c in EVAL_CONTENDERS}
    for _ in range(args.reps):
        for contender in EVAL_CONTENDERS:
            runs[contender].append(startup_run(workload, contender, dev, splits))
    return {c: {"label": LABELS[c], **{k: median(r[k] for r in runs[c]) for k in runs[c][0]},
                "repetitions": len(runs[c])} for c in EVAL_CONTENDERS}


def bench_layout(dev, args, splits) -> dict:
    """LeNet-5 on CIFAR-10: the floor's training steps in NCHW and in channels-last, interleaved step by step.

    Only the memory format differs (same batches, same seeded start, same code); repetition r uses seed r.
    """
    started, load_start = time.perf_counter(), load_average()
    log(f"\n== layout: {CIFAR.title}, 1 epoch x {args.layout_reps} seeds, NCHW and channels-last interleaved ==")
    layout_run(CIFAR, 0, dev, splits_head(splits, 12))  # warm-up (not recorded)
    runs = []
    for rep in range(args.layout_reps):
        record = layout_run(CIFAR, rep, dev, splits)
        runs.append(record)
        log(f"  seed {rep}: " + ", ".join(f"{LAYOUT_LABELS[k]} {v:.2f} s" for k, v in record["epoch_s"].items()))
    return {
        "created": now_utc(), "git": git_revision(), "load_average_start": load_start,
        "workload": CIFAR.key, "title": CIFAR.title, "model": CIFAR.model, "optimizer": CIFAR.optimizer,
        "epochs": 1, "repetitions": len(runs), "seeds": [r["seed"] for r in runs], "labels": LAYOUT_LABELS,
        "how": "the floor's steps (forward, backward, step) on (b)'s batches, both layouts interleaved step by step",
        "runs": runs, "load_average_end": load_average(), "wall_s": time.perf_counter() - started,
    }


def splits_head(splits: utils.Splits, batches: int) -> utils.Splits:
    """The first `batches` batches' worth of the training set (for a warm-up)."""
    X, y = splits.train
    n = batches * BATCH_SIZE
    return utils.Splits((X[:n], y[:n]), splits.test, splits.classes, splits.source)


def run_layout_only(args, dev) -> dict:
    """The layout benchmark alone, added to the results file at args.out (which must exist)."""
    if not args.out.is_file():
        raise SystemExit(f"--only-layout adds to an existing results file; {args.out} is missing")
    import json

    results = json.loads(args.out.read_text(encoding="utf-8"))
    results["layout"] = bench_layout(dev, args, book_splits(CIFAR, dev))
    return with_total_wall(results)


def run(args) -> dict:
    """Every workload (or, with --only, one of them added to the existing results file at --out).

    Each workload records when it ran, on which revision, for how long and under what load, so a file
    whose parts come from separate runs says so.
    """
    dev = utils.device()
    settings = {"repetitions": args.reps, "order": " ".join(CONTENDERS) + " (repeated)",
                "fashion_epochs": args.fashion_epochs, "cifar_epochs": args.cifar_epochs,
                "max_batches": args.max_batches, "profile_batches": args.profile_batches,
                "held_machine_lock": not args.no_lock}
    if args.only and args.out.is_file():
        import json

        results = json.loads(args.out.read_text(encoding="utf-8"))
        if results["settings"] != settings:
            raise SystemExit(f"--only: the settings differ from those of {args.out}; run the whole benchmark")
        for part in results["workloads"].values():  # a part from a whole run: that run's start and revision
            for key in ("created", "git"):
                part.setdefault(key, results["created"] if key == "created" else results["machine"]["git"])
            part.setdefault("wall_s", None)  # timed only as part of the whole run
    else:
        results = {"schema": 1, "created": now_utc(), "machine": machine_facts(dev), "settings": settings,
                   "workloads": {}, "evaluation": {}, "startup": {}, "per_item_us": {}, "profile": {}}
    log(f"bench on {results['machine']['device']} ({results['machine']['device_name']}), "
        f"{results['machine']['cores']} cores, torch {torch.__version__}")
    for workload in WORKLOADS:
        if args.only and workload.key != args.only:
            continue
        part_start, load_start, created, git = time.perf_counter(), load_average(), now_utc(), git_revision()
        splits = book_splits(workload, dev)
        test_loader = book_loader(splits, 0, train=False)
        training = bench_training(workload, dev, args, splits, test_loader)
        trained = training.pop("_trained")
        log(f"-- evaluation, loader start-up, per-item costs, profile ({workload.key})")
        results["evaluation"][workload.key] = bench_evaluation(workload, dev, args, splits, trained)
        results["startup"][workload.key] = bench_startup(workload, dev, args, splits)
        results["per_item_us"][workload.key] = per_item_costs(workload)
        results["profile"][workload.key] = {c: profile_run(workload, c, dev, splits, args.profile_batches)
                                            for c in ("b", "c")}
        training.update({"created": created, "git": git, "load_average_start": load_start,
                         "load_average_end": load_average(), "wall_s": time.perf_counter() - part_start})
        results["workloads"][workload.key] = training
        if workload is CIFAR:
            results["layout"] = bench_layout(dev, args, splits)
        del splits, test_loader, trained
    return with_total_wall(results)


def with_total_wall(results: dict) -> dict:
    """results["wall_s"]: the seconds of every part that was timed on its own (workloads, layout)."""
    parts = [*results["workloads"].values(), results.get("layout", {})]
    results["wall_s"] = sum(p.get("wall_s") or 0.0 for p in parts)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5, help="repetitions (seeds 0..reps-1); at least 3")
    parser.add_argument("--fashion-epochs", type=int, default=2)
    parser.add_argument("--cifar-epochs", type=int, default=1)
    parser.add_argument("--max-batches", type=int, default=None,
                        help="stop every epoch after this many batches (development only)")
    parser.add_argument("--profile-batches", type=int, default=30)
    parser.add_argument("--only", choices=[w.key for w in WORKLOADS],
                        help="one workload, replacing its part of the results file at --out (when it exists)")
    parser.add_argument("--layout-reps", type=int, default=5,
                        help="repetitions of the layout benchmark (seeds 0..layout_reps-1); at least 3")
    parser.add_argument("--only-layout", action="store_true",
                        help="run only the layout benchmark and add it to the existing results file (--out)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--no-lock", action="store_true", help="the caller already holds the machine lock")
    parser.add_argument("--no-refresh", action="store_true",
                        help="do not re-execute the performance appendix after writing the results")
    args = parser.parse_args(argv)
    if args.reps < 3 or args.layout_reps < 3:
        parser.error("--reps and --layout-reps must be at least 3 (medians of at least 3 repetitions)")
    # d2l's 4 workers on fewer cores make torch warn; that over-subscription is what is being measured.
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    from tools.execute import machine_lock

    with nullcontext() if args.no_lock else machine_lock():
        results = run_layout_only(args, utils.device()) if args.only_layout else run(args)
    path = write_json_atomically(results, args.out)
    print()
    print(report.text_report(results))
    log(f"\nwrote {path} (bench wall time {results['wall_s']:.0f} s)")
    return 0 if args.no_refresh else refresh_appendix(path)


if __name__ == "__main__":
    sys.exit(main())
