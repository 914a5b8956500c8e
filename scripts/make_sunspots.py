"""Write assets/sunspots.csv: yearly mean sunspot numbers 1700–2008, taken once from statsmodels' bundled copy.

The app reads only the CSV; statsmodels is needed just to run this script (`pip install statsmodels`).
The numbers are public domain (NOAA National Geophysical Data Center), as statsmodels' dataset notes say.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "# Yearly mean sunspot numbers, 1700-2008.\n"
    "# Source: NOAA National Geophysical Data Center (solar data services), as bundled by statsmodels\n"
    "#   (statsmodels.datasets.sunspots). Licence: public domain.\n"
    "# Made by scripts/make_sunspots.py.\n"
)


def main() -> None:
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data
    lines = [f"{int(year)},{value:g}" for year, value in zip(frame["YEAR"], frame["SUNACTIVITY"])]
    out = ROOT / "assets" / "sunspots.csv"
    out.write_text(HEADER + "year,sunspots\n" + "\n".join(lines) + "\n")
    print(out, len(lines), "years", file=sys.stderr)


if __name__ == "__main__":
    main()
