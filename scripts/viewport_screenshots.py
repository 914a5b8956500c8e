"""Screenshots of what a room sees: each page at 1400×900 and 1024×768, projector mode on and off.

Only the viewport is captured (what is above the fold), into a folder outside the repository by default.
Run:  python scripts/viewport_screenshots.py [out folder, default /tmp/dlviz_viewports]
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import chromium_page, running_app  # noqa: E402

PAGES = {"home": "", "playground": "playground", "train": "train", "inspect": "inspect",
         "why": "why?model=demo&class=3&index=1&method=gradcam", "graphs": "graphs?arch=ResNet50&view=layer"}
READY = {"inspect": "What the model sees", "why": "Grad-CAM: why", "graphs": "in TensorFlow's graph; showing"}
SIZES = [(1400, 900), (1024, 768)]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "dlviz_viewports"
    out.mkdir(parents=True, exist_ok=True)
    with running_app() as url, chromium_page() as page:
        for name, path in PAGES.items():
            for width, height in SIZES:
                for projector in (False, True):
                    page.set_viewport_size({"width": width, "height": height})
                    joiner = "&" if "?" in path else "?"
                    page.goto(f"{url}/{path}{joiner + 'projector=1' if projector else ''}")
                    page.wait_for_selector(".js-plotly-plot", timeout=120_000)
                    if name in READY:
                        page.get_by_text(READY[name]).first.wait_for(timeout=240_000)
                    page.wait_for_timeout(2000)
                    target = out / f"{name}_{width}x{height}_{'projector' if projector else 'normal'}.png"
                    page.screenshot(path=str(target))
                    print(target)


if __name__ == "__main__":
    main()
