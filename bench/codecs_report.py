#!/usr/bin/env python3
"""Helpers and the table for bench/codecs_bench.sh (issue 4).

usage:
  codecs_report.py collect DATA_DIR VIDEO_ID OUT_DIR RESULT.json
      vtp's side of one run: per task CPU from DATA_DIR/vtp.db (table tasks),
      per rendition the segment bytes and durations (OUT_DIR/<codec>/<rung>/
      playlist.m3u8), the transcode tasks' encoder settings.
  codecs_report.py baseline-cmds RESULT.json INPUT OUTDIR CMD_PREFIX
      writes CMD_PREFIX<codec>.ffmpeg-command.sh: one ffmpeg CLI process per
      codec doing the same encodes as vtp's transcode task for that codec
      (settings read back from the task's params, see ffmpeg_args below).
  codecs_report.py quality RESULT.json SOURCE OUT_DIR WORK_DIR QUALITY.json
      decodes every rendition (init.mp4 + segments), scales it to the source
      size (bicubic), and measures it against the source with libavfilter's
      psnr and ssim filters.
  codecs_report.py report RUN_DIR OUT_BASE
      writes OUT_BASE.json and OUT_BASE.md and prints the tables.
Standard library only.
"""
import glob
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys

CODEC_ORDER = ["h264", "hevc", "vp9", "av1"]
STEP = {"h264": "transcode", "hevc": "transcode_hevc", "vp9": "transcode_vp9", "av1": "transcode_av1"}
# Fallback prices when `vtp report` is unavailable (its defaults on 2026-11-26).
DEFAULT_PRICES = {"cpu_usd_per_vcpu_hour": 0.0425, "egress_usd_per_gb": 0.085}


def rung_key(name):
    return int(re.sub(r"\D", "", name) or 0)


# ---------------------------------------------------------------- collect
def collect(data_dir, video_id, out_dir, result_path):
    db = sqlite3.connect(f"file:{data_dir}/vtp.db?mode=ro", uri=True)
    tasks = []
    for tid, step, codec, res, cpu, dur, params, state in db.execute(
            "SELECT task_id, step, codec, resolution, cpu_ms, duration_ms, params_json, state "
            "FROM tasks WHERE video_id = ? ORDER BY task_id", (video_id,)):
        t = {"task_id": tid, "step": step, "codec": codec, "resolution": res,
             "cpu_ms": cpu, "duration_ms": dur, "state": state}
        if step.startswith("transcode"):
            t["params"] = json.loads(params)
        tasks.append(t)
    codecs = {}
    for codec, step in STEP.items():
        ts = [t for t in tasks if t["step"] == step]
        if not ts:
            continue
        c = {"transcode_tasks": len(ts),
             "transcode_cpu_seconds": sum((t["cpu_ms"] or 0) for t in ts) / 1000,
             "transcode_task_seconds": sum((t["duration_ms"] or 0) for t in ts) / 1000,
             "package_cpu_seconds": sum((t["cpu_ms"] or 0) for t in tasks
                                        if t["step"] == "package" and t["codec"] == codec) / 1000,
             "settings": ts[0]["params"]["renditions"], "rungs": {}}
        for r in c["settings"]:
            d = f"{out_dir}/{codec}/{r['name']}"
            durations = [float(m) for m in re.findall(r"#EXTINF:([0-9.]+)", open(f"{d}/playlist.m3u8").read())]
            segs = sorted(glob.glob(f"{d}/segment_*.m4s"))
            seg_bytes = sum(os.path.getsize(s) for s in segs)
            c["rungs"][r["name"]] = {
                "width": r["width"], "height": r["height"], "segments": len(segs),
                "segment_bytes": seg_bytes, "init_bytes": os.path.getsize(f"{d}/init.mp4"),
                "duration_seconds": sum(durations),
                "kbps": seg_bytes * 8 / sum(durations) / 1000,
                "package_cpu_seconds": next(((t["cpu_ms"] or 0) / 1000 for t in tasks
                                             if t["task_id"].endswith(f"/package/{codec}_{r['name']}")), None),
            }
        codecs[codec] = c
    json.dump({"video_id": video_id, "codecs": codecs, "tasks": tasks}, open(result_path, "w"), indent=2)


# ---------------------------------------------------------- baseline-cmds
def tile_columns_log2(width):  # media/video_encoders.cc TileColumnsLog2
    log2 = 0
    while log2 < 4 and (256 << (log2 + 1)) <= width:
        log2 += 1
    return log2


