#!/usr/bin/env python3
"""Pooled bad-3 of a proxy judge per data source, from `wnet eval --json-file` results.

The label-free judges (`benchmarks/proxy_validation.py` sets scored by `wnet eval`) pool all
their pairs' pixels, so the sources with the most pixels decide: in the twentieth session 56 of
107 pairs were KITTI or Karlsruhe driving pairs, while the evaluation sets are all Middlebury
(docs/RUNS.md, "The 1/4 scale run again"). This splits a result by where each pair came from,
the folders of `../shared/data` that hold a folder of the pair's name:

    /usr/bin/python3 benchmarks/judge_sources.py RESULT.json [OTHER.json ...] [--data DIR]

prints, per source, the pair count and each result's pooled bad-3 (bad-3 pixels over evaluated
pixels, as `wnet eval`'s "all" row), then the pooled figure over all pairs. Pairs whose name is
in no source folder count as "other". Nothing is scored here: it reads the JSON files only.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Source labels by folder-name prefix for the flat folders of real-unlabelled.
PREFIXES = [("kitti", "kitti, karlsruhe"), ("karlsruhe", "kitti, karlsruhe"),
            ("sequence", "kitti, karlsruhe"), ("oakd", "oak-d"), ("zed", "zed")]


def sources(data):
    """Pair name -> source label, from the folders under `data`."""
    labels = {}
    if not os.path.isdir(data):
        return labels
    for folder in sorted(os.listdir(data)):
        path = os.path.join(data, folder)
        if not os.path.isdir(path):
            continue
        for name in os.listdir(path):
            if os.path.isdir(os.path.join(path, name)):
                labels.setdefault(name, folder)
    return labels


def label(name, labels):
    for prefix, source in PREFIXES:
        if name.startswith(prefix):
            return source
    return labels.get(name, "other")


def pooled(path):
    """{pair identifier: (bad-3 pixels, evaluated pixels)} of one result."""
    with open(path) as f:
        result = json.load(f)
    return {p["identifier"]: (p["all"]["bad3Pixels"], p["all"]["evaluatedPixels"])
            for p in result["pairs"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", help="wnet eval --json-file outputs")
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    arguments = parser.parse_args()
    labels = sources(arguments.data)
    results = [pooled(path) for path in arguments.results]
    names = sorted(results[0])
    for other, path in zip(results[1:], arguments.results[1:]):
        if sorted(other) != names:
            sys.exit("%s: other pairs than %s" % (path, arguments.results[0]))
    groups = {}
    for name in names:
        groups.setdefault(label(name, labels), []).append(name)
    header = ["source", "pairs"] + [os.path.basename(p) for p in arguments.results]
    print(" | ".join(header))
    for source in sorted(groups) + ["all"]:
        members = names if source == "all" else groups[source]
        cells = []
        for result in results:
            bad = sum(result[n][0] for n in members)
            total = sum(result[n][1] for n in members)
            cells.append("%.4f" % (100 * bad / max(total, 1)))
        print(" | ".join([source, str(len(members))] + cells))


if __name__ == "__main__":
    main()
