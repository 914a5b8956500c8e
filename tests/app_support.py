"""Opening the app's pages in Streamlit's AppTest, shared by the page tests."""

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str, timeout: float = 240, **query: str) -> AppTest:
    """The app switched to `page` (e.g. 'views/inspect.py'), run once, with optional URL parameters."""
    app = AppTest.from_file(APP, default_timeout=timeout)
    app.query_params.update(query)
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    return app


def unescaped(markdown: str) -> str:
    """Markdown source as the reader sees it: backslash escapes (from text.markdown_safe) removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def messages(app: AppTest) -> str:
    """Every error and warning on the page, as the user reads them."""
    return " ".join(unescaped(element.value) for element in [*app.error, *app.warning])


def labelled(widgets, label: str):
    """The widget with this label (for widgets keyed by the model or layer they belong to)."""
    return next(widget for widget in widgets if widget.label == label)
