#!/usr/bin/env python3
"""Compares two portal programs on the reference corpus: is a change faster?

    python3 bench/compare.py OLD NEW [--runs 12] [--pages 2500] [--first] [--instructions]

Full builds of the same corpus (every page rendered: the render cache removed first),
or with --first first builds into an empty folder (as `make bench` makes them), OLD
and NEW alternating (A B A B ...) so that the machine's moods fall on both: median
wall time, CPU time, peak memory and minor page faults of each, and NEW over OLD. Both
must write the same site: the outputs of their last builds are compared file by file.

The machine's speed moves by a tenth or more from minute to minute, more than most
single changes are worth. With --instructions, each program also builds the 1k corpus
once under callgrind (valgrind), which counts the instructions executed: the same
count run after run (within two tenths of a per cent: the threads' interleaving),
where a change of 1 % shows. It takes half a minute a program (--instruction-pages
2500 counts the 10k corpus, in some minutes).

Make a program to compare with, e.g. the one before a change:
    git stash; make build; cp .build/release/portal /tmp/portal-old; git stash pop; make build
    python3 bench/compare.py /tmp/portal-old .build/release/portal
"""

import argparse
import filecmp
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the corpus generator's wrapper)


def build(program, folder, output, mode="full"):
    """A build of the corpus in `folder` into `output` (`bench.portal_build`'s modes):
    (wall s, cpu s, MiB, faults)."""
    return bench.portal_build(folder, mode, program=program, output=output)


def instructions(program, folder):
    """Instructions a full build of the corpus in `folder` executes, counted by callgrind."""
    with tempfile.TemporaryDirectory() as scratch:
        # Without its debug information, which valgrind's reader cannot read (DWARF 5
        # from the Swift toolchain's clang): the count is the same, the names are not needed.
        stripped = os.path.join(scratch, "portal")
        subprocess.run(["strip", "--strip-debug", "-o", stripped, program], check=True)
        program = stripped
        output = os.path.join(scratch, "public")
        subprocess.run([program, "build", "--quiet", "--output", output], cwd=os.path.join(folder, "portal"), check=True)
        os.remove(os.path.join(scratch, ".public.cache"))
        result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + os.path.join(scratch, "out"),
                                 program, "build", "--quiet", "--output", output],
                                cwd=os.path.join(folder, "portal"), capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"callgrind of {program} failed:\n{result.stderr}")
        return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def same_files(left, right):
    """Paths under `left` and `right` whose bytes differ, or that only one has."""
    differing = []
    comparison = filecmp.dircmp(left, right)
    stack = [("", comparison)]
    while stack:
        prefix, node = stack.pop()
        differing += [prefix + name for name in node.left_only + node.right_only]
        _, mismatch, errors = filecmp.cmpfiles(os.path.join(left, prefix), os.path.join(right, prefix), node.common_files, shallow=False)
        differing += [prefix + name for name in mismatch + errors]
        stack += [(prefix + name + "/", sub) for name, sub in node.subdirs.items()]
    return differing


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--pages", type=int, default=2500, help="pages per language of the timed corpus")
    parser.add_argument("--first", action="store_true", help="first builds into an empty folder instead of full builds")
    parser.add_argument("--instructions", action="store_true", help="also count instructions with callgrind")
    parser.add_argument("--instruction-pages", type=int, default=250, help="pages per language of the counted corpus")
    parser.add_argument("--work", default=os.path.join(bench.ROOT, ".bench"))
    args = parser.parse_args()
    programs = [os.path.abspath(args.old), os.path.abspath(args.new)]
    for program in programs:
        if not os.access(program, os.X_OK):
            sys.exit(f"{program}: not a program")
    os.makedirs(args.work, exist_ok=True)
    folder = bench.corpus(args.work, args.pages)
    outputs = [os.path.join(folder, "compare-old"), os.path.join(folder, "compare-new")]
    for program, output in zip(programs, outputs):
        for _ in range(2):  # the output folder and the previous site beside it
            build(program, folder, output)
    mode = "empty" if args.first else "full"
    samples = [[], []]
    try:
        for _ in range(args.runs):
            for index in (0, 1):
                samples[index].append(build(programs[index], folder, outputs[index], mode))
    finally:
        bench.empty_trash()

    kind = "first builds into an empty folder" if args.first else "full builds"
    print(f"{args.pages * 4:,}-page corpus, {kind}, median of {args.runs} alternating runs")
    print(f"{'':6} {'wall s':>7} {'cpu s':>7} {'MiB':>6} {'faults':>8}   program")
    medians = []
    for label, program, runs in zip(("old", "new"), programs, samples):
        median = [statistics.median(run[column] for run in runs) for column in range(4)]
        medians.append(median)
        print(f"{label:6} {median[0]:7.3f} {median[1]:7.3f} {median[2]:6.0f} {median[3]:8.0f}   {program}")
    ratios = [new / old if old else float("nan") for old, new in zip(*medians)]
    print(f"{'new/old':6} {ratios[0]:7.3f} {ratios[1]:7.3f} {ratios[2]:6.2f} {ratios[3]:8.2f}")

    differing = same_files(outputs[0], outputs[1])
    if differing:
        print(f"the outputs differ in {len(differing)} files, e.g. {', '.join(sorted(differing)[:5])}")
    else:
        print("the outputs are the same, file by file")

    if args.instructions:
        if not shutil.which("valgrind"):
            sys.exit("--instructions needs valgrind (apt-get install valgrind)")
        small = bench.corpus(args.work, args.instruction_pages)
        counts = [instructions(program, small) for program in programs]
        print(f"instructions, full build of the {args.instruction_pages * 4:,}-page corpus (callgrind): old {counts[0]:,}, new {counts[1]:,}, "
              f"new/old {counts[1] / counts[0]:.4f}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