def ffmpeg_args(codec, params, infile, outdir):
    """One ffmpeg process: decode once, split, bicubic scale per rung, and
    each rung's encoder with the options media/video_encoders.cc gives it
    (preset, CRF, VBV caps, profile/level, GOP safety net, keyframes forced
    at the plan's boundaries, no scene-cut keyframes, the same threads:
    encoder_threads per rung, 2 for the largest rung, SVT-AV1 always lp=1)."""
    rends = params["renditions"]
    fr_num, fr_den = params["frame_rate"]
    keyint = max(1, round(fr_num / fr_den * 2))            # KeyframeInterval
    gop = keyint * 2
    tb_num, tb_den = params["time_base"]
    forces = ",".join("%.6f" % ((p - params["origin"]) * tb_num / tb_den) for p in params["keyframe_forces"])
    threads = params.get("encoder_threads", 1)
    top = max(range(len(rends)), key=lambda i: rends[i]["width"] * rends[i]["height"])
    n = len(rends)
    graph = "[0:v]split=%d%s" % (n, "".join(f"[s{i}]" for i in range(n)))
    for i, r in enumerate(rends):
        pix = "yuv420p10le" if r["bit_depth"] == 10 else "yuv420p"
        graph += f";[s{i}]scale={r['width']}:{r['height']}:flags=bicubic,format={pix},setsar=1[v{i}]"
    args = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", infile,
            "-filter_complex", graph]
    for i, r in enumerate(rends):
        t = max(threads, 2) if (i == top and n > 1) else threads
        mr, bs = r["maxrate"], r["bufsize"]
        a = ["-map", f"[v{i}]", "-an", "-force_key_frames", forces, "-g", str(gop)]
        enc = r["encoder"]
        if enc == "libx264":
            a += ["-c:v", "libx264", "-threads", str(t), "-preset", r["preset"], "-crf", str(r["crf"]),
                  "-profile:v", r["profile"], "-level", r["level"], "-forced-idr", "1",
                  "-maxrate", str(mr), "-bufsize", str(bs),
                  "-x264-params", f"scenecut=0:open-gop=0:min-keyint={keyint}"]
        elif enc == "libx265":
            p = (f"log-level=error:pools={t}:frame-threads=1:scenecut=0:open-gop=0:keyint={gop}"
                 f":min-keyint={keyint}:vbv-maxrate={mr // 1000}:vbv-bufsize={max(bs, mr) // 1000}")
            if r.get("level"):
                p += f":level-idc={r['level']}"
            a += ["-c:v", "libx265", "-threads", str(t), "-preset", r["preset"], "-crf", str(r["crf"]),
                  "-profile:v", r["profile"], "-forced-idr", "1", "-b:v", "0",
                  "-maxrate", str(mr), "-bufsize", str(bs), "-x265-params", p]
        elif enc == "libvpx-vp9":
            a += ["-c:v", "libvpx-vp9", "-threads", str(t), "-profile:v", "2" if r["bit_depth"] == 10 else "0",
                  "-b:v", str(mr), "-maxrate", str(mr), "-bufsize", str(bs), "-keyint_min", str(gop),
                  "-crf", str(r["crf"]), "-deadline", "good", "-cpu-used", r["preset"], "-row-mt", "1",
                  "-tile-columns", str(tile_columns_log2(r["width"])), "-lag-in-frames", "25",
                  "-auto-alt-ref", "1"]
        elif enc == "libsvtav1":
            lp = 1 if mr > 0 else t
            a += ["-c:v", "libsvtav1", "-threads", str(lp), "-profile:v", "0", "-b:v", "0",
                  "-maxrate", str(mr), "-bufsize", str(bs), "-preset", r["preset"], "-crf", str(r["crf"]),
                  "-svtav1-params", f"lp={lp}:scd=0:enable-force-key-frames=1"]
        else:
            raise SystemExit(f"baseline for encoder {enc} not implemented")
        a.append(f"{outdir}/{codec}_{r['name']}.mp4")
        args += a
    return args


def baseline_cmds(result_path, infile, outdir, cmd_prefix):
    res = json.load(open(result_path))
    for codec in CODEC_ORDER:
        tasks = [t for t in res["tasks"] if t["step"] == STEP[codec]]
        if not tasks:
            continue
        if len(tasks) != 1:
            raise SystemExit(f"{codec}: {len(tasks)} transcode chunks; the baseline assumes one")
        with open(f"{cmd_prefix}{codec}.ffmpeg-command.sh", "w") as f:
            f.write("SVT_LOG=1 " + " ".join(shlex.quote(a) for a in ffmpeg_args(codec, tasks[0]["params"], infile, outdir)) + "\n")


