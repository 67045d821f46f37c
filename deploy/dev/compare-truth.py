#!/usr/bin/env python3
"""Compares the visits the demo stored with the simulation's truth, honestly.

    compare-truth.py TRUTH.json VISITS.tsv

TRUTH.json is what `coppice-monitor simulate` wrote; VISITS.tsv is deploy/dev/export-visits.sh (demo tooling).
The truth lists what each staff device did (one visit per site the person opened). The product stores visits per
*service*: a catalogued service's CDN and embed hosts fold into its visit, special categories are stored as the
category only (policy 10.3), pupils' and guests' devices are anonymous daily totals (never visits), and a shared
device is nobody's. Uncatalogued sites are keyed by registrable domain, so an uncatalogued site's own asset hosts on
another domain (gstatic.com for google.com, ...) become visits of their own: those are listed separately, with how
many of them overlap a truth visit on the same device.
"""
import collections
import csv
import json
import sys
from datetime import datetime


def parse(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def main():
    truth = json.load(open(sys.argv[1]))
    stored = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
    staff_truth = [v for v in truth["visits"] if v.get("staffId")]
    unattributed = [v for v in truth["visits"] if not v.get("staffId")]

    # Special categories are stored under the category's name, not the site (policy 10.3).
    def truth_service(v):
        return v["category"] if v["isSpecialCategory"] else v["service"]

    truth_by = collections.defaultdict(list)
    for v in staff_truth:
        truth_by[truth_service(v)].append(v)
    stored_by = collections.defaultdict(list)
    for r in stored:
        stored_by[r["service"]].append(r)

    print(f"  truth: {len(staff_truth)} staff visits ({len(unattributed)} more on shared devices, which are nobody's and not stored)")
    print(f"  stored: {len(stored)} visits")
    print()
    print(f"  {'service':<28}{'truth visits':>13}{'stored':>8}{'truth min':>11}{'stored min':>12}")
    matched = 0
    social = sorted({truth_service(v) for v in staff_truth if v["isSocialMedia"]})
    others = sorted(set(truth_by) - set(social))
    for group, services in (("social media", social), ("other sites in the truth", others)):
        print(f"  -- {group}")
        for service in services:
            t = truth_by[service]
            s = stored_by.get(service, [])
            t_min = sum(len(v["activeMinutesUtc"]) for v in t)
            s_min = sum(int(r["active_seconds"]) for r in s) / 60
            matched += len(s)
            print(f"  {service:<28}{len(t):>13}{len(s):>8}{t_min:>11}{s_min:>12.0f}")

    extra = {k: v for k, v in stored_by.items() if k not in truth_by}
    if extra:
        # An extra visit "overlaps" when the same device has a truth visit whose time range meets it.
        truth_ranges = collections.defaultdict(list)
        for v in staff_truth:
            truth_ranges[v["deviceId"]].append((parse(v["startUtc"]), parse(v["endUtc"])))
        print("  -- stored as sites of their own (asset/CDN hosts of uncatalogued sites; not in the truth's list)")
        for service, rows in sorted(extra.items(), key=lambda kv: -len(kv[1])):
            overlapping = sum(
                1 for r in rows
                if any(start <= parse(r["end_utc"]) and parse(r["start_utc"]) <= end
                       for start, end in truth_ranges.get(r["device_id"], [])))
            print(f"  {service:<28}{0:>13}{len(rows):>8}{'':>11}{sum(int(r['active_seconds']) for r in rows) / 60:>12.0f}"
                  f"   {overlapping}/{len(rows)} overlap a truth visit on the same device")
    background = truth.get("background", [])
    if background:
        # Policy 11: traffic that is not use must add no minutes (the rows above already include only use).
        print("  -- not use: the truth's fair minutes are 0 each (counting every minute with payload would add the first figure)")
        for b in background:
            print(f"  {b['scenario']:<20}{b['service']:<14}{b['payloadMinutes']:>6} payload minutes, fair {b['fairMinutes']}")
    print()
    extra_count = sum(len(v) for v in extra.values())
    print(f"  {matched} stored visits are the truth's {len(staff_truth)} staff visits by service; "
          + (f"{extra_count} more are the asset hosts above. " if extra_count else "no other visits were stored. ")
          + f"Pupil and guest devices appear only as anonymous daily totals ({len(truth.get('anonymousTotals', []))} in the truth).")


if __name__ == "__main__":
    main()
