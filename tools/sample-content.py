#!/usr/bin/env python3
"""Checks the decoded sample clips against the content stretches tools/make-samples put into them,
and writes samples/footage-content.jsonl: per clip, the stretches a content analyser must find
with the default policy (issue 14).

Usage: sample-content.py FOOTAGE MANIFEST OUT
  MANIFEST: one tab-separated line per clip: file name, seconds, audio (tone | silence), and the
  raw obscured, frozen and muted stretches as "A-B" clip seconds (or "-").

The check reads the clips the way the analyser is meant to: key frames only, scaled to a 32x18
grey picture, and the audio in 0.1 s RMS windows from the first sample. It needs wide margins
rather than the analyser's exact thresholds:
- every key frame outside an obscured stretch has mean grey >= 60 and a spread (std dev) >= 30;
  every obscured one has mean grey 18..35 (not black) and differs from the key frame before;
- consecutive key frames differ by a mean absolute difference >= 5 (of 255), except inside a
  frozen stretch, where they are identical (difference 0);
- stretch ends and every 10 s inside a stretch are key frames;
- 0.1 s windows inside a muted stretch (all of a silent clip) are below -60 dBFS, all others
  between -24 and -17 dBFS (the 440 Hz tone is about -21 dBFS RMS).
Default policy for the output: a stretch counts when longer than 10 s; muted audio in the first
30 s is ignored (a muted stretch starting earlier counts from 30 s if what remains is > 10 s).
"""

import json
import math
import subprocess
import sys

W, H = 32, 18
MIN_STRETCH = 10
MUTED_GRACE = 30
MUTED_DB = -60


def keyframes(path):
    times = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey",
         "-show_entries", "frame=pts_time", "-of", "csv=p=0", path],
        capture_output=True, text=True, check=True).stdout.split()
    times = [float(t.strip(",")) for t in times]
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-skip_frame", "nokey", "-i", path, "-map", "0:v:0",
         "-vf", f"scale={W}:{H},format=gray", "-fps_mode", "passthrough", "-f", "rawvideo", "-"],
        capture_output=True, check=True).stdout
    n = W * H
    frames = [raw[i:i + n] for i in range(0, len(raw), n)]
    assert len(frames) == len(times), f"{path}: {len(frames)} key frames decoded, {len(times)} listed"
    return list(zip(times, frames))


def rms_windows(path):
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-af",
         "asetnsamples=n=800:p=0,astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=RMS_level,"
         "ametadata=print:key=lavfi.astats.Overall.RMS_level:file=-", "-f", "null", "-"],
        capture_output=True, text=True, check=True).stdout
    levels = [line.split("=", 1)[1] for line in out.splitlines() if line.startswith("lavfi.astats.Overall.RMS_level=")]
    return [-math.inf if v in ("-inf", "nan") else float(v) for v in levels]


def audio_streams(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries",
         "stream=codec_name,sample_rate,channels", "-of", "json", path],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"]


def span(text):
    if text == "-":
        return None
    a, b = text.split("-")
    return float(a), float(b)


def check(path, name, secs, audio, obscured, frozen, muted):
    fail = lambda msg: sys.exit(f"sample-content: {name}: {msg}")
    inside = lambda t, s: s is not None and s[0] <= t < s[1]
    kf = keyframes(path)
    times = [t for t, _ in kf]
    for s in (obscured, frozen, muted):
        if s:
            want = list(range(int(s[0]), int(s[1]), 10)) + [int(s[1])]
            missing = [t for t in want if t < secs and float(t) not in times]
            if missing:
                fail(f"no key frame at {missing}")
    worst = math.inf
    for i, (t, f) in enumerate(kf):
        mean = sum(f) / len(f)
        sd = math.sqrt(sum((p - mean) ** 2 for p in f) / len(f))
        if inside(t, obscured):
            if not 18 <= mean <= 35:
                fail(f"obscured key frame at {t}: mean grey {mean:.1f}")
        elif mean < 60 or sd < 30:
            fail(f"key frame at {t}: mean grey {mean:.1f}, spread {sd:.1f}")
        if i == 0:
            continue
        pt, pf = kf[i - 1]
        mad = sum(abs(a - b) for a, b in zip(f, pf)) / len(f)
        if inside(pt, frozen) and inside(t, frozen):
            if mad != 0:
                fail(f"frozen key frames {pt} and {t} differ ({mad:.2f})")
        elif inside(pt, obscured) and inside(t, obscured):
            if mad == 0:
                fail(f"obscured key frames {pt} and {t} are identical")
        else:
            if mad < 5:
                fail(f"key frames {pt} and {t} differ by only {mad:.2f}")
            worst = min(worst, mad)
    streams = audio_streams(path)
    if [(s["codec_name"], s["sample_rate"], s["channels"]) for s in streams] != [("aac", "8000", 1)]:
        fail(f"audio streams {streams}")
    levels = rms_windows(path)[: int(secs * 10)]
    if len(levels) != int(secs * 10):
        fail(f"{len(levels)} audio windows, wanted {int(secs * 10)}")
    quiet = (0.0, float(secs)) if audio == "silence" else muted
    for k, db in enumerate(levels):
        t = k / 10
        if inside(t + 1e-9, quiet):
            if db >= MUTED_DB:
                fail(f"audio window at {t:.1f} s is {db:.1f} dBFS inside the muted stretch")
        elif not -24 <= db <= -17:
            fail(f"audio window at {t:.1f} s is {db:.1f} dBFS")
    return len(kf), worst


def stretches(secs, audio, obscured, frozen, muted):
    out = []
    for kind, s in (("obscured", obscured), ("frozen", frozen)):
        if s and s[1] - s[0] > MIN_STRETCH:
            out.append((kind, s[0], s[1]))
    quiet = (0.0, float(secs)) if audio == "silence" else muted
    if quiet:
        a, b = max(quiet[0], float(MUTED_GRACE)), quiet[1]
        if b - a > MIN_STRETCH:
            out.append(("muted", a, b))
    return [{"kind": k, "start": a, "end": b} for k, a, b in sorted(out, key=lambda x: (x[1], x[0]))]


def main():
    footage, manifest, out_path = sys.argv[1:4]
    rows = []
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            name, secs, audio, obscured, frozen, muted = line.rstrip("\n").split("\t")
            rows.append((name, int(secs), audio, span(obscured), span(frozen), span(muted)))
    lines = []
    for name, secs, audio, obscured, frozen, muted in sorted(rows):
        n, worst = check(f"{footage}/{name}", name, secs, audio, obscured, frozen, muted)
        print(f"sample-content: {name}: {n} key frames, moving ones differ by >= {worst:.1f}", file=sys.stderr)
        lines.append({"clip": name, "stretches": stretches(secs, audio, obscured, frozen, muted)})
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(json.dumps(x, separators=(",", ":")) + "\n" for x in lines)


if __name__ == "__main__":
    main()