# ---------------------------------------------------------------- quality
def probe_size(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                          "-show_entries", "stream=width,height,nb_read_packets", "-of", "json", path],
                         check=True, capture_output=True, text=True).stdout
    s = json.loads(out)["streams"][0]
    return s["width"], s["height"], int(s["nb_read_packets"])


def measure(dist, src, sw, sh):
    graph = (f"[0:v]scale={sw}:{sh}:flags=bicubic,format=yuv420p,setpts=PTS-STARTPTS,split[d1][d2];"
             f"[1:v]format=yuv420p,setpts=PTS-STARTPTS,split[r1][r2];"
             f"[d1][r1]ssim=shortest=1[o1];[d2][r2]psnr=shortest=1[o2]")
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-threads", "2", "-i", dist, "-i", src,
           "-filter_complex", graph, "-map", "[o1]", "-f", "null", "-", "-map", "[o2]", "-f", "null", "-"]
    err = subprocess.run(cmd, check=True, capture_output=True, text=True).stderr
    m = re.search(r"SSIM Y:([0-9.]+) .*All:([0-9.]+)", err)
    p = re.search(r"PSNR y:([0-9.inf]+) u:[0-9.inf]+ v:[0-9.inf]+ average:([0-9.inf]+)", err)
    if not m or not p:
        raise SystemExit(f"could not parse ssim/psnr output of {dist}:\n{err[-2000:]}")
    return {"ssim_y": float(m.group(1)), "ssim_all": float(m.group(2)),
            "psnr_y": float(p.group(1)), "psnr_avg": float(p.group(2)), "command": shlex.join(cmd)}


def quality(result_path, src, out_dir, work, quality_path):
    res = json.load(open(result_path))
    sw, sh, src_frames = probe_size(src)
    q = {"source": src, "source_size": [sw, sh], "source_frames": src_frames,
         "method": "rendition decoded (init.mp4 + segments), scaled to the source size with "
                   "swscale bicubic, compared with libavfilter ssim and psnr (8-bit 4:2:0)",
         "codecs": {}}
    for codec in CODEC_ORDER:
        if codec not in res["codecs"]:
            continue
        q["codecs"][codec] = {}
        for rung in sorted(res["codecs"][codec]["rungs"], key=rung_key):
            d = f"{out_dir}/{codec}/{rung}"
            dist = f"{work}/{codec}_{rung}.mp4"
            with open(dist, "wb") as f:
                for part in [f"{d}/init.mp4"] + sorted(glob.glob(f"{d}/segment_*.m4s")):
                    f.write(open(part, "rb").read())
            _, _, frames = probe_size(dist)
            m = measure(dist, src, sw, sh)
            m["frames"] = frames
            q["codecs"][codec][rung] = m
            os.remove(dist)
            print(f"codecs_bench: quality {codec} {rung}: PSNR-Y {m['psnr_y']:.2f} dB, "
                  f"SSIM-Y {m['ssim_y']:.4f} ({frames}/{src_frames} frames)", file=sys.stderr)
    json.dump(q, open(quality_path, "w"), indent=2)


# ----------------------------------------------------------------- report
def interp_rate(curve, qual):
    """H.264's kbps at quality `qual`, interpolating log(kbps) linearly
    between its ladder points sorted by quality; None outside its range."""
    import math
    pts = sorted(curve)
    for (q0, r0), (q1, r1) in zip(pts, pts[1:]):
        if q0 <= qual <= q1 and q1 > q0:
            f = (qual - q0) / (q1 - q0)
            return math.exp(math.log(r0) + f * (math.log(r1) - math.log(r0)))
    return None


def fmt_pct(x):
    return "n/a" if x is None else "{:+.0f}%".format(x * 100)


