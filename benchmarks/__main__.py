"""`make bench`: run every benchmark; each prints ``name: value`` lines."""

from __future__ import annotations

from benchmarks import queue_load

if __name__ == "__main__":
    queue_load.main()
