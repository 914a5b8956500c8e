"""How well the shipped demo model reads what a class gives it, through the app's own input path.

Prints, for the demo model (assets/demo_model.keras):
- accuracy on held-out digits it never trained on (tests/heldout_digits.py: canvas drawings, pen drawings,
  photos of ink on paper, digits typed in fonts kept out of training), per style and overall (goal >= 90%);
- accuracy on the shipped test digits (goal >= 97%);
- calibration: how many answers are above 90% confidence, and how many of those are right;
- the baseline measured in the same run: the same pictures through the plain path (pad and resize only,
  no cropping, centring or stroke matching), and the time each path takes per picture.
Run:  python bench/demo_model.py [pictures per style, default 200]
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from dlviz.data import datasets, images, modelio  # noqa: E402
from tests import heldout_digits  # noqa: E402


def report(name: str, probabilities: np.ndarray, truth: np.ndarray) -> None:
    predicted = probabilities.argmax(axis=1)
    confident = probabilities.max(axis=1) > 0.9
    right = predicted == truth
    print(f"  {name:<34} accuracy {right.mean():6.1%}   above 90% confidence: {confident.mean():6.1%} of answers, "
          f"{right[confident].mean() if confident.any() else float('nan'):6.1%} of them right")


def main() -> None:
    per_style = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    demo = modelio.load_demo(ROOT / "assets")
    model = demo.model
    shipped = datasets.load(demo.dataset_name)
    print(f"demo model: {model.count_params():,} parameters, {(ROOT / 'assets' / 'demo_model.keras').stat().st_size / 1024:.0f} KB")
    print("shipped test digits (as the inspector shows them):")
    report(f"{len(shipped.x_test)} test digits", model.predict(shipped.x_test, verbose=0), shipped.y_test)

    made = heldout_digits.pictures(per_style)
    for label, recipe in (("digit recipe (the app)", images.DIGITS), ("plain fit (baseline)", images.FIT)):
        started = time.perf_counter()
        held = heldout_digits.prepare_all(made, recipe=recipe)
        seconds = time.perf_counter() - started
        probabilities = model.predict(held.x, verbose=0)
        print(f"held-out digits through {label}: {len(held.y)} pictures, {seconds / len(held.y) * 1000:.1f} ms each to prepare")
        for style in heldout_digits.STYLES:
            chosen = held.styles == style
            report(style, probabilities[chosen], held.y[chosen])
        report("all styles", probabilities, held.y)


if __name__ == "__main__":
    main()
