"""Shareable links for the pages: read a page's query parameters once per session, write them back."""

from collections.abc import Mapping

import streamlit as st

from dlviz import links
from dlviz.text import markdown_safe
from views._projector import link_parameters


def read_link(page: str, spec: Mapping[str, links.Param]) -> dict:
    """The values this page's link sets, the first time the page runs in this session; notices shown."""
    flag = f"link_read_{page}"
    if st.session_state.get(flag):
        return {}
    st.session_state[flag] = True
    values, notices = links.parse(st.query_params.to_dict(), spec)
    st.session_state[f"link_notices_{page}"] = notices
    return values


def show_link_notices(page: str) -> None:
    for notice in st.session_state.get(f"link_notices_{page}", []):
        st.warning(markdown_safe(notice))


def write_link(values: Mapping[str, object]) -> None:
    """Mirror the page's state into the address bar, so copying it shares this exact view."""
    wanted = {name: str(value) for name, value in values.items() if value is not None} | link_parameters()
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
