"""The reproduction report's claims (tools/claims.py) against the stored notebooks' glued values.

The report page evaluates the same registry on the same values, so the page and this test agree.
"""

from __future__ import annotations

import pytest

from tools.claims import CLAIMS, Claim
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
