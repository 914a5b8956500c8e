"""The home page: what dlviz is, a card per page, and tensors by rank drawn from real tf.constant values."""

import streamlit as st

from dlviz import explain as explain_text
from dlviz import runtime, shared, tensors
from dlviz.figures import values as figures
from dlviz.text import markdown_safe
from views._pages import PAGES
from views._projector import chart, explain
from views._resources import warm_up

st.title("dlviz — see deep learning work")
st.markdown(
    "Build a computation graph or a neural network, run it with real TensorFlow, and look inside: "
    "every node's value, every tensor's shape, every gradient. Pick a page to start."
)

cards = [page for page in PAGES if page.url is not None]
for row in range(0, len(cards), 2):
    for column, page in zip(st.columns(2), cards[row:row + 2]):
        with column.container(border=True):
            st.subheader(f"{page.icon} {page.title}")
            st.write(page.blurb)
            st.page_link(page.script, label=f"Open {page.title}", icon=":material/arrow_forward:")


def rank_examples() -> list[tensors.TensorExample]:
    return shared.resource("rank_examples", tensors.rank_examples)  # the same five tensors for every visitor


st.header("Tensors, rank by rank")
explain(explain_text.TENSOR)
status = runtime.start(warm_up)  # TensorFlow loads in its one background thread; this page never waits for it


@st.fragment(run_every=1.0 if status.state in ("not started", "loading") else None)
def tensor_ranks() -> None:
    status = runtime.status()
    if not status.ready:
        # Draw the same values at once from NumPy; the TensorFlow versions replace them when it is ready.
        recipes = tensors.rank_recipes()
        chart(figures.tensor_ranks_figure([(title, value) for title, _, _, value in recipes]), key="ranks_preview")
        if status.state == "failed":
            st.error(f"TensorFlow could not be loaded on this server: {markdown_safe(status.error)} Reload the page to try again.")
        else:
            st.info(f"TensorFlow is starting in the background ({status.seconds:.0f} s so far); these same values are "
                    "about to be re-made as real tf.constant tensors, with what TensorFlow says about each.")
            st.session_state.tensorflow_waiting = True
        return
    if st.session_state.pop("tensorflow_waiting", False):
        st.rerun(scope="app")  # TensorFlow just became ready: rerun the page once so this fragment stops polling
    examples = rank_examples()
    chart(figures.tensor_ranks_figure([(e.title, e.value) for e in examples]), key="ranks")
    for column, example in zip(st.columns(len(examples)), examples):
        column.markdown(f"**{example.title}**  \n{example.meaning}")
        column.code(example.code, language="python", wrap_lines=True)
        column.caption(f"{example.type_name} · shape {example.shape} · rank {example.rank} · {example.dtype}")

tensor_ranks()
