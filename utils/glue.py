"""Store values in a notebook's outputs for the text to quote (MyST-NB's glue protocol) and read them back."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from .checks import check_bool
from .plot import in_jupyter, png_bytes

GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record `value` under `name` so the page can quote it ({glue:text}`name`).

    Same output format as myst_nb.glue, without needing MyST-NB where the notebook runs (Colab).
    A matplotlib Figure is stored as a PNG. Outside Jupyter nothing is shown.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"glue name must be a Python identifier such as 'test_acc', got {name!r}.")
    display = check_bool(display, "display")
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # a NumPy or torch scalar: store the plain Python number
    if in_jupyter():
        from IPython.core.formatters import format_display_data
        from IPython.display import Image
        from IPython.display import display as ipy_display

        shown = Image(data=png_bytes(value)) if isinstance(value, Figure) else value
        bundle, metadata = format_display_data(shown)
        prefix = "" if display else GLUE_PREFIX
        metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
        ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


def _float_or_text(text: str) -> float | str:
    """nan, inf and -inf (which literal_eval refuses) as floats; any other text as it is."""
    return float(text) if text.strip().lower() in ("nan", "inf", "-inf") else text


def glued(notebook: str | os.PathLike) -> dict[str, Any]:
    """The values glued in a stored notebook: numbers and strings as Python values, figures as 'image'."""
    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}.")
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (ValueError, KeyError, TypeError) as exc:  # not JSON, or JSON without cells
        raise ValueError(f"{path} is not a Jupyter notebook ({type(exc).__name__}: {exc}).") from exc
    values: dict[str, Any] = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            data = {k[len(meta.get("mime_prefix", "")):]: v for k, v in output["data"].items()}
            if "image/png" in data:
                values[meta["name"]] = "image"
                continue
            text = data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            try:
                values[meta["name"]] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[meta["name"]] = _float_or_text(text)
    return values
