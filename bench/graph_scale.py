"""Graph explorer at scale: build, trace, fold, group, lay out and draw, for every built-in architecture.

For ResNet50, MobileNetV2, VGG16 and DenseNet121 (layer and inference op views), the default CNN's training step
and a generated 10,000-node graph: milliseconds per step, nodes in TensorFlow's graph and in the first view, the
figure's JSON size, and opening a group (the largest of the first view). Baseline, measured in the same run: the
flat drawing the explorer made before grouping (every node, wrapped into bands of 12 columns).
With --browser, the times a visitor sees in headless Chromium on a server whose TensorFlow is loaded: from choosing
each architecture to its rendered graph the first time (while the page's background warm-up may still be running),
from clicking "Open" on a stage to the rendered stage, and from choosing an architecture shown before (cached).
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
from dlviz.graphs import explorer, hierarchy, tfgraph  # noqa: E402


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


def draw(shown: nx.DiGraph) -> tuple[float, float, float]:
    """Lay out and draw one view: (layout ms, figure ms, JSON MB)."""
    arrangement, layout_ms = timed(tfgraph.arrange, shown)
    figure, figure_ms = timed(figures.graph_figure, shown, arrangement.positions, routes=arrangement.routes,
                              direction=arrangement.direction)
    return layout_ms, figure_ms, len(figure.to_json()) / 1e6


def flat(graph: nx.DiGraph) -> tuple[float, float]:
    """The baseline: every node drawn, wrapped into bands (the explorer's drawing before grouping): (ms, MB)."""
    started = time.perf_counter()
    positions = tfgraph.layout(graph, wrap=12 if graph.number_of_nodes() > 60 else None)
    figure = figures.graph_figure(graph, positions)
    return (time.perf_counter() - started) * 1000, len(figure.to_json()) / 1e6


HEADER = (f"{'graph':36s} {'nodes':>7s} {'first':>6s} {'build':>7s} {'fold':>6s} {'group':>6s} {'view':>6s} "
          f"{'layout':>6s} {'figure':>6s} {'MB':>5s} | {'open':>6s} {'shown':>5s} | {'flat ms':>7s} {'flat MB':>7s}")


def row(name: str, graph: nx.DiGraph, build_ms: float, fold_ms: float) -> None:
    _, group_ms = timed(hierarchy.of, graph)
    first, view_ms = timed(tfgraph.collapse, graph)
    layout_ms, figure_ms, size = draw(first)
    tree = hierarchy.of(graph)
    folded = [node for node in first if node in tree.groups]
    largest = max(folded, key=lambda group: tree.groups[group].size, default=None)
    open_ms, opened_count = 0.0, 0
    if largest is not None:
        started = time.perf_counter()
        opened = tfgraph.collapse(graph, first.graph["expanded"] | {largest})
        draw(opened)
        open_ms, opened_count = (time.perf_counter() - started) * 1000, opened.number_of_nodes()
    flat_ms, flat_size = flat(graph)
    print(f"{name:36s} {graph.number_of_nodes():7,d} {first.number_of_nodes():6d} {build_ms:7.0f} {fold_ms:6.0f} "
          f"{group_ms:6.0f} {view_ms:6.0f} {layout_ms:6.0f} {figure_ms:6.0f} {size:5.2f} | {open_ms:6.0f} "
          f"{opened_count:5d} | {flat_ms:7.0f} {flat_size:7.2f}", flush=True)


def main() -> None:
    print("milliseconds; 'first' = nodes in the first view; 'open' = opening its largest group (group, lay out, draw); "
          "'flat' = baseline, every node drawn")
    print(HEADER)
    for name in explorer.BUILTIN:
        model, model_ms = timed(explorer.builtin_model, name)
        for view in ("layer", "op"):
            built, trace_ms = timed(explorer.build, model, view)
            graph, fold_ms = timed(built.shown, view != "layer")
            row(f"{name} {explorer.VIEWS[view].lower()}", graph, model_ms + trace_ms if view == "layer" else trace_ms, fold_ms)
    cnn = architecture.build_model(architecture.default_layers(), (28, 28, 1), 10)
    built, trace_ms = timed(explorer.build, cnn, "train")
    graph, fold_ms = timed(built.shown, True)
    row("default CNN training step", graph, trace_ms, fold_ms)
    row("generated 10,000-node graph", generated_graph(), 0.0, 0.0)
    if "--browser" in sys.argv:
        browser()


def shows(page, node: str) -> None:
    page.wait_for_function(
        """(node) => [...document.querySelectorAll('.js-plotly-plot')].some(p => p._fullData && p._fullData.some(
            t => (t.customdata || []).some(r => r[0] === node)))""", arg=node, timeout=240_000)


def choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def browser() -> None:
    from tests.browser_support import chromium_page, running_app

    firsts = {"ResNet50": "conv3_*/", "MobileNetV2": "block_*/", "VGG16": "block3_*/", "DenseNet121": "conv4_*/"}
    with running_app() as url, chromium_page(height=1600) as page:
        page.goto(f"{url}/graphs")
        page.get_by_text("in TensorFlow's graph; showing").wait_for(timeout=240_000)  # TensorFlow loaded: a warm server
        print("\nChromium, warm server (TensorFlow loaded), layer view:")
        started = time.perf_counter()
        page.get_by_test_id("stRadioGroup").get_by_text("Built-in architecture").click()
        shows(page, firsts["ResNet50"])
        print(f"  ResNet50     chosen at once after the page opened -> rendered: {time.perf_counter() - started:5.2f} s "
              "(its build had just started in the background)", flush=True)
        waited = time.perf_counter()
        page.get_by_text("Preparing the built-in architectures").wait_for(state="detached", timeout=600_000)
        page.get_by_test_id("stRadioGroup").get_by_text("Inference op graph").click()
        shows(page, "resnet50_1/conv3_*/")
        page.get_by_text("Preparing the built-in architectures").wait_for(state="detached", timeout=600_000)
        print(f"  (the background warm-up of all four in both views finished {time.perf_counter() - waited:.0f} s later; "
              "the times below are on that warm server)")
        page.get_by_test_id("stRadioGroup").get_by_text("Keras layers").click()
        shows(page, "conv3_*/")
        page.wait_for_timeout(1500)
        for name in list(firsts)[1:]:
            started = time.perf_counter()
            choose(page, "Architecture", name)
            shows(page, firsts[name])
            print(f"  {name:12s} chosen -> rendered, first time in this session: {time.perf_counter() - started:5.2f} s",
                  flush=True)
        choose(page, "Architecture", "ResNet50")
        shows(page, "conv3_*/")
        page.wait_for_timeout(1000)
        started = time.perf_counter()
        choose(page, "Colour by", "op")
        page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')].some(p => p._fullData &&
            p._fullData.some(t => (t.name || '').startsWith('group (')))""", timeout=60_000)
        print(f"  baseline, same run: a rerun of this page that redraws the same graph ('Colour by' op): "
              f"{time.perf_counter() - started:5.2f} s")
        choose(page, "Colour by", "kind")
        page.wait_for_timeout(1500)
        started = time.perf_counter()
        choose(page, "Open a group", "conv3 (42 layers)")
        picked = time.perf_counter()
        page.locator(".st-key-graph_open button").click()
        shows(page, "conv3_block2_*/")
        print(f"  ResNet50 stage conv3: 'Open' clicked -> rendered: {time.perf_counter() - picked:5.2f} s "
              f"(picking it in the list: {picked - started:4.2f} s)")
        for name in list(firsts)[1:] + ["ResNet50"]:
            started = time.perf_counter()
            choose(page, "Architecture", name)
            shows(page, firsts[name] if name != "ResNet50" else "conv3_block2_*/")
            print(f"  {name:12s} chosen -> rendered, cached (chosen before): {time.perf_counter() - started:5.2f} s")
        print("Inference op view, first time in this session (traced in the background):")
        scopes = {"ResNet50": "resnet50_1/", "MobileNetV2": "mobilenetv2_1.00_224_1/", "VGG16": "vgg16_1/",
                  "DenseNet121": "densenet121_1/"}
        for name in firsts:
            started = time.perf_counter()
            if name == "ResNet50":
                page.get_by_test_id("stRadioGroup").get_by_text("Inference op graph").click()
            else:
                choose(page, "Architecture", name)  # ResNet50's op view was shown once while waiting above
            shows(page, scopes[name] + firsts[name])
            print(f"  {name:12s} chosen -> rendered: {time.perf_counter() - started:5.2f} s", flush=True)


if __name__ == "__main__":
    main()
