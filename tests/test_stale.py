"""Nothing stale: after switching what a page shows, nothing derived from the previous choice remains.

(The graphs page, the inspector and 'Why this prediction?' have their own switching tests beside their pages.)
"""

from tests.app_support import open_page


def test_playground_a_new_program_leaves_no_node_or_value_of_the_old_one():
    app = open_page("views/playground.py")
    app.selectbox(key="node").set_value("dW").run()
    assert app.session_state["node"] == "dW"
    app.text_area(key="program_text").input("p = constant([2.0, 3.0])\nq = p * p\n").run()
    assert not app.exception and app.session_state["node"] in ("p", "q")
    shown = " ".join(element.value for element in [*app.markdown, *app.caption])
    assert "dW" not in shown and "∂loss" not in shown


def test_train_switching_the_dataset_recomputes_every_shape_from_the_new_input():
    app = open_page("views/train.py")
    assert app.dataframe[0].value["output shape"].iloc[0] == "8 × 8 × 32"
    app.selectbox(key="dataset").select("shapes_rgb").run()
    table = app.dataframe[0].value
    assert table["output shape"].iloc[0] == "32 × 32 × 32" and table["parameters"].iloc[0] == 3 * 3 * 3 * 32 + 32
    assert table["output shape"].iloc[-1] == "5"  # the output layer follows the new class count
    code = app.code[0].value
    assert "keras.Input(shape=(32, 32, 3))" in code and "layers.Dense(5" in code
