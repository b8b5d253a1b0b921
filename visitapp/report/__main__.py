"""Make docs/report-page1.png: page 1 of the demo visit's feedback PDF, small, for the README.

    .venv/bin/python -m visitapp.report [--out docs/report-page1.png] [--pdf demo.pdf]

Creates the demo visit in a temporary database, writes its feedback PDF, renders page 1
with pdftoppm (poppler-utils) at 90 dpi and saves it as a palette PNG (well under 150 KB).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m visitapp.report", description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "report-page1.png")
    parser.add_argument("--pdf", type=Path, help="also keep the whole demo PDF here")
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--dpi", type=int, default=90)
    args = parser.parse_args(argv)
    if shutil.which("pdftoppm") is None:
        sys.stderr.write("pdftoppm is missing: install poppler-utils\n")
        return 1
    from PIL import Image

    from visitapp.services.app import open_services
    from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit
    from visitapp.services.feedback import write_report_pdf

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        services = open_services(folder / "demo.db", pin="000000")  # a throwaway tablet
        try:
            visit_id = create_demo_visit(services, EXAMPLE_DATE)
            pdf = folder / "demo.pdf"
            summary = write_report_pdf(services, visit_id, pdf)
        finally:
            services.close()
        subprocess.run(["pdftoppm", "-r", str(args.dpi), "-png", "-f", str(args.page),
                        "-l", str(args.page), "-singlefile", str(pdf), str(folder / "page")],
                       check=True)
        with Image.open(folder / "page.png") as image:
            small = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            small.save(args.out, optimize=True)
        if args.pdf:
            shutil.copyfile(pdf, args.pdf)
    size = args.out.stat().st_size
    sys.stderr.write(f"wrote {args.out} ({size // 1024} KB), page {args.page} of the demo "
                     f"report: {summary}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
