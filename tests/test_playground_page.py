"""The playground page with TensorFlow code pasted in: output panel, notes, modes, code tab and tf.function tracing."""

import json

import numpy as np
from streamlit.testing.v1 import AppTest

from dlviz.graphs.presets import PRESETS
from tests.app_support import open_page, unescaped

NOTES_EXAMPLE = PRESETS["TensorFlow 1 code: the notes' first example in a session"]  # as the notes write it: tf.Session


def captions(app: AppTest) -> str:
    return " ".join(unescaped(caption.value) for caption in app.caption)


def output(app: AppTest) -> str:
    """The output panel: the code block without a language (the TensorFlow code tab's is Python)."""
    return next(block.value for block in app.code if block.language in (None, "", "plaintext"))


def test_pasted_tensorflow_code_runs_in_every_mode_with_its_output_and_notes():
    app = open_page("views/playground.py")
    app.text_area(key="program_text").input(NOTES_EXAMPLE).run()
    assert not app.exception and not app.error
    assert app.radio(key="mode").value == "session"  # the code's own Session selects the TF1 mode
    assert output(app) == "[ 4 10 18]"
    notes = captions(app)
    assert "tf.Session is TensorFlow 1: in TensorFlow 2 this is tf.compat.v1.Session" in notes
    assert "disable_eager_execution" in notes
    graph = json.loads(app.get("plotly_chart")[0].proto.spec)
    drawn = {row[0] for trace in graph["data"] for row in trace.get("customdata") or []}
    assert {"a", "b", "c", "result"} <= drawn
    for mode in ("eager", "graph", "session"):
        app.radio(key="mode").set_value(mode).run()
        assert not app.exception and not app.error
        app.selectbox(key="node").select("result").run()
        table = next(frame.value for frame in app.dataframe if frame.value.shape == (3, 1))
        np.testing.assert_array_equal(table.to_numpy().ravel(), [4, 10, 18])
    assert app.text_area(key="program_text").value == NOTES_EXAMPLE


def test_feeds_written_in_the_code_fill_the_feed_boxes_and_the_user_can_change_them():
    app = open_page("views/playground.py")
    app.selectbox(key="preset").select("TensorFlow 1 code: placeholders, variables and a feed_dict").run()
    assert json.loads(app.text_area(key="feed_x").value) == [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]
    app.text_area(key="feed_x").input("[[1, 1, 1]]").run()
    assert not app.exception and not app.error
    assert app.text_area(key="feed_x").value == "[[1, 1, 1]]"
    app.selectbox(key="node").select("out").run()
    assert next(frame.value for frame in app.dataframe if frame.value.shape == (1, 2)) is not None


def test_a_gradient_tape_and_a_tf_function_run_as_a_graph():
    app = open_page("views/playground.py")
    app.selectbox(key="preset").select("TensorFlow 2 code: GradientTape and tf.function").run()
    assert not app.exception and not app.error
    assert app.radio(key="mode").value == "graph"
    assert output(app).startswith("loss: ") and "tf.Tensor(" in output(app)
    assert "forward/" in " ".join(app.selectbox(key="node").options)
    comparison = next(frame.value for frame in app.dataframe if "values agree" in frame.value.columns)
    assert set(comparison["values agree"]) == {"yes"} and {"dW", "db", "y", "loss"} <= set(comparison["node"])


def test_a_refused_construct_shows_its_line_and_keeps_the_text(tmp_path):
    target = tmp_path / "pwned.txt"
    text = f'import tensorflow as tf\nx = tf.constant(1.0)\nw = tf.io.write_file("{target}", "pwned")'
    app = open_page("views/playground.py")
    app.text_area(key="program_text").input(text).run()
    assert not app.exception
    assert "Line 3" in app.error[0].value and "never runs it" in unescaped(app.error[0].value)
    assert app.text_area(key="program_text").value == text and not target.exists()


def test_the_program_as_tensorflow_code_in_three_styles():
    app = open_page("views/playground.py")
    blocks = [block.value for block in app.code if block.language == "python" and block.value.startswith("#")]
    assert blocks and "with tf.GradientTape(persistent=True) as tape:" in blocks[0] and "values = {" in blocks[0]
    app.radio(key="code_style").set_value("tf1").run()
    code = next(block.value for block in app.code if block.language == "python")
    assert "tf.compat.v1.placeholder(tf.float32, shape=[None, 3], name='x')" in code
    assert "sess.run(init)" in code and "feed_dict=feed_dict" in code
    app.radio(key="code_style").set_value("function").run()
    assert "@tf.function" in next(block.value for block in app.code if block.language == "python")
    assert app.get("download_button")


def test_tracing_reports_a_new_graph_for_a_new_shape_and_reuse_for_a_known_one():
    app = open_page("views/playground.py")
    app.selectbox(key="preset").select("A linear layer").run()
    first = " ".join(unescaped(element.value) for element in app.success)
    assert "traced a new graph" in first
    app.text_area(key="feed_x").input("[[1, 2, 3], [4, 5, 6], [7, 8, 9]]").run()
    assert "traced a new graph** (graph 2 of this function)" in " ".join(unescaped(element.value) for element in app.success)
    app.text_area(key="feed_x").input("[[0, 0, 0], [1, 1, 1], [2, 2, 2]]").run()
    assert "reused" in " ".join(unescaped(element.value) for element in app.info)
    traced = next(frame.value for frame in app.dataframe if "traced for" in frame.value.columns)
    assert list(traced["traced for"]) == ["x: float32 (2, 3)", "x: float32 (3, 3)"]
    app.radio(key="trace_dtype").set_value("float64").run()
    assert not app.exception and "dtype" in " ".join(unescaped(element.value) for element in app.warning)


def test_every_preset_keeps_working():
    app = open_page("views/playground.py")
    for preset in PRESETS:
        app.selectbox(key="preset").select(preset).run()
        assert not app.exception and not app.error, preset
