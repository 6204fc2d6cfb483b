"""One export in a process of its own, to read its peak memory (ru_maxrss) cleanly.

    python -m benchmarks.export_rss DATABASE_URL CONSULTATION_ID FORMAT

Prints JSON: the peak resident set before the export (the app loaded, one query made) and
after it, in kB, the bytes written and the seconds taken. The output is drained chunk by chunk,
as a download is, and thrown away.
"""
from __future__ import annotations

import json
import resource
import sys
import time


def main(argv: list[str]) -> None:
    url, consultation_id, fmt = argv[0], int(argv[1]), argv[2]
    from benchmarks.common import bench_app
    from remiss.consultations.models import Consultation
    from remiss.extensions import db
    from remiss.reports import rendering

    app = bench_app(url)
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        size = sum(len(chunk) for chunk in rendering.stream(consultation, fmt, public=False))
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"format": fmt, "before_kb": before, "peak_kb": after, "bytes": size, "seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1:])
