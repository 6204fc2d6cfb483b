"""One export in a process of its own, to read its peak memory (ru_maxrss) cleanly.

    python -m benchmarks.export_rss DATABASE_URL CONSULTATION_ID FORMAT

Prints JSON: the resident set before the export (the app loaded, one query made) and its peak
during the export, in kB (VmRSS and VmHWM, the peak reset just before), the bytes written and
the seconds taken. The output is drained chunk by chunk,
as a download is, and thrown away.
"""
from __future__ import annotations

import json
import resource
import sys
import time


def _status(field: str) -> int | None:
    try:
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak() -> int:
    """Start counting the peak here, and return the resident set now (kB).

    ru_maxrss alone would carry the start-up peak (imports) and, after fork and exec, even the
    parent's size; on Linux, writing 5 to clear_refs resets the high-water mark (VmHWM).
    """
    try:
        with open("/proc/self/clear_refs", "w") as file:
            file.write("5")
    except OSError:
        pass
    return _status("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak() -> int:
    """The highest resident set since reset_peak() (kB)."""
    return _status("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> None:
    url, consultation_id, fmt = argv[0], int(argv[1]), argv[2]
    from benchmarks.common import bench_app
    from remiss.consultations.models import Consultation
    from remiss.extensions import db
    from remiss.reports import rendering

    app = bench_app(url)
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        before = reset_peak()
        start = time.perf_counter()
        size = sum(len(chunk) for chunk in rendering.stream(consultation, fmt, public=False))
        seconds = time.perf_counter() - start
        after = peak()
    print(json.dumps({"format": fmt, "before_kb": before, "peak_kb": after, "bytes": size, "seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1:])
