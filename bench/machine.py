"""The machine a benchmark ran on, as docs/benchmarks.md reports it."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine() -> dict[str, str]:
    """nproc, CPU model, memory, Python version, OS and the current load average."""
    memory = _proc_field("/proc/meminfo", "MemTotal")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "nproc": str(os.cpu_count()),
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "memory": f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB" if memory else "unknown",
        "python": platform.python_version(),
        "os": platform.platform(),
        "load": " / ".join(f"{x:.1f}" for x in load) if load else "unknown",
    }


def describe(info: dict[str, str]) -> str:
    """The machine in one phrase: CPUs, memory, Python and OS (not the load)."""
    return (
        f"{info['nproc']} CPUs ({info['cpu']}), {info['memory']} memory, "
        f"Python {info['python']}, {info['os']}"
    )
