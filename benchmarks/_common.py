"""Pieces the benchmark scripts share."""

from __future__ import annotations

import resource


def peak_mb() -> float:
    """This process's peak resident memory in MB.

    ``VmHWM`` of ``/proc/self/status`` where there is one: on Linux ``ru_maxrss`` of a child
    started by ``subprocess`` starts from the parent's peak (it survives ``exec``), so it would
    report the parent's memory when that is larger.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
