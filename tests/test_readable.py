"""Projector mode's text scaling: every size a builder set, and the layout's, grow by one factor."""

import plotly.graph_objects as go

from dlviz.figures.readable import enlarge_text


def test_enlarge_text_scales_trace_text_annotations_title_and_layout():
    figure = go.Figure(go.Scatter(x=[0], y=[0], mode="markers+text", text=["add"], textfont={"size": 11}))
    figure.add_annotation(x=0, y=0, text="(2, 3)", font={"size": 10})
    figure.add_annotation(x=1, y=1, text="unsized")
    figure.update_layout(title={"text": "graph", "font": {"size": 20}}, legend={"font": {"size": 10}})
    enlarge_text(figure, 1.5)
    assert figure.data[0].textfont.size == 16  # round(11 × 1.5)
    assert figure.layout.annotations[0].font.size == 15
    assert figure.layout.annotations[1].font.size is None  # follows the layout font, which grew
    assert figure.layout.title.font.size == 30 and figure.layout.legend.font.size == 15
    assert figure.layout.font.size == 18 and figure.layout.hoverlabel.font.size == 18


def test_playground_graph_labels_grow_on_a_projector():
    import json

    from tests.app_support import open_page

    def label_sizes(app) -> set:
        spec = json.loads(app.get("plotly_chart")[0].proto.spec)
        return {trace["textfont"]["size"] for trace in spec["data"] if trace.get("textfont", {}).get("size")}

    assert label_sizes(open_page("views/playground.py")) == {11}
    assert label_sizes(open_page("views/playground.py", projector="1")) == {15}