def report(run_dir, base):
    machine = open(f"{run_dir}/machine.txt").read()
    out = {"machine": machine, "inputs": []}
    md = []
    for line in open(f"{run_dir}/inputs.txt"):
        name, path = line.rstrip("\n").split(" ", 1)
        res = json.load(open(f"{run_dir}/{name}.vtp-result.json"))
        qual = json.load(open(f"{run_dir}/{name}.quality.json")) if os.path.exists(f"{run_dir}/{name}.quality.json") else None
        vrun = json.load(open(f"{run_dir}/{name}.vtp.json"))
        rep_path = f"{run_dir}/{name}.vtp-report.json"
        vrep = json.load(open(rep_path)) if os.path.exists(rep_path) and os.path.getsize(rep_path) else None
        prices = (vrep or {}).get("prices") or DEFAULT_PRICES
        e = {"name": name, "file": path, "vtp_run": vrun, "codecs": {}}
        h = res["codecs"].get("h264")
        dur = next(iter(h["rungs"].values()))["duration_seconds"] if h else None
        e["output_seconds"] = dur
        # H.264's ladder as a rate-quality curve (quality measured at source size).
        curves = {}
        if qual and "h264" in qual["codecs"]:
            for metric in ("psnr_y", "ssim_y"):
                curves[metric] = [(qual["codecs"]["h264"][r][metric], h["rungs"][r]["kbps"]) for r in h["rungs"]]
        rows, crows = [], []
        for codec in CODEC_ORDER:
            if codec not in res["codecs"]:
                continue
            c = res["codecs"][codec]
            bl_path = f"{run_dir}/{name}.ffmpeg-{codec}.json"
            bl = json.load(open(bl_path)) if os.path.exists(bl_path) else None
            px = {r: v["width"] * v["height"] for r, v in c["rungs"].items()}
            ce = {"transcode_cpu_seconds": c["transcode_cpu_seconds"],
                  "cpu_s_per_output_s": c["transcode_cpu_seconds"] / dur,
                  "package_cpu_seconds": c["package_cpu_seconds"],
                  "cost_vs_h264": c["transcode_cpu_seconds"] / h["transcode_cpu_seconds"] if h else None,
                  "ffmpeg": None, "rungs": {}}
            if bl:
                ce["ffmpeg"] = {"cpu_seconds": bl["cpu_seconds"], "wall_seconds": bl["wall_seconds"],
                                "other_cpu_seconds": bl["other_cpu_seconds"],
                                "ratio_vtp_over_ffmpeg": c["transcode_cpu_seconds"] / bl["cpu_seconds"],
                                "outputs_kbps": {}}
                for r in c["rungs"]:
                    f = f"{run_dir}/{name}.ffmpeg-out/{codec}_{r}.mp4.bytes"
                    if os.path.exists(f):
                        ce["ffmpeg"]["outputs_kbps"][r] = int(open(f).read()) * 8 / dur / 1000
            for r in sorted(c["rungs"], key=rung_key, reverse=True):
                v = c["rungs"][r]
                est = c["transcode_cpu_seconds"] * px[r] / sum(px.values())
                re_ = {"kbps": v["kbps"], "width": v["width"], "height": v["height"],
                       "cpu_s_estimate": est, "cpu_s_per_output_s_estimate": est / dur}
                if qual:
                    re_.update({k: qual["codecs"][codec][r][k] for k in ("psnr_y", "psnr_avg", "ssim_y", "ssim_all", "frames")})
                if h and r in h["rungs"]:
                    hr = h["rungs"][r]
                    re_["kbps_vs_h264_same_rung"] = v["kbps"] / hr["kbps"] - 1
                    if qual:
                        re_["dpsnr_vs_h264_same_rung"] = re_["psnr_y"] - qual["codecs"]["h264"][r]["psnr_y"]
                        for metric in ("psnr_y", "ssim_y"):
                            hk = interp_rate(curves[metric], re_[metric])
                            re_[f"saving_vs_h264_equal_{metric}"] = None if hk is None else 1 - v["kbps"] / hk
                    if bl and r in ce["ffmpeg"]["outputs_kbps"]:
                        re_["ffmpeg_kbps"] = ce["ffmpeg"]["outputs_kbps"][r]
                ce["rungs"][r] = re_
                rows.append([codec, r, "%.0f" % v["kbps"],
                             "%.2f" % re_["psnr_y"] if qual else "-",
                             "%.4f" % re_["ssim_y"] if qual else "-",
                             "%.2f" % re_["cpu_s_per_output_s_estimate"],
                             "" if codec == "h264" else fmt_pct(re_.get("kbps_vs_h264_same_rung")),
                             "" if codec == "h264" or not qual else "%+.2f" % re_["dpsnr_vs_h264_same_rung"],
                             "" if codec == "h264" else fmt_pct(-re_["saving_vs_h264_equal_psnr_y"]) if re_.get("saving_vs_h264_equal_psnr_y") is not None else ("" if codec == "h264" else "outside"),
                             "" if codec == "h264" else fmt_pct(-re_["saving_vs_h264_equal_ssim_y"]) if re_.get("saving_vs_h264_equal_ssim_y") is not None else ("" if codec == "h264" else "outside"),
                             "%.0f" % re_["ffmpeg_kbps"] if "ffmpeg_kbps" in re_ else "-"])
            # Break-even, top rung, every view watching it to the end.
            top = max(c["rungs"], key=lambda r: px[r])
            if h and codec != "h264" and top in h["rungs"]:
                usd_cpu = (c["transcode_cpu_seconds"] - h["transcode_cpu_seconds"]) / 3600 * prices["cpu_usd_per_vcpu_hour"]
                nominal = (h["rungs"][top]["segment_bytes"] - c["rungs"][top]["segment_bytes"])
                ce["break_even"] = {"top_rung": top, "extra_cpu_seconds_vs_h264": c["transcode_cpu_seconds"] - h["transcode_cpu_seconds"],
                                    "extra_encode_usd": usd_cpu, "bytes_saved_per_view_nominal": nominal}
                sv = ce["rungs"][top].get("saving_vs_h264_equal_psnr_y")
                eq = None
                if sv is not None:
                    eq = sv / (1 - sv) * c["rungs"][top]["segment_bytes"]  # H.264 bytes at equal PSNR minus this codec's
                ce["break_even"]["bytes_saved_per_view_equal_psnr"] = eq
                for k, b in (("nominal", nominal), ("equal_psnr", eq)):
                    usd_view = None if b is None else b / 1e9 * prices["egress_usd_per_gb"]
                    ce["break_even"][f"views_{k}"] = (None if not usd_view or usd_view <= 0
                                                      else max(0.0, usd_cpu / usd_view))
                if vrep:
                    ce["break_even"]["vtp_report_break_even_views"] = next(
                        (x.get("break_even_views") for x in vrep.get("codecs", []) if x["codec"] == codec), None)
            e["codecs"][codec] = ce
            be = ce.get("break_even", {})
            crows.append([codec, "%.1f" % ce["transcode_cpu_seconds"], "%.2f" % ce["cpu_s_per_output_s"],
                          "%.2fx" % ce["cost_vs_h264"] if ce["cost_vs_h264"] else "-",
                          "%.1f" % bl["cpu_seconds"] if bl else "-",
                          "**%.2fx**" % ce["ffmpeg"]["ratio_vtp_over_ffmpeg"] if bl else "-",
                          "%.1f" % bl["other_cpu_seconds"] if bl else "-",
                          "%.0f kB" % (be["bytes_saved_per_view_nominal"] / 1000) if be else "",
                          ("%.0f kB" % (be["bytes_saved_per_view_equal_psnr"] / 1000)) if be.get("bytes_saved_per_view_equal_psnr") is not None else ("" if not be else "n/a"),
                          ("%.1f" % be["views_equal_psnr"]) if be.get("views_equal_psnr") is not None else ("" if not be else "never"),
                          ])
        out["inputs"].append(e)
        md.append(f"#### {name}: `{os.path.basename(path)}`, {dur:.2f} s of output, "
                  f"vtp run total {vrun['cpu_seconds']:.1f} CPU-s / {vrun['wall_seconds']:.1f} s wall "
                  f"(others' CPU meanwhile {vrun['other_cpu_seconds']:.1f} s)\n")
        head = ["codec", "rung", "kbps", "PSNR-Y dB", "SSIM-Y", "CPU-s/out-s (est.)", "kbps vs H.264 same rung",
                "ΔPSNR vs H.264", "kbps vs H.264 at equal PSNR", "kbps vs H.264 at equal SSIM", "ffmpeg kbps"]
        md.append("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        md += ["| " + " | ".join(r) + " |" for r in rows]
        chead = ["codec", "vtp encode CPU-s", "CPU-s/out-s", "cost vs H.264", "ffmpeg CLI CPU-s",
                 "vtp/ffmpeg", "others' CPU-s (ffmpeg run)", "bytes saved/view, top rung", "same, equal PSNR",
                 "break-even views (equal PSNR)"]
        md.append("\n| " + " | ".join(chead) + " |\n|" + "---|" * len(chead))
        md += ["| " + " | ".join(r) + " |" for r in crows]
        md.append("")
    text = "\n".join(md)
    json.dump(out, open(base + ".json", "w"), indent=2)
    open(base + ".md", "w").write("```\n" + machine + "```\n\n" + text + "\n")
    print(machine)
    print(text)
    print(f"\nwritten: {base}.json, {base}.md")


if __name__ == "__main__":
    cmds = {"collect": (collect, 4), "baseline-cmds": (baseline_cmds, 4), "quality": (quality, 5), "report": (report, 2)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) != cmds[sys.argv[1]][1] + 2:
        sys.exit(__doc__)
    cmds[sys.argv[1]][0](*sys.argv[2:])
