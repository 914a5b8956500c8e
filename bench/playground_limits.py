"""The playground with TensorFlow code, and what its limits cost: figures against the default preset, same run.

Prints
- the baseline: the default preset analysed as the page does it (parse, run in all three modes, both graphs laid out);
- the same for each TensorFlow-code preset, and `to_tensorflow` in each style;
- a tf.function call that traces a new graph vs. one that reuses it (the tracing tab);
- what hostile programs cost before they are refused: a gradient of a gradient of … tanh twelve deep (the issue's
  runaway: 107 s and 1.9 GB before), thousands of nested minuses or additions, a rank-300 reshape, feeds of 10**400
  or 3,000 brackets.
Run:  python bench/playground_limits.py   (numbers on a shared machine are inflated; ratios are what to compare)
"""

import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from dlviz import runtime  # noqa: E402
from dlviz.graphs import compgraph, playground, program, tracing  # noqa: E402
from dlviz.graphs.presets import DEFAULT_PRESET, PRESETS  # noqa: E402

REPEATS = 5


def median_seconds(work, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def once(work) -> tuple[float, object]:
    started = time.perf_counter()
    outcome = work()
    return time.perf_counter() - started, outcome


def refusal(text: str, feeds: dict | None = None) -> str:
    analysis = playground.analyse(text, feeds or {})
    error = analysis.parse_error or analysis.run_error
    return "ran" if error is None else str(getattr(error, "message", error))[:90]


def main() -> None:
    started = time.perf_counter()
    runtime.require()
    print(f"TensorFlow ready in {time.perf_counter() - started:.1f} s (not counted below)")
    playground.analyse(PRESETS[DEFAULT_PRESET], {})  # first use: TensorFlow's own warm-up
    baseline = median_seconds(lambda: playground.analyse(PRESETS[DEFAULT_PRESET], {}))
    print(f"\nBaseline: default preset analysed (3 modes + graphs): {baseline * 1000:.0f} ms median of {REPEATS}")

    print("\nTensorFlow-code presets, analysed as the page does it:")
    for name, text in PRESETS.items():
        if "TensorFlow" not in name:
            continue
        seconds = median_seconds(lambda text=text: playground.analyse(text, {}))
        print(f"  {seconds * 1000:6.0f} ms  ({seconds / baseline:.2f}× baseline)  {name}")
    parsed = program.parse(PRESETS[DEFAULT_PRESET])
    for style in program.STYLES:
        seconds = median_seconds(lambda style=style: program.to_tensorflow(parsed, style), 20)
        print(f"  {seconds * 1000:6.2f} ms  to_tensorflow(default preset, {style!r})")
    parse_seconds = median_seconds(lambda: program.parse(PRESETS["TensorFlow 2 code: GradientTape and tf.function"]), 20)
    print(f"  {parse_seconds * 1000:6.2f} ms  parse the GradientTape + tf.function preset (never executed: read with ast)")

    retracer = tracing.Retracer(program.parse(PRESETS["A linear layer"]))
    new_shape, _ = once(lambda: retracer.call({"x": np.ones((2, 3), np.float32)}))
    reuse = median_seconds(lambda: retracer.call({"x": np.zeros((2, 3), np.float32)}))
    retrace, _ = once(lambda: retracer.call({"x": np.ones((7, 3), np.float32)}))
    print(f"\ntf.function tracing tab (linear layer): first call {new_shape * 1000:.0f} ms (traces 2 graphs), "
          f"new shape {retrace * 1000:.0f} ms (retraces 1), same shape {reuse * 1000:.1f} ms (reuses) "
          f"→ a retrace costs {retrace / reuse:.0f}× a reused call")

    print("\nHostile programs: time until refused, and the message (compare with the baseline above):")
    chain = "x = constant([0.5, 1.0])\ny = tanh(x)\nd1 = grad(y, x)\n" + "".join(f"d{i + 1} = grad(d{i}, x)\n" for i in range(1, 12))
    cases = {
        "grad of grad … 12 deep (tanh)": (chain, None),
        "3,000 unary minuses": ("x = " + "-" * 3000 + "a", None),
        "a + a + … 1,200 terms": ("a = constant(1.0)\nb = " + " + ".join(["a"] * 1200), None),
        "reshape to rank 300": ("a = constant(1.0)\nb = reshape(a, [" + ", ".join(["1"] * 300) + "])", None),
        "feed of 10**400": (PRESETS["A linear layer"], {"x": "1" + "0" * 400}),
        "feed of 3,000 brackets": (PRESETS["A linear layer"], {"x": "[" * 3000 + "]" * 3000}),
        "tf.io.write_file": ('import tensorflow as tf\nw = tf.io.write_file("/tmp/x", "y")', None),
    }
    for label, (text, feeds) in cases.items():
        seconds, message = once(lambda text=text, feeds=feeds: refusal(text, feeds))
        print(f"  {seconds * 1000:8.0f} ms ({seconds / baseline:5.1f}× baseline)  {label}: {message}")

    print("\nHow a gradient chain grows (tanh, graph mode), until the bound of "
          f"{compgraph.MAX_TF_OPS:,} TensorFlow ops stops it:")
    for depth in range(1, 13):
        text = "x = constant([0.5, 1.0])\ny = tanh(x)\nd1 = grad(y, x)\n" + "".join(f"d{i + 1} = grad(d{i}, x)\n" for i in range(1, depth))
        try:
            seconds, result = once(lambda text=text: compgraph.run(program.parse(text), {}, "graph"))
            print(f"  {depth:2d} deep: {len(result.graph_def.node):5,} ops in {seconds * 1000:6.0f} ms")
        except compgraph.GraphRunError as error:
            print(f"  {depth:2d} deep: refused at node {error.node} ({error.message[:70]}…)")
            break
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak memory of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
