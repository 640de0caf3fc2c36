"""Draw one PNG per learning-curve pattern (docs/images/pattern_*.png).

The curves are the noisy synthetic ones the diagnosis is tested on
(tests/synthetic_curves.py), so every picture shows what the rules see.
Run from the repository root: ``python docs/images/make_pattern_images.py``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))

from synthetic_curves import GENERATORS  # noqa: E402

from skmlp.inspection import TrainingCurveDisplay  # noqa: E402


def main():
    for seed, (pattern, generate) in enumerate(GENERATORS.items()):
        train, valid = generate(np.random.RandomState(seed + 10))
        fig, ax = plt.subplots(figsize=(5, 3.5))
        display = TrainingCurveDisplay(
            train_loss=train, valid_loss=valid, best_epoch=int(np.argmin(valid)) + 1
        )
        display.plot(ax=ax)
        assert display.diagnosis.pattern == pattern, (pattern, display.diagnosis.pattern)
        ax.set_title(
            f"{pattern.replace('_', ' ')}\n(diagnosed: "
            f"{display.diagnosis.pattern.replace('_', ' ')})",
            fontsize=10,
        )
        fig.tight_layout()
        fig.savefig(HERE / f"pattern_{pattern}.png", dpi=80)
        plt.close(fig)
        print(HERE / f"pattern_{pattern}.png")


if __name__ == "__main__":
    main()
