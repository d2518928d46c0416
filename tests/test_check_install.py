"""The install check reads requirements and pip reports correctly (the resolution itself runs in CI)."""

from __future__ import annotations

import pytest

from tools.check_install import chosen_versions, normalise, requirement_names


def test_requirement_names_cover_the_book_and_hold_lower_bounds_only(tmp_path):
    names = requirement_names()
    assert {"torch", "torchvision", "numpy", "matplotlib"} <= set(names)
    from tools.check_install import REQUIREMENTS
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert "==" not in line and "<" not in line, f"requirements.txt pins or caps: {line}"


def test_chosen_versions_reads_a_report_and_rejects_a_missing_package():
    report = {"install": [{"metadata": {"name": "Torch", "version": "2.10.0"}},
                          {"metadata": {"name": "scikit_image", "version": "0.26.0"}}]}
    assert chosen_versions(report, ["torch", "scikit-image"]) == {"torch": "2.10.0", "scikit-image": "0.26.0"}
    with pytest.raises(ValueError, match="numpy"):
        chosen_versions(report, ["torch", "numpy"])


def test_normalise():
    assert normalise("Scikit_Image") == normalise("scikit.image") == "scikit-image"
