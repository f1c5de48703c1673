#!/usr/bin/env python3
"""Oracle for samples/: an independent, plain implementation of SPEC.md §6 (linking) and §7
(findings) with the default policy, used to write the expected output the Swift code is tested
against.

Inputs: SAMPLES/dispatch.csv, the clips in SAMPLES/footage (probed with ffprobe) and
SAMPLES/footage-content.jsonl (per clip, the content stretches the analyser finds; issue 14).
Outputs: SAMPLES/expected-findings.jsonl and SAMPLES/expected-links.jsonl.

Choices where SPEC.md leaves room (see samples/README.md):
- A clip's officer is the one in its file name; its start is the `creation_time` tag, else the
  file-name time read in Asia/Shanghai; its duration is ffprobe's format duration (for the
  truncated clip that is the declared duration). Files ffprobe cannot open are skipped.
- Intervals are closed: a clip [s, e] links to a span [a, b] when s <= b and a <= e. No sample
  clip touches a span or a window exactly, so open or closed makes no difference here.
- A row without cleared_at has no span end and links nothing here (no sample clip of that
  officer starts after its span begins, so an open-ended span would give the same result).
- late_upload: one line per incident the clip links to (incident_id null when unlinked),
  officer_id = the clip's officer, start = clip end, end = receipt time, seconds = the delay,
  plus clip_sha256; no window fields and no coverage.
- The 110 handling chain (issue 15), judged as of --as-of with the default limits: a time after
  the as-of instant has not happened yet; "longer than" is strict. slow_dispatch (received →
  dispatched > 180 s), slow_arrival (dispatched → arrived > 900 s), no_arrival (dispatched, neither
  arrived nor cleared, > 2 h), not_closed (arrived, else dispatched, not cleared, > 24 h); each with
  start/end of the delay (end = the as-of instant for an open call), seconds, limit_seconds and
  the row's station.
- Content findings (issue 14), for each judged row: each stretch (seconds from the clip's first
  frame, already under the analyser's policy) of each of the officer's clips overlapping the
  window, made absolute (clip start + seconds) and cut to the window; longer than 10 s it is an
  obscured_video / frozen_video / muted_audio finding with the window, the row's coverage and
  usable_coverage = max(0, covered seconds - the union of all the officer's obscured and frozen
  stretches inside the window) / window seconds, plus the clip's sha256. A clip missing from
  footage-content.jsonl has no stretches.
"""

import argparse
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# SPEC.md §7 default policy.
MERGE_GAP = 2
LATE_START = 30
EARLY_STOP = 30
INTERRUPTION = 10
CONTENT_MIN = 10  # a content finding is the part of a stretch inside the window, longer than this
CONTENT_KINDS = {"obscured": "obscured_video", "frozen": "frozen_video", "muted": "muted_audio"}
LATE_UPLOAD = 24 * 3600
# Custody's default [handling] limits (issue 15).
DISPATCH_LIMIT = 180
ARRIVAL_LIMIT = 900
NO_ARRIVAL = 2 * 3600
NOT_CLOSED = 24 * 3600
SPAN_BEFORE = 5 * 60
SPAN_AFTER = 10 * 60

NAME = re.compile(r"^(?P<device>[^_]+)_(?P<officer>[^_]+)_(?P<start>\d{14})_(?P<seq>\d+)\.[^.]+$")
LOCAL = ZoneInfo("Asia/Shanghai")


def parse_utc(text):
    """ISO 8601 with Z or an offset -> aware datetime; '' -> None."""
    text = text.strip()
    if not text:
        return None
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    t = datetime.fromisoformat(text)
    if t.tzinfo is None:
        raise ValueError(f"time without zone: {text}")
    return t.astimezone(timezone.utc)


