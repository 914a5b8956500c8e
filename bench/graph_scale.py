"""Graph explorer at scale: trace, fold, collapse, layout and figure times, and figure JSON size.

For the default CNN, MobileNetV2, ResNet50 (collapsed and fully expanded) and a generated
10,000-node graph, measured in one run on this machine. With --browser, also the time from
choosing ResNet50's op graph to its rendered graph in headless Chromium (first time and cached).
Run:  python bench/graph_scale.py [--browser]
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from dlviz.cnn import architecture  # noqa: E402
from dlviz.figures import graph as figures  # noqa: E402
from dlviz.graphs import explorer, tfgraph  # noqa: E402


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


def generated_graph(nodes: int = 10_000, seed: int = 0) -> nx.DiGraph:
    """A layered random DAG shaped like a deep network: ~40 layers, edges mostly to the next layer."""
    rng = np.random.default_rng(seed)
    graph = nx.DiGraph()
    layer_of = np.sort(rng.integers(0, 40, size=nodes))
    by_layer = [np.flatnonzero(layer_of == layer) for layer in range(40)]
    for node in range(nodes):
        graph.add_node(f"block{layer_of[node]}/op{node}", op="Op", kind="op")
    for layer in range(1, 40):
        for node in by_layer[layer]:
            for source in rng.choice(by_layer[layer - 1], size=min(2, len(by_layer[layer - 1])), replace=False):
                graph.add_edge(f"block{layer - 1}/op{source}", f"block{layer}/op{node}", role="data", label="")
    return graph


def row(name: str, graph: nx.DiGraph, trace_ms: float, fold: bool, collapsed: bool) -> None:
    shown, fold_ms = timed(tfgraph.fold_plumbing, graph) if fold else (graph, 0.0)
    shown, collapse_ms = timed(tfgraph.collapse, shown) if collapsed else (shown, 0.0)
    positions, layout_ms = timed(tfgraph.layout, shown, wrap=12 if shown.number_of_nodes() > 60 else None)
    figure, figure_ms = timed(figures.graph_figure, shown, positions)
    size = len(figure.to_json()) / 1e6
    print(f"{name:34s} {graph.number_of_nodes():7,d} {shown.number_of_nodes():7,d} {trace_ms:8.0f} {fold_ms:7.0f} "
          f"{collapse_ms:8.0f} {layout_ms:7.0f} {figure_ms:7.0f} {size:7.2f}")


def main() -> None:
    print(f"{'graph':34s} {'ops':>7s} {'shown':>7s} {'trace ms':>8s} {'fold':>7s} {'collapse':>8s} {'layout':>7s} "
          f"{'figure':>7s} {'JSON MB':>7s}")
    cnn = architecture.build_model(architecture.default_layers(), (28, 28, 1), 10)
    for name, model in (("default CNN", cnn), ("MobileNetV2", explorer.builtin_model("MobileNetV2")),
                        ("ResNet50", explorer.builtin_model("ResNet50"))):
        built, trace_ms = timed(explorer.build, model, "op")
        row(f"{name} op graph, collapsed", built.graph, trace_ms, True, True)
        if name == "ResNet50":
            row(f"{name} op graph, fully expanded", built.graph, trace_ms, True, False)
            row(f"{name} op graph, raw (no folding)", built.graph, trace_ms, False, False)
    built, trace_ms = timed(explorer.build, cnn, "train")
    row("default CNN training step, collapsed", built.graph, trace_ms, True, True)
    row("generated 10,000-node graph", generated_graph(), 0.0, False, False)
    if "--browser" in sys.argv:
        browser()


def browser() -> None:
    from tests.browser_support import chromium_page, running_app

    with running_app() as url, chromium_page(height=1600) as page:
        for attempt in ("first (builds and traces ResNet50)", "cached (another visit)"):
            page.goto(f"{url}/graphs")
            page.get_by_text("TensorFlow's graph; showing").wait_for(timeout=180_000)
            page.wait_for_timeout(1000)  # let the first view finish drawing
            started = time.perf_counter()
            page.get_by_test_id("stRadioGroup").get_by_text("Inference op graph").click()
            page.get_by_text("1,831 nodes").wait_for(timeout=180_000)
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .point').length > 150")
            print(f"Chromium: ResNet50 op graph chosen -> rendered, {attempt}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
