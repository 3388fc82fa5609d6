#!/usr/bin/env python3
"""Run a command while sampling ANOTHER, already running process.

usage: pid_rss.py --pid PID [--interval SECONDS] [--watch GLOB] [--out FILE.json]
                  -- COMMAND [ARGS...]

Every --interval seconds (default 0.25) from just before COMMAND starts until
it exits, reads VmRSS (and Threads) of PID from /proc/PID/status and, with
--watch, the total size of the files matching GLOB (e.g. a server's upload
part files, to see when the bytes stopped arriving). Reports JSON on stdout
(or into --out):
  command, rc, wall_seconds      COMMAND's exit status and wall time
  stdout                         what COMMAND printed (e.g. curl -w figures)
  rss_start_kb, rss_max_kb, rss_end_kb
                                 first sample, maximum, and a sample taken
                                 right after COMMAND exited
  watch_max_bytes, watch_full_at_seconds
                                 largest watched total and the first time it
                                 was reached (time since COMMAND started)
  samples                        [seconds, rss_kb, threads, watched_bytes]
Used by bench/upload_bench.sh (bench/proc_tree_rss.py measures a tree it
starts; this one watches a server it did not start). Standard library only.
"""
import glob
import json
import os
import subprocess
import sys
import time


def read_status(pid):
    rss, threads = -1, 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
    except OSError:
        pass
    return rss, threads


def watched(pattern):
    total = 0
    for p in glob.glob(pattern):
        try:
            total += os.stat(p).st_size
        except OSError:
            pass
    return total


def main(argv):
    pid, interval, pattern, out = None, 0.25, None, None
    i = 0
    while i < len(argv) and argv[i] != "--":
        a = argv[i]
        if a == "--pid":
            pid = int(argv[i + 1]); i += 2
        elif a == "--interval":
            interval = float(argv[i + 1]); i += 2
        elif a == "--watch":
            pattern = argv[i + 1]; i += 2
        elif a == "--out":
            out = argv[i + 1]; i += 2
        else:
            sys.exit(f"pid_rss.py: bad argument {a}\n" + __doc__)
    cmd = argv[i + 1:]
    if pid is None or not cmd:
        sys.exit(__doc__)

    samples = []
    t0 = time.monotonic()

    def sample():
        rss, threads = read_status(pid)
        samples.append([round(time.monotonic() - t0, 3), rss, threads, watched(pattern) if pattern else 0])

    sample()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    next_t = time.monotonic()
    while proc.poll() is None:
        next_t += interval
        time.sleep(max(0.0, next_t - time.monotonic()))
        sample()
    wall = time.monotonic() - t0
    stdout = proc.stdout.read().decode(errors="replace")
    sample()
    rss = [s[1] for s in samples if s[1] >= 0]
    wmax = max(s[3] for s in samples)
    full_at = next((s[0] for s in samples if s[3] == wmax), None) if wmax > 0 else None
    report = {
        "command": cmd,
        "rc": proc.returncode,
        "wall_seconds": round(wall, 3),
        "stdout": stdout,
        "rss_start_kb": rss[0] if rss else None,
        "rss_max_kb": max(rss) if rss else None,
        "rss_end_kb": rss[-1] if rss else None,
        "watch_max_bytes": wmax,
        "watch_full_at_seconds": full_at,
        "interval_seconds": interval,
        "samples": samples,
    }
    text = json.dumps(report, indent=1)
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
