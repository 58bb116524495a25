#!/usr/bin/env python3
"""The source-balanced judge, pvb: each kind of scene weighs the same (docs/RUNS.md, "A judge
that weighs each kind of scene the same").

The pooled judges (pv3, pvh) sum bad-3 pixels over all their pairs, so the driving pairs, which
hold most of the pixels, decide: 58 of pv3's 106 pairs and 53 of pvh's 56 are KITTI, Karlsruhe
or ZED frames, while the evaluation sets are indoor close-ups. pvb reads the scores that
`benchmarks/judges.sh score LABEL` keeps (no new inference), joins the pairs of pv3 and pvh, and
splits them into four groups:

    driving      KITTI odometry, KITTI 2012/2015 frames, Karlsruhe, ZED
    eth3d        ETH3D two-view
    middlebury   Middlebury 2014 quarter
    oak-d        the OAK-D indoor pairs

Each group's figure is its pooled bad-3 (%) against SGBM's cross-checked proxies, as `wnet eval`
pools it; pvb is the unweighted mean of the four figures. Only pairs whose folder the judge
directories hold now are counted, so a scene removed from the judges (an evaluation scene's
views, `benchmarks/duplicate_views.py`) leaves older scores too. No ground truth is read.

    /usr/bin/python3 benchmarks/balanced_judge.py LABEL [LABEL ...] [--judges DIR]
        [--held-out-of CHECKPOINT] [--groups GROUP,...] [--data DIR]

prints one column per label (its last row, `mean`, is pvb when all four groups are averaged);
with two labels, the second minus the first as a last column. `--held-out-of` keeps only the
pairs of the sources a checkpoint's run held out (its stored split's validation sources: for
`scripts/retrain-slim.sh ROOT held-out`'s members, pvh's pairs and 12 indoor ones), and
`--groups` averages only the groups named; `--data` is where the ETH3D and Middlebury 2014 folders
are looked up (`../shared/data` by default). pvi, the held-out indoor
judge (docs/RUNS.md, "A lineage that holds indoor pairs out, for an indoor judge"), is

    balanced_judge.py --held-out-of MEMBER.safetensors --groups middlebury,oak-d LABEL ...
"""
import argparse
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import judge_sources  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GROUPS = ["driving", "eth3d", "middlebury", "oak-d"]
JUDGES = ["pv3", "pvh"]


# judge_sources.py's source labels, gathered into the four groups.
GROUP_OF_SOURCE = {"kitti, karlsruhe": "driving", "zed": "driving", "eth3d-two-view": "eth3d",
                   "middlebury-2014-quarter": "middlebury", "oak-d": "oak-d"}


def group(name, folders):
    """The group of a pair, or None (`folders`: `judge_sources.sources` of the data folder)."""
    return GROUP_OF_SOURCE.get(judge_sources.label(name, folders))


def held(judges):
    """Names of the pairs the judge directories hold now."""
    names = set()
    for judge in JUDGES:
        folder = os.path.join(judges, judge)
        if not os.path.isdir(folder):
            sys.exit("%s: no such judge directory (benchmarks/judges.sh build)" % folder)
        names |= {n for n in os.listdir(folder) if os.path.isdir(os.path.join(folder, n))}
    return names


def held_out_sources(checkpoint):
    """Folder names of the sources a checkpoint's run held out (its stored split)."""
    with open(checkpoint, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    notes = json.loads(header.get("__metadata__", {}).get("wnet", "{}"))
    split = notes.get("training", {}).get("data", {}).get("split")
    if split is None:
        sys.exit("%s: no stored split (not a `wnet train` checkpoint)" % checkpoint)
    return {source.rsplit("/", 1)[-1] for source in split["validationSources"]}


def in_sources(name, sources):
    """Whether a pair belongs to one of the sources: a scene folder, or a KITTI sequence whose
    frames the judges name `sequenceN_FRAME`."""
    return name in sources or (name.startswith("sequence") and name.split("_", 1)[0] in sources)


def figures(judges, label, names, groups, folders):
    """{group: pooled bad-3 %} and the pair count per group, for one label."""
    bad = {g: 0 for g in groups}
    total = {g: 0 for g in groups}
    count = {g: 0 for g in groups}
    for judge in JUDGES:
        path = os.path.join(judges, "scores", "%s.%s.json" % (label, judge))
        if not os.path.isfile(path):
            sys.exit("%s: no such score (benchmarks/judges.sh score %s)" % (path, label))
        with open(path) as f:
            result = json.load(f)
        for pair in result["pairs"]:
            name = pair["identifier"]
            kind = group(name, folders)
            if name not in names or kind not in groups:
                continue
            bad[kind] += pair["all"]["bad3Pixels"]
            total[kind] += pair["all"]["evaluatedPixels"]
            count[kind] += 1
    if any(total[g] == 0 for g in groups):
        sys.exit("%s: a group has no evaluated pixels" % label)
    return {g: 100 * bad[g] / total[g] for g in groups}, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labels", nargs="+")
    parser.add_argument("--judges", default=os.environ.get("JUDGES_DIR",
                                                          os.path.join(ROOT, "runs", "judges")))
    parser.add_argument("--held-out-of", metavar="CHECKPOINT")
    parser.add_argument("--groups", default=",".join(GROUPS))
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    arguments = parser.parse_args()
    groups = arguments.groups.split(",")
    if not groups or any(g not in GROUPS for g in groups):
        sys.exit("--groups: choose among %s" % ",".join(GROUPS))
    names = held(arguments.judges)
    if arguments.held_out_of:
        sources = held_out_sources(arguments.held_out_of)
        names = {n for n in names if in_sources(n, sources)}
    folders = judge_sources.sources(arguments.data)
    columns = []
    counts = None
    for label in arguments.labels:
        values, count = figures(arguments.judges, label, names, groups, folders)
        if counts is not None and count != counts:
            sys.exit("%s: other pairs than %s" % (label, arguments.labels[0]))
        counts = count
        values["mean"] = sum(values[g] for g in groups) / len(groups)
        columns.append(values)
    two = len(columns) == 2
    print(" | ".join(["group", "pairs"] + arguments.labels + (["difference"] if two else [])))
    for row in groups + ["mean"]:
        pairs = str(sum(counts.values())) if row == "mean" else str(counts[row])
        cells = ["%.4f" % c[row] for c in columns]
        if two:
            cells.append("%+.4f" % (columns[1][row] - columns[0][row]))
        print(" | ".join([row, pairs] + cells))


if __name__ == "__main__":
    main()
