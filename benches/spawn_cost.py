#!/usr/bin/env python3
"""The floor under a hook-tool call: how long starting a process takes on this machine.

Every hook-tool call is a process (Juju's `jujuc`, juju-sim's `juju-sim-tool`), so a hook's
wall time is at least (number of calls) x (this). Prints the median wall time of spawning and
reaping `/bin/true` and `juju-sim-tool` (which fails at once here: no simulator socket).

    cargo build --release -p juju-sim --bins
    python3 benches/spawn_cost.py [target/release/juju-sim-tool] [N]
"""

import os
import sys
import time


def median_spawn_ms(path, args, n):
    devnull = os.open(os.devnull, os.O_WRONLY)
    env = {"JUJU_AGENT_SOCKET_ADDRESS": "/nonexistent"}
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        pid = os.posix_spawn(path, [path, *args], env, file_actions=actions)
        os.waitpid(pid, 0)
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1e3


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else "target/release/juju-sim-tool"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    if not os.access(tool, os.X_OK):
        sys.exit(f"{tool} is not built: cargo build --release -p juju-sim --bins")
    print(f"/bin/true      median {median_spawn_ms('/bin/true', [], n):.2f} ms  (n = {n})")
    print(f"juju-sim-tool  median {median_spawn_ms(tool, ['is-leader'], n):.2f} ms  (n = {n})")


if __name__ == "__main__":
    main()
