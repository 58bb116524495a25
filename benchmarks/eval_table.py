#!/usr/bin/env python3
"""The README's accuracy table: `wnet eval` over the evaluation sets, one row per method.

Runs `wnet eval --json-file` for each (row, dataset) and prints two Markdown tables: the totals
(bad-2, bad-3, EPE and density on all and on non-occluded pixels, seconds per pair) and bad-3 per
scene (all pixels) next to SGBM's, so "below SGBM on every scene" can be read off.

    /usr/bin/python3 benchmarks/eval_table.py ROW... [--data NAME=PATH ...] [--wnet BIN]

Each ROW is `LABEL=ARGS`, ARGS being the `wnet eval` options of that row, for example
    "SGBM=--method sgbm" "realtime=--model realtime" "matching=--model runs/m/checkpoint.safetensors"
Defaults for --data: Middlebury 2001-2003 and 2005-2006 from ../shared/data, and Aloe from the
demo's samples (~/.cache/wnet/samples/aloe). Nothing is computed here: every number is read from
`wnet eval`'s JSON; rates are printed in %, EPE in pixels.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def default_data():
    shared = os.path.join(ROOT, "..", "shared", "data")
    samples = os.path.expanduser("~/.cache/wnet/samples/aloe")
    return [
        ("2001-2003", os.path.join(shared, "middlebury-2001-2003")),
        ("2005-2006", os.path.join(shared, "middlebury-2005-2006")),
        ("Aloe", samples),
    ]


def run_eval(binary, data, args):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "result.json")
        command = [binary, "eval", "--data", data, "--json-file", path] + shlex.split(args)
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed: {done.stderr.strip().splitlines()[-1:]}")
        with open(path) as f:
            return json.load(f)


def cell(value, percent=True):
    return f"{100 * value:.2f}" if percent else f"{value:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="+", help="LABEL=ARGS")
    parser.add_argument("--data", action="append", default=[], help="NAME=PATH")
    parser.add_argument("--wnet", default=os.path.join(ROOT, ".build", "release", "wnet"))
    parser.add_argument("--cache", help="keep each result as CACHE/LABEL--SET.json and reuse it")
    options = parser.parse_args()
    rows = [row.split("=", 1) for row in options.rows]
    data = [d.split("=", 1) for d in options.data] or default_data()

    results = {}
    for label, args in rows:
        for name, path in data:
            cached = options.cache and os.path.join(options.cache, f"{label}--{name}.json")
            if cached and os.path.exists(cached):
                with open(cached) as f:
                    results[(label, name)] = json.load(f)
                continue
            results[(label, name)] = run_eval(options.wnet, path, args)
            if cached:
                os.makedirs(options.cache, exist_ok=True)
                with open(cached, "w") as f:
                    json.dump(results[(label, name)], f)
            print(f"done: {label} on {name}", file=sys.stderr)

    print("| method | set | bad-2 all | bad-3 all | EPE all | density all "
          "| bad-2 noc | bad-3 noc | EPE noc | s / pair |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, _ in rows:
        for name, _ in data:
            r = results[(label, name)]
            a, n = r["all"], r.get("nonOccluded") or r["all"]
            print(f"| {label} | {name} | {cell(a['bad2'])} | {cell(a['bad3'])} "
                  f"| {cell(a['endPointError'], False)} | {cell(a['density'])} "
                  f"| {cell(n['bad2'])} | {cell(n['bad3'])} | {cell(n['endPointError'], False)} "
                  f"| {r['meanSeconds']:.2f} |")

    scenes = [(name, p["identifier"]) for name, _ in data
              for p in results[(rows[0][0], name)]["pairs"]]
    print()
    print("| method | " + " | ".join(scene for _, scene in scenes) + " |")
    print("|---|" + "---:|" * len(scenes))
    for label, _ in rows:
        values = []
        for name, scene in scenes:
            pairs = {p["identifier"]: p for p in results[(label, name)]["pairs"]}
            values.append(cell(pairs[scene]["all"]["bad3"]))
        print(f"| {label} | " + " | ".join(values) + " |")


if __name__ == "__main__":
    main()
