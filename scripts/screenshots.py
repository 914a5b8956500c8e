"""Take a full-page screenshot of every page into assets/screenshots/ (run from the repo root)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import ROOT, chromium_page, draw_on_canvas, running_app  # noqa: E402

PAGES = {"home": "", "playground": "playground", "train": "train", "inspect": "inspect", "graphs": "graphs",
         "inspect_drawing": "inspect"}
SEVEN = [[(60, 50), (170, 50), (100, 190)], [(85, 122), (160, 122)]]  # a 7 with a bar across, drawn with the mouse


def main() -> None:
    out = ROOT / "assets" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    wanted = sys.argv[1:] or list(PAGES)
    with running_app() as url, chromium_page(height=2200) as page:
        for name in wanted:
            page.goto(f"{url}/{PAGES[name]}")
            page.wait_for_selector(".js-plotly-plot", timeout=90_000)
            if name == "home":  # wait for the tensors to be re-made with TensorFlow
                page.get_by_text("EagerTensor · shape (2, 3, 3, 3)").wait_for(timeout=90_000)
            if name == "inspect_drawing":  # the canvas with a digit drawn, and how it became the model's input
                page.get_by_test_id("stRadio").filter(has_text="Dataset sample").get_by_text("Draw", exact=True).click()
                draw_on_canvas(page, SEVEN)
                page.get_by_text("How your picture became that input").wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")


if __name__ == "__main__":
    main()
