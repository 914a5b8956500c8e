"""Every page driven through Streamlit's AppTest, asserting on what a user would see."""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.app_support import unescaped

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    return app


def chart_specs(app: AppTest) -> dict[str, dict]:
    return {chart.proto.id: json.loads(chart.proto.spec) for chart in app.get("plotly_chart")}


def comparison_table(app: AppTest):
    return next(frame.value for frame in app.dataframe if "values agree" in frame.value.columns)


def test_home_page_draws_real_tensors_of_every_rank():
    from dlviz import runtime

    runtime.require()  # TensorFlow already loaded by the one loader, so the page draws at once

    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception
    assert "dlviz" in app.title[0].value
    specs = list(chart_specs(app).values())
    assert len(specs) == 1
    cells, titles = specs[0]["data"]
    assert len(cells["x"]) == 1 + 4 + 12 + 27 + 54  # one square per element of ranks 0 to 4
    assert [title.split(" ·")[0] for title in titles["text"]] == [f"rank {rank}" for rank in range(5)]
    captions = [caption.value for caption in app.caption]
    assert any("EagerTensor" in caption and "rank 4" in caption for caption in captions)


def test_playground_runs_each_preset_in_each_mode():
    app = open_page("views/playground.py")
    for preset in app.selectbox(key="preset").options:
        app.selectbox(key="preset").select(preset).run()
        assert not app.exception
        assert not app.error, [error.value for error in app.error]
        for mode in ("eager", "graph", "session"):
            app.radio(key="mode").set_value(mode).run()
            assert not app.exception
    app.selectbox(key="preset").select("Element-wise multiply (the notes' first example)").run()
    app.selectbox(key="node").select("c").run()
    table = app.dataframe[0].value
    np.testing.assert_array_equal(table.to_numpy().ravel(), [4.0, 10.0, 18.0])


def test_playground_inspects_a_gradient_and_compares_modes():
    app = open_page("views/playground.py")
    app.selectbox(key="node").select("db").run()
    text = " ".join(markdown.value for markdown in app.markdown)
    assert "∂loss/∂b" in text and "EagerTensor" in text
    app.radio(key="mode").set_value("graph").run()
    text = " ".join(markdown.value for markdown in app.markdown)
    assert "SymbolicTensor" in text
    comparison = comparison_table(app)
    assert set(comparison["values agree"]) == {"yes"}
    assert set(comparison["node"]) >= {"x", "W", "b", "y", "loss", "dW", "db"}
    specs = chart_specs(app)
    tf_graph = next(spec for spec in specs.values() if len(spec["data"]) and any(
        "ReadVariableOp" in text for trace in spec["data"] for text in trace.get("hovertext", []) or []))
    assert tf_graph


def test_bad_program_shows_error_and_keeps_the_text():
    app = open_page("views/playground.py")
    bad = 'x = __import__("os").system("touch /tmp/pwned")'
    app.text_area(key="program_text").input(bad).run()
    assert not app.exception
    assert "not available" in unescaped(app.error[0].value) and "Line 1" in unescaped(app.error[0].value)
    assert app.text_area(key="program_text").value == bad


def test_shape_mismatch_shows_the_node_in_red():
    app = open_page("views/playground.py")
    app.text_area(key="program_text").input("a = constant(ones([3, 2]))\nb = constant(ones([3, 2]))\nc = a @ b").run()
    assert not app.exception
    assert "Node 'c'" in unescaped(app.error[0].value)
    graph = next(iter(chart_specs(app).values()))
    colours = {
        row[0]: colour for trace in graph["data"] if trace.get("customdata")
        for row, colour in zip(trace["customdata"], trace["marker"]["color"])
    }
    assert colours["c"] == "#d62728"


@pytest.mark.parametrize("feed", ["[[1, 2], [3, 4]]", "[[1, 2, 3], [4]]", "not json", "[[1, 2, 3]]"])
def test_feeds_are_checked(feed):
    app = open_page("views/playground.py")
    app.text_area(key="feed_x").input(feed).run()
    assert not app.exception
    if feed == "[[1, 2, 3]]":
        assert not app.error
        assert comparison_table(app).shape[0] > 0
    else:
        assert "x" in unescaped(app.error[0].value)
        assert app.text_area(key="feed_x").value == feed


def test_add_a_node_with_the_form():
    app = open_page("views/playground.py")
    app.selectbox(key="new_kind").select("operation").run()
    app.selectbox(key="new_op").select("sigmoid").run()
    app.text_input(key="new_name").input("z").run()
    app.multiselect(key="new_inputs").select("y").run()
    app.button[1].click().run() if app.button[0].label != "Add this node" else app.button[0].click().run()
    assert not app.exception
    assert app.text_area(key="program_text").value.rstrip().endswith("z = sigmoid(y)")
    assert app.selectbox(key="node").value == "z"


def test_projector_mode_from_a_link_enlarges_figures_folds_explanations_and_stays_in_the_link():
    from tests.app_support import open_page

    app = open_page("views/train.py", projector="1")
    assert app.session_state["projector"] is True
    assert app.query_params.get("projector") in ("1", ["1"])  # kept in the page's own shareable link
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    assert specs and all(spec["layout"]["font"]["size"] == 17 for spec in specs)
    assert "What am I looking at?" in [expander.label for expander in app.expander]
    app.toggle(key="projector").set_value(False).run()
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    assert all("size" not in spec["layout"].get("font", {}) for spec in specs)
    assert "projector" not in app.query_params
