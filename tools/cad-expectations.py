#!/usr/bin/env python3
"""Oracle for `custody dispatch import --mapping`: an independent, plain reading of SPEC.md §3
applied through a mapping file to a real CAD export, giving the validation figures the Swift
importer must reproduce.

Default run (from the project root):
    tools/cad-expectations.py
reads ../shared/corpus/cad/sacramento_pd_dispatch_jan2019.csv through
samples/mappings/sacramento.json in America/Los_Angeles, prints the figures as JSON and writes
them to samples/mappings/sacramento-expected.json.

Rules, per data row, in this order; the first failing check is the row's reason:
  1. A cell is trimmed of surrounding spaces; empty or equal to a null value -> missing.
  2. incident_id missing -> "incident_id is missing"; officer_id missing -> "officer_id is missing".
  3. Each present time, in the order received_at, dispatched_at, arrived_at, cleared_at, must be
     one of the SPEC shapes (ISO 8601 with offset or Z; local `YYYY-MM-DD HH:MM:SS`,
     `YYYY/MM/DD HH:MM:SS`, `YYYYMMDDHHMMSS`) or one of the mapping's time_formats (ICU-style
     patterns; a date-only value is midnight local) -> else "<column> is not a time".
  4. cleared_at present and arrived_at present and cleared_at < arrived_at
       -> "cleared_at is before arrived_at";
     else cleared_at present and dispatched_at present and cleared_at < dispatched_at
       -> "cleared_at is before dispatched_at". Equal is not before.
Line numbers: line 1 is the header; a row's line is the physical line it starts on.

Then the 110 handling chain (issue 15) of the imported rows, judged as of --as-of (default the
end of January 2019 in the export's zone) with Custody's default limits: a time after the instant
has not happened; "longer than" is strict. slow_dispatch: received -> dispatched > 180 s;
slow_arrival: dispatched -> arrived > 900 s; no_arrival: dispatched, neither arrived nor cleared,
> 2 h; not_closed: arrived (else dispatched), not cleared, > 24 h. Counted per kind.
"""

import argparse
import csv
import json
import os
import re
import sys
from collections import Counter, OrderedDict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CSV = os.path.join(ROOT, "..", "shared", "corpus", "cad",
                           "sacramento_pd_dispatch_jan2019.csv")
DEFAULT_MAPPING = os.path.join(ROOT, "samples", "mappings", "sacramento.json")
DEFAULT_OUT = os.path.join(ROOT, "samples", "mappings", "sacramento-expected.json")

TIME_COLUMNS = ["received_at", "dispatched_at", "arrived_at", "cleared_at"]
FIRST_N = 5

ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
                    r"(Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
