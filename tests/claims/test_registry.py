"""The reproduction report's claims (tools/claims.py) against the stored notebooks' glued values.

The report page evaluates the same registry on the same values, so the page and this test agree.
"""

from __future__ import annotations

import pytest

from tools.claims import CLAIMS, Claim
from tools.notebooks import chapter_notebooks


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: f"{c.chapter[:2]}-{c.claim[:40]}")
def test_claim_verdict_is_what_we_measured(claim: Claim, glued_values):
    ours, holds = claim.evaluate(glued_values(claim.chapter))
    assert ours
    verdict = "holds" if claim.holds else "is contradicted"
    assert holds == claim.holds, f"the registry says the claim {verdict}, the stored run says otherwise: {ours}"


def test_every_chapter_has_claims_and_both_verdicts_occur():
    chapters = {c.chapter for c in CLAIMS}
    lessons = {p.name for p in chapter_notebooks() if p.name[:2] <= "07"}
    assert lessons <= chapters, f"chapters without a claim in the report: {sorted(lessons - chapters)}"
    assert {True, False} == {c.holds for c in CLAIMS}


def test_a_wrong_verdict_is_caught():
    claim = Claim("x.ipynb", "A0", "c", "", "{a}", "a > 1", True, "")
    assert claim.evaluate({"a": 2}) == ("2", True)
    assert claim.evaluate({"a": 0})[1] is False
