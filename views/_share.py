"""Shareable links for the pages: read a page's query parameters when they arrive, write them back.

A page reads its link on its first run in a session, and again whenever the address bar holds parameters the page
did not write itself: a link followed from another page (`st.page_link(..., query_params=...)`) or pasted in, so
an in-session link lands where it points. Parameters the page wrote are not read back, so a widget the user just
changed is never overwritten by the page's own echo.
"""

from collections.abc import Mapping

import streamlit as st

from dlviz import links
from dlviz.text import markdown_safe
from views._projector import link_parameters


def _current() -> dict[str, str]:
    return {name: str(value) for name, value in st.query_params.to_dict().items()}


def read_link(page: str, spec: Mapping[str, links.Param]) -> dict:
    """The values this page's link sets, when the link is new to this page (first run, or a followed link)."""
    st.session_state["link_page"] = page
    seen = f"link_seen_{page}"
    query = _current()
    if st.session_state.get(seen) == query:
        return {}
    st.session_state[seen] = query
    values, notices = links.parse(query, spec)
    st.session_state[f"link_notices_{page}"] = notices
    return values


def show_link_notices(page: str) -> None:
    for notice in st.session_state.get(f"link_notices_{page}", []):
        st.warning(markdown_safe(notice))


def write_link(values: Mapping[str, object]) -> None:
    """Mirror the page's state into the address bar, so copying it shares this exact view."""
    wanted = {name: str(value) for name, value in values.items() if value is not None} | link_parameters()
    if _current() != wanted:
        st.query_params.from_dict(wanted)
    page = st.session_state.get("link_page")
    if page:
        st.session_state[f"link_seen_{page}"] = wanted  # the page's own echo is not a new link