LOCAL_RES = [
    re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$"),
    re.compile(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$"),
]

# ICU date-pattern fields this oracle understands (enough for real CAD exports).
ICU_FIELDS = {"yyyy": ("Y", r"\d{4}"), "MM": ("M", r"\d{2}"), "M": ("M", r"\d{1,2}"),
              "dd": ("D", r"\d{2}"), "d": ("D", r"\d{1,2}"), "HH": ("h", r"\d{2}"),
              "H": ("h", r"\d{1,2}"), "mm": ("m", r"\d{2}"), "ss": ("s", r"\d{2}"),
              "SSS": ("f", r"\d{3}")}


def icu_to_regex(pattern):
    """Compile an ICU-style pattern (e.g. yyyy-MM-dd) to a regex with named groups."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            j = pattern.index("'", i + 1)
            out.append(re.escape(pattern[i + 1:j] or "'"))
            i = j + 1
            continue
        if c.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            token = pattern[i:j]
            if token not in ICU_FIELDS:
                sys.exit(f"unsupported time format field {token!r} in {pattern!r}")
            name, rx = ICU_FIELDS[token]
            out.append(f"(?P<{name}>{rx})")
            i = j
            continue
        out.append(re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$")


def parse_time(text, tz, custom):
    """Return an aware datetime, or None when the text is not a time."""
    try:
        m = ISO_RE.match(text)
        if m:
            y, mo, d, h, mi = (int(m.group(k)) for k in range(1, 6))
            s = int(m.group(6) or 0)
            frac = m.group(7) or ""
            us = int((frac + "000000")[:6]) if frac else 0
            off = m.group(8).upper()
            if off == "Z":
                zone = timezone.utc
            else:
                sign = 1 if off[0] == "+" else -1
                digits = off[1:].replace(":", "")
                hh, mm = int(digits[:2]), int(digits[2:4] or 0)
                zone = timezone(sign * timedelta(hours=hh, minutes=mm))
            return datetime(y, mo, d, h, mi, s, us, tzinfo=zone)
        for rx in LOCAL_RES:
            m = rx.match(text)
            if m:
                y, mo, d, h, mi, s = (int(g) for g in m.groups())
                return datetime(y, mo, d, h, mi, s, tzinfo=tz)
        for rx in custom:
            m = rx.match(text)
            if m:
                g = m.groupdict()
                if not ("Y" in g and "M" in g and "D" in g):
                    continue
                return datetime(int(g["Y"]), int(g["M"]), int(g["D"]), int(g.get("h") or 0),
                                int(g.get("m") or 0), int(g.get("s") or 0),
                                int(g.get("f") or 0) * 1000, tzinfo=tz)
    except ValueError:  # e.g. 2019-02-30, hour 25
        return None
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", default=DEFAULT_CSV)
    ap.add_argument("--mapping", default=DEFAULT_MAPPING)
    ap.add_argument("--tz", default="America/Los_Angeles")
    ap.add_argument("--out", default=DEFAULT_OUT, help="'-' to write nothing")
    ap.add_argument("--as-of", default="2019-02-01 00:00:00", help="local time (in --tz) the handling is judged as of")
    args = ap.parse_args()

    tz = ZoneInfo(args.tz)
    with open(args.mapping, encoding="utf-8") as f:
        mapping = json.load(f)
    columns = mapping["columns"]
    null_values = set(mapping.get("null_values", []))
    custom = [icu_to_regex(p) for p in mapping.get("time_formats", [])]

    embedded_newline_rows = []
    with open(args.csv, newline="", encoding="utf-8-sig") as f:  # utf-8-sig drops a BOM
        reader = csv.reader(f)
        header = next(reader)
        wanted = {h.strip().lower(): i for i, h in enumerate(header)}
        index = {}
        for canon, src in columns.items():
            key = src.strip().lower()
            if key not in wanted:
                sys.exit(f"column {src!r} (for {canon}) not in the header")
            index[canon] = wanted[key]
        for req in ("incident_id", "officer_id"):
            if req not in index:
                sys.exit(f"required column {req} is not mapped")

        rows_read = 0
        imported = []  # (line, incident, officer, times)
        rejects = OrderedDict()  # reason -> [lines]
        last_line = reader.line_num
        for row in reader:
            line = last_line + 1  # physical line the record starts on
            last_line = reader.line_num
            if not row:  # csv yields [] for a blank line; not a data row
                continue
            rows_read += 1
            if any("\n" in c or "\r" in c for c in row):
                embedded_newline_rows.append(line)

            def cell(canon):
                i = index.get(canon)
                if i is None or i >= len(row):
                    return None
                v = row[i].strip(" ")
                return None if v == "" or v in null_values else v

            reason = None
            inc, off = cell("incident_id"), cell("officer_id")
            if inc is None:
                reason = "incident_id is missing"
            elif off is None:
                reason = "officer_id is missing"
            times = {}
            if reason is None:
                for c in TIME_COLUMNS:
                    v = cell(c)
                    if v is None:
                        times[c] = None
                        continue
                    t = parse_time(v, tz, custom)
                    if t is None:
                        reason = f"{c} is not a time"
                        break
                    times[c] = t
            if reason is None and times["cleared_at"] is not None:
                cl = times["cleared_at"]
                if times["arrived_at"] is not None and cl < times["arrived_at"]:
                    reason = "cleared_at is before arrived_at"
                elif times["dispatched_at"] is not None and cl < times["dispatched_at"]:
                    reason = "cleared_at is before dispatched_at"
            if reason is None:
                imported.append((line, inc, off, times))
            else:
                rejects.setdefault(reason, []).append(line)

    keys = Counter((inc, off) for _, inc, off, _ in imported)
    dup_rows = sum(n - 1 for n in keys.values() if n > 1)
    dup_keys = sorted(k for k, n in keys.items() if n > 1)
    first_dup_lines = []
    seen = set()
    for line, inc, off, _ in imported:
        if (inc, off) in seen and len(first_dup_lines) < FIRST_N:
            first_dup_lines.append(line)
        seen.add((inc, off))

    rejected = sum(len(v) for v in rejects.values())
    result = OrderedDict([
        ("csv", os.path.basename(args.csv)),
        ("mapping", os.path.relpath(os.path.abspath(args.mapping), ROOT)),
        ("tz", args.tz),
        ("rows_read", rows_read),
        ("imported", len(imported)),
        ("rejected", rejected),
        ("rejected_by_reason", OrderedDict(
            (r, OrderedDict([("count", len(v)), ("first_lines", v[:FIRST_N])]))
            for r, v in sorted(rejects.items(), key=lambda kv: (-len(kv[1]), kv[0])))),
        ("exit_status", 0 if rejected == 0 else (1 if not imported else 3)),
        ("incidents_imported", len({inc for _, inc, _, _ in imported})),
        ("judged", sum(1 for *_, t in imported
                       if t["arrived_at"] is not None and t["cleared_at"] is not None)),
        ("open", sum(1 for *_, t in imported if t["cleared_at"] is None)),
        ("without_arrived_at", sum(1 for *_, t in imported if t["arrived_at"] is None)),
        ("duplicate_rows", dup_rows),
        ("duplicate_keys", len(dup_keys)),
        ("stored_after_updates", len(imported) - dup_rows),
        ("first_duplicate_lines", first_dup_lines),
        ("rows_with_embedded_newline", len(embedded_newline_rows)),
    ])
    as_of = datetime.strptime(args.as_of, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)
    handling = Counter()
    for *_, t in imported:
        known = {c: (v if v is not None and v <= as_of else None) for c, v in t.items()}
        rec, dis, arr, clr = (known[c] for c in TIME_COLUMNS)
        secs = lambda a, b: (b - a).total_seconds()
        if rec and dis and secs(rec, dis) > 180:
            handling["slow_dispatch"] += 1
        if dis and arr and secs(dis, arr) > 900:
            handling["slow_arrival"] += 1
        if dis and arr is None and clr is None and secs(dis, as_of) > 2 * 3600:
            handling["no_arrival"] += 1
        since = arr or dis
        if clr is None and since and secs(since, as_of) > 24 * 3600:
            handling["not_closed"] += 1
    result["handling_as_of"] = as_of.isoformat()
    result["handling"] = OrderedDict((k, handling[k]) for k in ["slow_dispatch", "slow_arrival", "no_arrival", "not_closed"])
    with open(args.csv, "rb") as fb:
        raw = fb.read()
    result["bom"] = raw.startswith(b"\xef\xbb\xbf")
    result["line_endings"] = "CRLF" if b"\r\n" in raw else "LF"

    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    sys.stdout.write(text)
    if args.out != "-":
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
