#!/usr/bin/env python3
"""Run a command and measure its whole process tree.

usage: proc_tree_rss.py [--interval SECONDS] [--wait-idle SECONDS] [--out FILE.json]
                        -- COMMAND [ARGS...]

Reports (JSON, on stdout or into --out):
  wall_seconds        from start to the root process being reaped
  user_seconds, sys_seconds, cpu_seconds
                      getrusage(RUSAGE_CHILDREN) delta: the root process plus
                      every descendant it waited for (vtp reaps its workers)
  peak_tree_rss_kb    max over samples of the SUM of RSS over the root and
                      all its live descendants (shared pages count once per
                      process, so this over-states a multi-process tree)
  peak_tree_pss_kb    the same with Pss from smaps_rollup (shared pages split
                      between the processes mapping them), read every 10th
                      sample only (it is costly), so a brief peak may be missed
  max_process_rss_kb  ru_maxrss: the largest single process
  peak_processes      most processes alive in the tree at one sample
Samples every --interval seconds (default 0.05) by scanning /proc; the
sampler's own CPU time is reported as sampler_cpu_seconds and is not part of
cpu_seconds. other_cpu_seconds is the machine's busy CPU time (/proc/stat)
minus both: work of unrelated processes that may have slowed the run.
--wait-idle N first waits (at most N seconds) until the machine has been
under 10% busy for 2 s, so that a run does not start amid other work.
Standard library only.
"""
import json
import os
import resource
import sys
import time


_ppid = {}  # pid -> parent pid, read once per process from /proc/PID/stat


def tree(root):
    """root and all its live descendants. Only processes not seen before
    have their stat read, so a sample costs little more than listing /proc."""
    live = [int(n) for n in os.listdir("/proc") if n.isdigit()]
    kids = {}
    for pid in live:
        if pid not in _ppid:
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    stat = f.read()
                # Fields after the ")" that closes comm: state ppid ...
                _ppid[pid] = int(stat[stat.rfind(b")") + 2:].split()[1])
            except (OSError, IndexError, ValueError):
                continue
        kids.setdefault(_ppid[pid], []).append(pid)
    for pid in _ppid.keys() - set(live):
        del _ppid[pid]
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, ()))
    return out


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE_KB
    except (OSError, IndexError):
        return 0  # gone


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a zombie


def busy_cpu_seconds():
    """CPU time the whole machine spent busy (all CPUs), from /proc/stat."""
    with open("/proc/stat") as f:
        t = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    return (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) / os.sysconf("SC_CLK_TCK")


def wait_idle(limit):
    """Waits until the machine is < 10% busy over 2 s; returns seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        b = busy_cpu_seconds()
        time.sleep(2)
        if busy_cpu_seconds() - b < 0.1 * 2 * os.cpu_count():
            break
    return round(time.monotonic() - start, 1)


PSS_EVERY = 10


def main(argv):
    interval, out_path, idle_limit = 0.05, None, 0.0
    while argv and argv[0] != "--":
        opt = argv.pop(0)
        if opt == "--interval":
            interval = float(argv.pop(0))
        elif opt == "--wait-idle":
            idle_limit = float(argv.pop(0))
        elif opt == "--out":
            out_path = argv.pop(0)
        else:
            sys.exit(f"proc_tree_rss.py: unknown option {opt}\n{__doc__}")
    if not argv or len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1:]

    waited = wait_idle(idle_limit) if idle_limit > 0 else 0.0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    busy_before = busy_cpu_seconds()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    peak_rss = peak_pss = peak_procs = samples = 0
    status = None
    while True:
        procs = tree(pid)
        rss = sum(rss_kb(p) for p in procs)
        peak_rss = max(peak_rss, rss)
        # smaps_rollup walks page tables (costly for big processes): read it
        # only every PSS_EVERY-th sample.
        if samples % PSS_EVERY == 0:
            peak_pss = max(peak_pss, sum(pss_kb(p) for p in procs))
        peak_procs = max(peak_procs, len(procs))
        samples += 1
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(interval)
    wall = time.monotonic() - start
    busy = busy_cpu_seconds() - busy_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_after = resource.getrusage(resource.RUSAGE_SELF)

    user = after.ru_utime - before.ru_utime
    sys_ = after.ru_stime - before.ru_stime
    sampler = (self_after.ru_utime + self_after.ru_stime
               - self_before.ru_utime - self_before.ru_stime)
    result = {
        "command": cmd,
        "exit_status": os.waitstatus_to_exitcode(status),
        "wall_seconds": round(wall, 3),
        "user_seconds": round(user, 3),
        "sys_seconds": round(sys_, 3),
        "cpu_seconds": round(user + sys_, 3),
        "peak_tree_rss_kb": peak_rss,
        "peak_tree_pss_kb": peak_pss,
        "max_process_rss_kb": after.ru_maxrss,
        "peak_processes": peak_procs,
        "samples": samples,
        "interval_seconds": interval,
        "sampler_cpu_seconds": round(sampler, 3),
        # Busy CPU time of the whole machine minus the tree and the sampler:
        # what other processes took meanwhile (0 on a quiet machine).
        "other_cpu_seconds": round(max(0.0, busy - user - sys_ - sampler), 3),
        "cpus": os.cpu_count(),
        "waited_for_idle_seconds": waited,
    }
    text = json.dumps(result, indent=2)
    if out_path:
        with open(out_path, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return result["exit_status"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
