"""The reproduction report's claims (tools/claims.py) against the stored notebooks' glued values.

The report page evaluates the same registry on the same values, so the page and this test agree.
"""

from __future__ import annotations

import re

import pytest

from tools.claims import CLAIMS, GROUPS, Claim, tally
from tools.notebooks import chapter_notebooks
from utils.stats import VERDICTS


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: f"{c.chapter[:2]}-{c.claim[:40]}")
def test_claim_verdict_is_what_we_measured(claim: Claim, glued_values):
    ours, measured = claim.evaluate(glued_values(claim.chapter))
    assert ours
    assert measured == claim.verdict, (
        f"the registry says '{claim.verdict}', the stored run gives '{measured}': {ours}")


def test_every_chapter_has_claims_and_only_known_verdicts():
    chapters = {c.chapter for c in CLAIMS}
    lessons = {p.name for p in chapter_notebooks() if p.name[:2] <= "07"}
    assert lessons <= chapters, f"chapters without a claim in the report: {sorted(lessons - chapters)}"
    assert {c.verdict for c in CLAIMS} <= set(VERDICTS)


def test_a_claim_row_rejects_an_unknown_verdict_and_a_silent_not_testable():
    with pytest.raises(ValueError, match="verdict must be one of"):
        Claim("x.ipynb", "A0", "c", "", "{a}", "a > 1", "maybe", "")
    with pytest.raises(ValueError, match="would_test"):
        Claim("x.ipynb", "A0", "c", "", "{a}", "'not testable at this budget'", "not testable at this budget", "")


def test_a_check_gives_each_verdict_from_its_interval():
    claim = Claim("x.ipynb", "A0", "c", "", "{lo} {hi}", "verdict(lo, hi)", "holds", "")
    assert claim.evaluate({"lo": 0.01, "hi": 0.03})[1] == "holds"
    assert claim.evaluate({"lo": -0.03, "hi": -0.01})[1] == "contradicted"
    assert claim.evaluate({"lo": -0.01, "hi": 0.03})[1] == "inconclusive"
    boolean = Claim("x.ipynb", "A0", "c", "", "{a}", "a > 1", "holds", "")
    assert boolean.evaluate({"a": 0})[1] == "contradicted"


def _registry_rows() -> list[dict]:
    return [{"kind": c.kind, "identity": c.identity, "verdict": c.verdict} for c in CLAIMS]


def test_a_claim_is_an_article_claim_exactly_when_its_source_is_a1_to_a5():
    assert Claim("x.ipynb", "A3", "c", "", "{a}", "a > 1", "holds", "").kind == "article"
    assert Claim("x.ipynb", "Gal 2016", "c", "", "{a}", "a > 1", "holds", "").kind == "paper"
    assert {c.kind for c in CLAIMS} == {"article", "paper"}
    source = re.compile(r"A[1-5]|(?:van |de )?[A-Z][\w'-]+(?: et al\.)? \d{4}")  # an article, or "<Surname> <year>"
    assert [c.source for c in CLAIMS if not source.fullmatch(c.source)] == []


def test_tally_counts_each_row_once_and_keeps_identities_apart():
    rows = [{"kind": "article", "identity": False, "verdict": "holds"},
            {"kind": "paper", "identity": True, "verdict": "holds"},
            {"kind": "paper", "identity": False, "verdict": "inconclusive"}]
    counts = tally(rows)
    assert counts["article"]["holds"] == counts["article"]["total"] == 1
    assert counts["identity"]["holds"] == counts["identity"]["total"] == 1
    assert counts["paper"]["holds"] == 0 and counts["paper"]["inconclusive"] == 1
    registry = tally(_registry_rows())
    assert sum(registry[g]["total"] for g in GROUPS) == len(CLAIMS)
    for g in GROUPS:
        assert sum(registry[g][v] for v in VERDICTS) == registry[g]["total"]


def test_the_report_counts_what_the_registry_says(glued_values):
    """The stored report's counts per kind, and its totals, are the registry's (re-execute it when not)."""
    report = glued_values("91_reproduction.ipynb")
    counts = tally(_registry_rows())
    names = dict(zip(VERDICTS, ("hold", "contradicted", "inconclusive", "not_testable")))
    expected = {"rep_n_claims": len(CLAIMS), "rep_n_identities": counts["identity"]["total"]}
    for verdict, name in names.items():
        expected[f"rep_n_{name}"] = sum(counts[g][verdict] for g in GROUPS)
    for kind in ("article", "paper"):
        expected[f"rep_n_{kind}"] = sum(c.kind == kind for c in CLAIMS)
        expected[f"rep_n_{kind}_findings"] = counts[kind]["total"]
        for verdict, name in names.items():
            expected[f"rep_n_{kind}_{name}"] = counts[kind][verdict]
    stored = {name: report.get(name) for name in expected}
    assert stored == expected, "chapters/91_reproduction.ipynb is out of date: execute it again"
