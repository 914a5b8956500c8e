"""Attribution figures, in one run: Integrated Gradients completeness; on the shapes, Grad-CAM's pointing game and
the deletion AUCs of Grad-CAM and Integrated Gradients against a random ranking, with the app's default shapes
model (the Build & train page's default preset and settings, trained here on `shapes`); every method's time for
one new input on the demo model.

Run:  python bench/attribution.py [test images, default 100]
Goals (issue 14): IG within 5% of score(x) − score(baseline) at the default 64 steps; Grad-CAM pointing game
>= 80%; Grad-CAM and IG deletion AUC below the random ranking's on average; gradient, gradient × input and
Grad-CAM <= 300 ms per map; SmoothGrad, IG and occlusion <= 2 s at their defaults.
"""

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from dlviz.cnn import architecture, attribution  # noqa: E402
from dlviz.data import datasets, modelio  # noqa: E402
from dlviz.training import training  # noqa: E402

FAST = ("gradient", "gradient_x_input", "gradcam")


def completeness(model, images, classes) -> list[float]:
    """|Σ IG − (score(x) − score(black))| / |score(x) − score(black)| per image, default 64 steps."""
    errors = []
    for image, label in zip(images, classes):
        total, difference = attribution.completeness(model, image, int(label))
        errors.append(abs(total - difference) / max(abs(difference), 1e-12))
    return errors


def timings(model, images, label_of) -> dict[str, float]:
    """Median ms for one map of each method at its defaults, each image new (the first one warms up)."""
    for method in attribution.METHODS:
        attribution.saliency(model, images[0], label_of(images[0]), method)
    result = {}
    for method in attribution.METHODS:
        times = []
        for image in images[1:]:
            label = label_of(image)
            started = time.perf_counter()
            attribution.saliency(model, image, label, method)
            times.append((time.perf_counter() - started) * 1000)
        result[method] = statistics.median(times)
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print(f"machine: {os.cpu_count()} cores visible; timings are inflated when the machine is shared\n")

    demo = modelio.load_demo(ROOT / "assets")
    digits = datasets.load(demo.dataset_name)
    predicted = lambda model, image: int(np.argmax(attribution.probabilities(model, image[None])[0]))  # noqa: E731

    # -- per-method time on the demo model -------------------------------------------------------------
    spent = timings(demo.model, digits.x_test[:21], lambda image: predicted(demo.model, image))
    bare = statistics.median([_ms(lambda image=image: demo.model(image[None], training=False)) for image in digits.x_test[:20]])
    print(f"demo model, one new input, median of 20 (baseline: a bare model call {bare:.1f} ms)")
    for method, ms in spent.items():
        goal = 300 if method in FAST else 2000
        print(f"  {attribution.METHODS[method]:22s} {ms:8.1f} ms  (goal <= {goal} ms{', ' if ms <= goal else ', MISSED, '}"
              f"{ms / bare:.1f}× a model call)")

    # -- the default shapes model --------------------------------------------------------------------------
    shapes = datasets.load("shapes")
    _, masks = datasets.shape_masks()
    model = architecture.build_model(architecture.default_layers(), shapes.input_shape, shapes.num_classes)
    started = time.perf_counter()
    run = training.train(model, shapes, training.TrainConfig())
    accuracy = training.evaluate(model, shapes).accuracy
    print(f"\nshapes model: preset '{architecture.DEFAULT_PRESET}', default settings, {run.finished_epochs} epochs "
          f"in {time.perf_counter() - started:.0f} s, test accuracy {accuracy:.1%}")

    images, image_masks = shapes.x_test[:count], masks[:count]
    classes = np.argmax(attribution.probabilities(model, images), axis=1)

    # -- Integrated Gradients completeness ----------------------------------------------------------------
    for name, errors in (("demo model", completeness(demo.model, digits.x_test[:count], np.argmax(attribution.probabilities(demo.model, digits.x_test[:count]), axis=1))),
                         ("shapes model", completeness(model, images, classes))):
        within = np.mean(np.array(errors) <= 0.05)
        print(f"IG completeness, {name}, {count} test images, 64 steps, black baseline: median error {np.median(errors):.2%}, "
              f"worst {np.max(errors):.2%}, within 5%: {within:.0%} (goal: 100%)")

    # -- pointing game and deletion AUCs on the shapes ----------------------------------------------------------
    started = time.perf_counter()
    scores = attribution.compare_methods(model, images, classes, masks=image_masks)
    print(f"\nshapes, {count} test images, each explained for the predicted class ({time.perf_counter() - started:.0f} s):")
    print(f"  {'method':22s} {'pointing game':>13s} {'deletion AUC':>13s} {'insertion AUC':>14s} {'ms per map':>11s}")
    by_method = {score.method: score for score in scores}
    for score in scores:
        label = "Random ranking" if score.method == "random" else attribution.METHODS[score.method]
        print(f"  {label:22s} {score.pointing:13.1%} {score.deletion_auc:13.3f} {score.insertion_auc:14.3f} {score.seconds * 1000:11.1f}")
    random = by_method["random"].deletion_auc
    print(f"\nGrad-CAM pointing game {by_method['gradcam'].pointing:.1%} (goal >= 80%); deletion AUC: Grad-CAM "
          f"{by_method['gradcam'].deletion_auc:.3f}, Integrated Gradients {by_method['integrated_gradients'].deletion_auc:.3f}, "
          f"random ranking {random:.3f} (goal: both below random)")


def _ms(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
