#!/usr/bin/env python3
"""Tabulates a ladder_bench.sh run directory.

usage: ladder_report.py RUN_DIR OUT_BASE
Writes OUT_BASE.json and OUT_BASE.md and prints the table. For each input
and tool the table shows the run that other processes disturbed least (the
fewest "others' CPU-s"), so that wall times come from the quietest moment;
OUT_BASE.json keeps every run and the medians.
"""
import glob
import json
import statistics
import sys

KEYS = [  # field, column, divisor, format
    ("cpu_seconds", "CPU-s", 1, "{:.1f}"),
    ("wall_seconds", "wall s", 1, "{:.1f}"),
    ("peak_tree_rss_kb", "peak tree RSS MB", 1024, "{:.0f}"),
    ("peak_tree_pss_kb", "peak tree PSS MB", 1024, "{:.0f}"),
    ("max_process_rss_kb", "largest process MB", 1024, "{:.0f}"),
]
TOOLS = ("vtp", "ffmpeg")


def load_runs(run_dir, name, tool):
    paths = sorted(glob.glob(f"{run_dir}/{name}.{tool}.[0-9]*.json"),
                   key=lambda p: int(p.rsplit(".", 2)[1]))
    return [json.load(open(p)) for p in paths]


def main(run_dir, base):
    machine = dict(l.rstrip("\n").split("=", 1) for l in open(f"{run_dir}/machine.txt"))
    report = {"machine": machine, "inputs": []}
    rows = []
    for line in open(f"{run_dir}/inputs.txt"):
        name, rungs, path = line.rstrip("\n").split(" ", 2)
        e = {"name": name, "file": path, "rungs": int(rungs), "runs": {}, "median": {}, "shown": {}}
        for tool in TOOLS:
            runs = load_runs(run_dir, name, tool)
            e["runs"][tool] = runs
            e["median"][tool] = {k: statistics.median(r[k] for r in runs) for k, *_ in KEYS}
            e["shown"][tool] = min(runs, key=lambda r: r["other_cpu_seconds"])
        summary = json.load(open(f"{run_dir}/{name}.vtp-summary.1.json"))
        e["vtp_renditions"] = [r["name"] for r in summary.get("renditions", [])]
        e["vtp_self_reported_cpu_seconds"] = summary.get("cpu_seconds")
        v, f = e["shown"]["vtp"], e["shown"]["ffmpeg"]
        e["ratio_vtp_over_ffmpeg"] = {k: v[k] / f[k] for k, *_ in KEYS if f[k]}
        report["inputs"].append(e)
        for tool in TOOLS:
            r = e["shown"][tool]
            rows.append([name, str(e["rungs"]), tool, str(r["peak_processes"])]
                        + [fmt.format(r[k] / div) for k, _, div, fmt in KEYS]
                        + ["{:.1f}".format(r["other_cpu_seconds"]), str(len(e["runs"][tool]))])
        rows.append([name, "", "vtp/ffmpeg", ""]
                    + ["{:.2f}x".format(e["ratio_vtp_over_ffmpeg"][k]) for k, *_ in KEYS] + ["", ""])
    head = (["input", "rungs", "tool", "procs"] + [c for _, c, *_ in KEYS]
            + ["others' CPU-s", "runs"])
    intro = (f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['mem_gib']} GiB; "
             f"ffmpeg {machine['ffmpeg']}; vtp binary {machine['vtp_binary']}, repo HEAD "
             f"{machine['repo_head']}; load average before: {machine['load_before']}. "
             "Each row is the run of that tool least disturbed by other processes "
             "(\"others' CPU-s\": CPU time they used meanwhile; 0 = quiet machine).")
    md = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    with open(base + ".json", "w") as out:
        json.dump(report, out, indent=2)
    with open(base + ".md", "w") as out:
        out.write(intro + "\n\n" + "\n".join(md) + "\n")
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    print(intro)
    for r in [head] + rows:
        print("  ".join(x.ljust(w) for x, w in zip(r, widths)))
    print(f"\nwritten: {base}.json, {base}.md, raw runs in {run_dir}/")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
