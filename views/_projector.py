"""Projector mode, for teaching from a projector: larger type, figures full width and first, explanations folded.

Turned on by the sidebar toggle or a link with `?projector=1` (kept in every page's link while it is on).
Pages show explanations with `explain` and figures with `chart`, which follow the mode.
"""

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from dlviz.figures.readable import enlarge_text

PARAM = "projector"
STATE = "projector"
TEXT_FACTOR = 1.4  # Plotly's default 12 px text is unreadable from the back of a room; 17 px is not
STYLE = """<style>
html { font-size: 19px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 2.5rem 1.2rem 2rem 1.2rem; }
</style>"""


def projector_on() -> bool:
    return bool(st.session_state.get(STATE))


def setup() -> None:
    """Once per script run, before the page: the toggle in the sidebar, the link parameter, the larger type."""
    if not st.session_state.get("projector_link_read"):
        st.session_state.projector_link_read = True
        if st.query_params.get(PARAM) in ("1", "true", "on"):
            st.session_state[STATE] = True
    st.sidebar.toggle("Projector mode", key=STATE, help="Larger type, figures first and full width, explanations "
                      "folded away; for teaching from a projector. Shared links keep it.")
    if projector_on():
        st.html(STYLE)


def link_parameters() -> dict[str, str]:
    """What every page adds to its shareable link so the mode travels with it."""
    return {PARAM: "1"} if projector_on() else {}


def explain(text: str, label: str = "What am I looking at?") -> None:
    """An explanation beside a view: shown in full normally, folded into an expander on a projector."""
    if projector_on():
        with st.expander(label):
            st.markdown(text)
    else:
        st.markdown(text)


def columns(spec: list[float], **options: Any) -> list[Any]:
    """Columns side by side normally; on a projector, one full-width container each, stacked in order."""
    if projector_on():
        return [st.container() for _ in spec]
    return st.columns(spec, **options)


def chart(figure: go.Figure, key: str, *, export: bool = False, where: Any = st, **options: Any) -> Any:
    """A Plotly figure without a toolbar over its title (a PNG button on hover where `export`), larger on a projector;
    drawn in `where` (a column or container), the page by default."""
    config = {"displaylogo": False, "displayModeBar": "hover" if export else False}
    if export:
        config["toImageButtonOptions"] = {"format": "png", "scale": 2}
        config["modeBarButtonsToRemove"] = ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"]
    if projector_on():
        enlarge_text(figure, TEXT_FACTOR)
        if figure.layout.height:
            figure.update_layout(height=int(figure.layout.height * 1.25))
    return where.plotly_chart(figure, key=key, config=config, **options)
