"""Claims of the performance appendix: facts that must hold of the saved benchmark results.

The speed targets are benchmark figures (the appendix reports them met or missed), not timed tests:
these tests check that the saved results are complete and sound, and that the page quotes them.
"""

from __future__ import annotations

import json
import statistics
from math import ceil

import pytest

from tools.notebooks import ROOT

RESULTS = ROOT / "bench" / "results"
NOTEBOOK = "90_performance.ipynb"
WORKLOADS = ("fashion_mlp", "cifar_lenet")
CONTENDERS = {"a4", "a0", "b", "c"}


@pytest.fixture(scope="module")
def results() -> dict:
    path = RESULTS / "latest.json"
    assert path.is_file(), "bench/results/latest.json is missing: run `make bench`"
    return json.loads(path.read_text(encoding="utf-8"))


def contenders(results, key):
    return results["workloads"][key]["contenders"]


def test_every_contender_of_every_benchmark_is_there(results):
    assert set(results["workloads"]) == set(WORKLOADS)
    for key in WORKLOADS:
        assert set(contenders(results, key)) == CONTENDERS
        assert set(results["evaluation"][key]["contenders"]) == {"a4", "a0", "b"}
        assert set(results["startup"][key]) == {"a4", "a0", "b"}
        assert results["per_item_us"][key]["dataset[i], all steps"] > 0
        assert set(results["profile"][key]) == {"b", "c"}


def test_the_machine_is_recorded(results):
    machine = results["machine"]
    for fact in ("cores", "device", "device_name", "torch", "torchvision", "python"):
        assert machine[fact], fact
    assert results["wall_s"] > 0


def test_medians_come_from_at_least_three_repetitions_on_the_same_seeds(results):
    assert results["settings"]["repetitions"] >= 3
    for key in WORKLOADS:
        w = results["workloads"][key]
        for c in contenders(results, key).values():
            runs = c["runs"]
            assert len(runs) >= 3 and c["summary"]["repetitions"] == len(runs)
            assert [r["seed"] for r in runs] == w["seeds"]
            per_run = [sum(r["epoch_s"]) / len(r["epoch_s"]) for r in runs]
            assert c["summary"]["epoch_s"] == pytest.approx(statistics.median(per_run))
            accs = [r["test_acc"] for r in runs]
            assert c["summary"]["test_acc"]["median"] == pytest.approx(statistics.median(accs))
        for ev in results["evaluation"][key]["contenders"].values():
            assert ev["repetitions"] >= 3
            assert ev["seconds"] == pytest.approx(statistics.median(r["seconds"] for r in ev["runs"]))


def test_every_contender_does_the_same_work(results):
    """Same epochs, every batch of the training set (no subset), in every run of every contender."""
    for key in WORKLOADS:
        w = results["workloads"][key]
        assert w["max_batches"] is None
        batches = ceil(w["train_examples"] / w["batch_size"])
        for c in contenders(results, key).values():
            for run in c["runs"]:
                assert run["batches"] == [batches] * w["epochs"]


def test_the_pipelines_feed_the_same_examples(results):
    for key in WORKLOADS:
        checks = results["workloads"][key]["checks"]
        assert checks["first_test_images_equal"] and checks["test_labels_equal"]


def test_worker_count_does_not_change_training(results):
    """4 workers and 0 workers deliver the same batches: bit-identical models, equal accuracies."""
    for key in WORKLOADS:
        assert results["workloads"][key]["checks"]["a0_and_a4_train_identically"]
        a4, a0 = contenders(results, key)["a4"]["runs"], contenders(results, key)["a0"]["runs"]
        assert [r["test_acc"] for r in a4] == [r["test_acc"] for r in a0]


def test_the_floor_trains_on_the_books_batches(results):
    """(b) and (c) see the same batches from the same start: their weights end (nearly) equal."""
    for key in WORKLOADS:
        assert results["workloads"][key]["checks"]["b_and_c_max_weight_difference"] < 1e-3


def test_test_accuracy_of_a_and_b_agrees_within_the_spread_over_seeds(results):
    """The ranges (min to max over the seeds) of (a)'s and (b)'s test accuracies overlap."""
    for key in WORKLOADS:
        a = contenders(results, key)["a4"]["summary"]["test_acc"]
        b = contenders(results, key)["b"]["summary"]["test_acc"]
        assert max(a["min"], b["min"]) <= min(a["max"], b["max"]), (key, a, b)


def test_evaluation_gives_the_same_accuracy_through_every_loader(results):
    for key in WORKLOADS:
        ev = results["evaluation"][key]
        assert ev["same_accuracy"]
        assert len({r["test_acc"] for c in ev["contenders"].values() for r in c["runs"]}) == 1


def test_the_page_quotes_the_saved_results(glued_values, results):
    glued = glued_values(NOTEBOOK)
    for prefix, key in (("ch90_mlp", "fashion_mlp"), ("ch90_lenet", "cifar_lenet")):
        w = results["workloads"][key]
        for name, value in w["ratios"].items():
            assert glued[f"{prefix}_{name}"] == pytest.approx(value)
        for c in ("a4", "a0", "b", "c"):
            assert glued[f"{prefix}_epoch_{c}"] == pytest.approx(w["contenders"][c]["summary"]["epoch_s"])
    assert glued["ch90_cores"] == results["machine"]["cores"]
    assert glued["ch90_bench_minutes"] == pytest.approx(results["wall_s"] / 60)


def test_book_timings_when_measured_are_complete(glued_values):
    path = RESULTS / "book_timings.json"
    glued = glued_values(NOTEBOOK)
    if not path.is_file():
        assert glued["ch90_book_smoke"] == glued["ch90_book_full"] == "not yet measured"
        return
    timings = json.loads(path.read_text(encoding="utf-8"))
    for kind in ("smoke", "full"):
        entry = timings.get(kind)
        if entry is None:
            assert glued[f"ch90_book_{kind}"] == "not yet measured"
            continue
        assert entry["seconds"] > 0 and entry["status"] in ("passed", "failed")
        assert f"{entry['seconds'] / 60:.1f} min" in glued[f"ch90_book_{kind}"]
