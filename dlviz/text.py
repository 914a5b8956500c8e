"""Names and messages that come from users or files, made safe to show as text."""

import re
from collections.abc import Iterable

_MARKDOWN_PUNCTUATION = "\\`*_{}[]()#+-.!|<>~$:&=^%@\"'"


def plotly_safe(text: object) -> str:
    """Text for Plotly labels: Plotly reads a few HTML tags in labels, so < > & are escaped to show literally."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plotly_safe_all(texts: Iterable[object]) -> list[str]:
    return [plotly_safe(text) for text in texts]


def markdown_safe(text: object, limit: int = 300) -> str:
    """Text for Streamlit's Markdown (st.error, st.warning, st.markdown…): shown literally, never as a link,
    an image, a heading, colour, maths or HTML; long text is cut to `limit` characters.

    Every ASCII punctuation mark that Markdown (or Streamlit's extensions) could read is backslash-escaped,
    which CommonMark renders as the character itself; bare addresses get an invisible break so none becomes a link."""
    text = str(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = " ".join(text.split())  # no line breaks: a new line could start a heading, a list or a table
    escaped = "".join("\\" + character if character in _MARKDOWN_PUNCTUATION else character for character in text)
    # GitHub-flavoured Markdown turns bare web and e-mail addresses into links even when their punctuation is
    # escaped; an invisible zero-width space after "https:", inside "www" and before "@" stops that.
    escaped = escaped.replace("\\:", "\\:\u200b").replace("\\@", "\u200b\\@")
    return re.sub(r"(?i)(w)(ww)", "\\1\u200b\\2", escaped)
