#!/usr/bin/env python3
"""Builds src/CoppiceMonitor.Visits/Data/services.tsv from the social-media reference data.

Usage: build-catalogue.py [path/to/social-media.tsv] [output.tsv]
Defaults: the shared domain-sources file beside the repository (or $COPPICE_SHARED/domain-sources) and the
Visits project's Data folder. The output is committed; the product never reads the shared folder.

Output columns (tab-separated, '#' lines are comments):
  service  suffix  role  match  category  also_extends
role:  first-party | cdn | embed | api | messaging
match: suffix (the name and every subdomain) | exact (that host only) | label-prefix ('twitter.*' or 'fbcdn-*')
       | tld (a bare brand TLD, matched as a suffix)
category: SocialMedia | Messaging | Video | EncryptedDns | Hidden
also_extends: other services (';'-separated) whose open visits this row may extend (shared Meta CDNs).
"""
import csv
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Why these categories: nDPI files WhatsApp, Messenger, Telegram and WeChat as chat and YouTube/Twitch as video;
# the school policy treats all of them as social media for reporting, so reports can group categories as needed.
CATEGORY = {
    "WhatsApp": "Messaging",
    "Messenger": "Messaging",
    "Telegram": "Messaging",
    "WeChat": "Messaging",
    "YouTube": "Video",
    "Twitch": "Video",
}
ROLE = {"first-party": "first-party", "cdn": "cdn", "embed-sdk": "embed", "api": "api", "messaging": "messaging"}
META_FAMILY = "Facebook;Instagram;WhatsApp;Messenger;Threads"
SHARED_META_CDNS = ("fbcdn.net", "fbsbx.com")

# Rows in no source list. BeReal has no host in any source; DoH resolvers and ECH outer names are recognised so
# reports can say what could not be seen.
MANUAL = [
    ("BeReal", "bereal.com", "first-party", "suffix", "SocialMedia"),
    ("BeReal", "bere.al", "first-party", "suffix", "SocialMedia"),
    ("DNS over HTTPS", "dns.google", "first-party", "suffix", "EncryptedDns"),
    ("DNS over HTTPS", "dns.google.com", "first-party", "exact", "EncryptedDns"),
    ("DNS over HTTPS", "cloudflare-dns.com", "first-party", "suffix", "EncryptedDns"),
    ("DNS over HTTPS", "one.one.one.one", "first-party", "exact", "EncryptedDns"),
    ("DNS over HTTPS", "doh.opendns.com", "first-party", "exact", "EncryptedDns"),
    ("DNS over HTTPS", "doh.familyshield.opendns.com", "first-party", "exact", "EncryptedDns"),
    ("DNS over HTTPS", "dns.quad9.net", "first-party", "exact", "EncryptedDns"),
    ("DNS over HTTPS", "dns9.quad9.net", "first-party", "exact", "EncryptedDns"),
    ("DNS over HTTPS", "dns10.quad9.net", "first-party", "exact", "EncryptedDns"),
    ("DNS over HTTPS", "dns11.quad9.net", "first-party", "exact", "EncryptedDns"),
    ("DNS over HTTPS", "dns.nextdns.io", "first-party", "suffix", "EncryptedDns"),
    ("DNS over HTTPS", "dns.adguard-dns.com", "first-party", "suffix", "EncryptedDns"),
    ("DNS over HTTPS", "doh.cleanbrowsing.org", "first-party", "suffix", "EncryptedDns"),
    ("DNS over HTTPS", "doh.mullvad.net", "first-party", "suffix", "EncryptedDns"),
    ("DNS over HTTPS", "dns.controld.com", "first-party", "suffix", "EncryptedDns"),
    ("DNS over HTTPS", "doh.dns.sb", "first-party", "exact", "EncryptedDns"),
    ("Encrypted Client Hello", "cloudflare-ech.com", "first-party", "suffix", "Hidden"),
    # Asset hosts of everyday work sites (static files, images, scripts). Catalogued as CDNs so that they extend a
    # visit of their own service but never open one: without these rows the public-suffix fallback made each of
    # them a "site" of its own, a second visit beside every Google, Microsoft 365, GOV.UK or BBC page (data the
    # policy does not need, 10.3). Longer rows still win (yt3.googleusercontent.com stays YouTube).
    ("Google", "gstatic.com", "cdn", "suffix", "General"),
    ("Google", "googleusercontent.com", "cdn", "suffix", "General"),
    ("Microsoft 365", "office.net", "cdn", "suffix", "General"),
    ("Microsoft 365", "static.microsoft", "cdn", "suffix", "General"),
    ("GOV.UK", "publishing.service.gov.uk", "cdn", "suffix", "General"),
    ("BBC", "bbci.co.uk", "cdn", "suffix", "General"),
]


def find_source():
    env = os.environ.get("COPPICE_SHARED")
    candidates = [os.path.join(env, "domain-sources", "social-media.tsv")] if env else []
    folder = REPO
    while True:
        candidates.append(os.path.join(folder, "shared", "domain-sources", "social-media.tsv"))
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for c in candidates:
        if os.path.exists(c):
            return c
    sys.exit("social-media.tsv not found; pass its path")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else find_source()
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, "src", "CoppiceMonitor.Visits", "Data", "services.tsv")
    rows = []
    with open(src, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            suffix = r["domain_suffix"].strip().lower()
            notes = r["notes"] or ""
            if notes.startswith("match=exact"):
                match = "exact"
            elif notes.startswith("match=label-prefix") or suffix.endswith("*"):
                match = "label-prefix"
            elif "." not in suffix:
                match = "tld"
            else:
                match = "suffix"
            service = r["service"]
            extends = ""
            if suffix.startswith("fbcdn-") or any(suffix == s or suffix.endswith("." + s) for s in SHARED_META_CDNS):
                extends = META_FAMILY
            rows.append((service, suffix, ROLE[r["role"]], match, CATEGORY.get(service, "SocialMedia"), extends))
    for service, suffix, role, match, category in MANUAL:
        rows.append((service, suffix, role, match, category, ""))
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Service catalogue for CoppiceMonitor.Visits. Generated by deploy/tools/build-catalogue.py; do not edit.\n")
        f.write("# Derived from social-media.tsv (domain facts from v2fly/domain-list-community, MIT (c) 2018-2019 V2Ray;\n")
        f.write("# ntop/nDPI host patterns, LGPL-3.0 (c) ntop.org, facts only; Sinfonietta/hostfiles, MIT (c) 2016 Sinfonietta;\n")
        f.write("# blocklistproject/Lists, MIT/Unlicense) plus manual rows (BeReal, DoH resolvers, ECH outer names, work-site asset hosts).\n")
        f.write("service\tsuffix\trole\tmatch\tcategory\talso_extends\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
