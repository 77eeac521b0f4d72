"""Photo upload validation benchmark (issue 12): how long the check of one uploaded record
photo takes — JPEG by content, exact dimensions, size band, a full decode through the shared
file checks, metadata stripped losslessly — per file, on realistic photos.

Run:  .venv/bin/python bench/photo_validation.py [--files 300]
The files are photographs' worth of detail (noise over gradients, camera EXIF with a GPS-like
tag), 640x480, 100-200 KB, each different. Nothing but the check runs: no database, no
network. Results: stdout and bench/results/photo_validation.json.
"""

import argparse
import io
import json
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

from PIL import Image

from records.photos.rules import HEIGHT, MAX_BYTES, MIN_BYTES, WIDTH, check_photo

RESULTS = Path(__file__).parent / "results"


def realistic_photo(rng: random.Random) -> bytes:
    """A 640x480 JPEG within the size band, with detail like a photograph and camera EXIF."""
    base = Image.effect_noise((WIDTH, HEIGHT), rng.uniform(40, 70)).convert("RGB")
    tint = Image.linear_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB")
    image = Image.blend(base, tint, rng.uniform(0.3, 0.6))
    exif = Image.Exif()
    exif[0x010F] = "Camera Inc."
    exif[0x0132] = "2026:12:02 10:00:00"
    for quality in range(95, 20, -5):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality, exif=exif.tobytes())
        if MIN_BYTES <= out.tell() <= MAX_BYTES:
            return out.getvalue()
    raise RuntimeError("could not make a photo inside the size band")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(20261202)
    photos = [realistic_photo(rng) for _ in range(args.files)]
    for photo in photos[:10]:  # warm-up: imports, Pillow's decoders
        check_photo(photo)
    timings = []
    for photo in photos:
        started = time.perf_counter()
        checked = check_photo(photo)
        timings.append((time.perf_counter() - started) * 1000)
        assert b"Camera Inc." not in checked.content
    timings.sort()
    results: dict[str, Any] = {
        "files": len(photos),
        "mean_size_bytes": round(statistics.mean(len(p) for p in photos)),
        "median_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 3),
        "max_ms": round(timings[-1], 3),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "photo_validation.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
