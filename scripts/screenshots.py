"""Take a full-page screenshot of every page into assets/screenshots/ (run from the repo root)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import ROOT, chromium_page, running_app  # noqa: E402

PAGES = {"home": "", "playground": "playground", "train": "train", "inspect": "inspect", "graphs": "graphs",
         "autoencoders": "autoencoders"}


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
            if name == "autoencoders":  # train the default autoencoder, then show its code space
                page.get_by_role("button", name="Train", exact=True).click()
                page.get_by_text("What it learned").wait_for(timeout=900_000)
                page.get_by_role("tab", name="Code space").click()
                page.get_by_text("decoded at (").wait_for(timeout=60_000)
                page.get_by_role("tab", name="Code space").evaluate("tab => tab.scrollIntoView({block: 'start'})")
                page.wait_for_timeout(1000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")


if __name__ == "__main__":
    main()