def fmt(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def probe(path):
    r = subprocess.run(
        ["ffprobe", "-v", "quiet", "-of", "json", "-show_entries", "format=duration:format_tags=creation_time", path],
        capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout).get("format", {})


def load_clips(footage):
    clips = []
    for name in sorted(os.listdir(footage)):
        path = os.path.join(footage, name)
        m = NAME.match(name)
        if not m or not os.path.isfile(path):
            continue
        fmt_ = probe(path)
        if fmt_ is None or fmt_.get("duration") is None:
            print(f"expected-findings: skipping unreadable {name}", file=sys.stderr)
            continue
        tag = (fmt_.get("tags") or {}).get("creation_time")
        if tag:
            start = parse_utc(tag)
        else:
            start = datetime.strptime(m["start"], "%Y%m%d%H%M%S").replace(tzinfo=LOCAL).astimezone(timezone.utc)
        duration = float(fmt_["duration"])
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        clips.append({"name": name, "officer": m["officer"], "start": start,
                      "end": start + timedelta(seconds=duration), "sha256": sha})
    return clips


def load_dispatch(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        reader.fieldnames = [h.strip().lower() for h in reader.fieldnames]
        rows = []
        for r in reader:
            rows.append({
                "incident": r["incident_id"].strip(), "officer": r["officer_id"].strip(),
                "received": parse_utc(r.get("received_at", "")),
                "station": r.get("station", "").strip() or None,
                "dispatched": parse_utc(r.get("dispatched_at", "")),
                "arrived": parse_utc(r.get("arrived_at", "")),
                "cleared": parse_utc(r.get("cleared_at", "")),
            })
    return rows


def span(row):
    begin = row["dispatched"] or row["arrived"]
    if begin is None or row["cleared"] is None:
        return None
    return begin - timedelta(seconds=SPAN_BEFORE), row["cleared"] + timedelta(seconds=SPAN_AFTER)


def links(clips, rows):
    out = {}
    for c in clips:
        hits = set()
        for r in rows:
            if r["officer"] != c["officer"]:
                continue
            s = span(r)
            if s and c["start"] <= s[1] and s[0] <= c["end"]:
                hits.add(r["incident"])
        out[c["name"]] = sorted(hits)
    return out


def load_content(path):
    """footage-content.jsonl -> {clip file name: [(kind, start s, end s), ...]}; {} if absent."""
    if not os.path.exists(path):
        return {}
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                o = json.loads(line)
                out[o["clip"]] = [(x["kind"], float(x["start"]), float(x["end"])) for x in o["stretches"]]
    return out


def union_seconds(intervals):
    total, end = 0.0, None
    for s, e in sorted(intervals):
        if end is None or s > end:
            total += (e - s).total_seconds()
            end = e
        elif e > end:
            total += (e - end).total_seconds()
            end = e
    return total


def content_findings(row, clips, content, covered, cov):
    ws, we = row["arrived"], row["cleared"]
    total = (we - ws).total_seconds()
    mine = [c for c in clips if c["officer"] == row["officer"] and c["start"] < we and c["end"] > ws]
    cut = []  # (kind, start, end, clip) inside the window
    for c in mine:
        for kind, a, b in content.get(c["name"], []):
            s = max(c["start"] + timedelta(seconds=a), ws)
            e = min(c["start"] + timedelta(seconds=b), we)
            if e > s:
                cut.append((kind, s, e, c))
    bad = union_seconds([(s, e) for kind, s, e, _ in cut if kind in ("obscured", "frozen")])
    usable = round(max(0.0, covered - bad) / total, 2)
    found = []
    for kind, s, e, c in cut:
        length = (e - s).total_seconds()
        if length > CONTENT_MIN:
            found.append({"incident_id": row["incident"], "officer_id": row["officer"],
                          "kind": CONTENT_KINDS[kind], "start": fmt(s), "end": fmt(e),
                          "seconds": round(length), "clip_sha256": c["sha256"],
                          "window_start": fmt(ws), "window_end": fmt(we),
                          "coverage": cov, "usable_coverage": usable})
    return found


def coverage_findings(row, clips):
    """-> (findings, covered seconds in the window, coverage rounded to 2 places)."""
    ws, we = row["arrived"], row["cleared"]
    secs = lambda a, b: (b - a).total_seconds()
    mine = sorted((c["start"], c["end"]) for c in clips
                  if c["officer"] == row["officer"] and c["start"] < we and c["end"] > ws)
    base = {"incident_id": row["incident"], "officer_id": row["officer"]}
    window = {"window_start": fmt(ws), "window_end": fmt(we)}
    total = secs(ws, we)
    if not mine:
        return [dict(base, kind="no_recording", start=fmt(ws), end=fmt(we), seconds=round(total),
                     **window, coverage=0.0)], 0.0, 0.0
    merged = [list(mine[0])]
    for s, e in mine[1:]:
        if secs(merged[-1][1], s) <= MERGE_GAP:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    covered = [(max(s, ws), min(e, we)) for s, e in merged if s < we and e > ws]
    covered_seconds = sum(secs(s, e) for s, e in covered)
    cov = round(covered_seconds / total, 2)
    gaps, cursor = [], ws
    for s, e in covered:
        if s > cursor:
            gaps.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < we:
        gaps.append((cursor, we))
    found = []
    for s, e in gaps:
        length = secs(s, e)
        if s == ws and e == we:
            kind = "no_recording"  # cannot happen: something overlaps the window
        elif s == ws:
            kind = "late_start" if length > LATE_START else None
        elif e == we:
            kind = "early_stop" if length > EARLY_STOP else None
        else:
            kind = "interruption" if length > INTERRUPTION else None
        if kind:
            found.append(dict(base, kind=kind, start=fmt(s), end=fmt(e), seconds=round(length),
                              **window, coverage=cov))
    return found, covered_seconds, cov


def handling_findings(row, as_of):
    known = lambda t: t if t is not None and t <= as_of else None
    rec, dis, arr, clr = (known(row[k]) for k in ("received", "dispatched", "arrived", "cleared"))
    out = []
    def add(kind, start, end, limit):
        out.append({"incident_id": row["incident"], "officer_id": row["officer"], "kind": kind,
                    "start": fmt(start), "end": fmt(end), "seconds": round((end - start).total_seconds()),
                    "limit_seconds": limit, "station": row["station"]})
    secs = lambda a, b: (b - a).total_seconds()
    if rec and dis and secs(rec, dis) > DISPATCH_LIMIT:
        add("slow_dispatch", rec, dis, DISPATCH_LIMIT)
    if dis and arr and secs(dis, arr) > ARRIVAL_LIMIT:
        add("slow_arrival", dis, arr, ARRIVAL_LIMIT)
    if dis and arr is None and clr is None and secs(dis, as_of) > NO_ARRIVAL:
        add("no_arrival", dis, as_of, NO_ARRIVAL)
    since = arr or dis
    if clr is None and since and secs(since, as_of) > NOT_CLOSED:
        add("not_closed", since, as_of, NOT_CLOSED)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples"))
    ap.add_argument("--received-at", default="2024-02-14T12:00:00Z")
    ap.add_argument("--as-of", default="2024-02-14T16:00:00Z", help="judge the handling as of this instant (UTC)")
    args = ap.parse_args()
    as_of = parse_utc(args.as_of)
    received = parse_utc(args.received_at)

    clips = load_clips(os.path.join(args.samples, "footage"))
    rows = load_dispatch(os.path.join(args.samples, "dispatch.csv"))
    linked = links(clips, rows)
    content = load_content(os.path.join(args.samples, "footage-content.jsonl"))

    findings = []
    for r in rows:
        if r["arrived"] is None or r["cleared"] is None:
            continue  # open or without arrival: not judged
        found, covered, cov = coverage_findings(r, clips)
        findings += found + content_findings(r, clips, content, covered, cov)
    for c in clips:
        delay = (received - c["end"]).total_seconds()
        if delay > LATE_UPLOAD:
            for inc in linked[c["name"]] or [None]:
                findings.append({"incident_id": inc, "officer_id": c["officer"], "kind": "late_upload",
                                 "start": fmt(c["end"]), "end": fmt(received), "seconds": round(delay),
                                 "clip_sha256": c["sha256"]})
    for r in rows:
        findings += handling_findings(r, as_of)
    findings.sort(key=lambda f: (f["incident_id"] or "", f["officer_id"], f["kind"], f["start"]))

    dump = lambda o: json.dumps(o, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(args.samples, "expected-findings.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(dump(x) + "\n" for x in findings)
    with open(os.path.join(args.samples, "expected-links.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(dump({"clip": n, "incidents": linked[n]}) + "\n" for n in sorted(linked))
    print(f"expected-findings: {len(clips)} clips, {len(rows)} dispatch rows, {len(findings)} findings",
          file=sys.stderr)


if __name__ == "__main__":
    main()
