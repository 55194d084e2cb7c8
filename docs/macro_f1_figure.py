"""Make docs/macro_f1.png: accuracy (what the SDC class term rewards) against macro F1.

Usage (after `make run`):
    .venv/bin/python docs/macro_f1_figure.py [results/synthetic] [docs/macro_f1.png]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def accuracy_and_macro_f1(scores: dict) -> dict[str, tuple[float | None, float]]:
    """Accuracy and macro F1 of the all-SFG baseline and the submitted classifier."""
    cls = scores["classification"]
    matrix = np.array(cls["confusion_matrix"]["matrix"])
    n = matrix.sum()
    return {
        "all SFG": (matrix[2].sum() / n, scores["baselines"]["all_sfg"]["macro_f1"]),
        "single frequency": (None, scores["baselines"]["single_frequency"]["macro_f1"]),
        "multi-frequency": (np.trace(matrix) / n, cls["macro_f1"]),
    }


def main(results: Path, out: Path) -> None:
    freqs = [f for f in (560, 1400) if (results / "scores" / f"{f}mhz.json").exists()]
    fig, axes = plt.subplots(
        1, len(freqs), figsize=(4.2 * len(freqs), 3.4), sharey=True, squeeze=False
    )
    for ax, freq in zip(axes[0], freqs):
        rows = accuracy_and_macro_f1(
            json.loads((results / "scores" / f"{freq}mhz.json").read_text())
        )
        x = np.arange(len(rows))
        acc = [np.nan if a is None else a for a, _ in rows.values()]
        f1 = [f for _, f in rows.values()]
        ax.bar(x - 0.18, acc, 0.36, label="fraction correct (SDC class term)", color="0.7")
        ax.bar(x + 0.18, f1, 0.36, label="macro F1", color="tab:blue")
        for xi, value in zip(x + 0.18, f1):
            ax.text(xi, value + 0.02, f"{value:.2f}", ha="center", fontsize=8)
        ax.set_xticks(x, list(rows), fontsize=8)
        ax.set_ylim(0, 1.1)
        ax.set_title(f"{freq} MHz, matched sources outside the training area", fontsize=9)
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else "results/synthetic"),
        Path(sys.argv[2] if len(sys.argv) > 2 else "docs/macro_f1.png"),
    )
