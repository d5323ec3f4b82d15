#!/usr/bin/env python3
"""Benchmarks portal against Hugo on the reference corpus (../shared/bench/gen_corpus.py).

  1. the 10k corpus (4 languages x 2,500 pages + 112 cities), built alternately with
     portal and hugo (A B A B ...), RUNS times each: median wall time, CPU time and
     peak memory (from /usr/bin/time -v), and the ratios;
  2. how time and memory grow at 1k, 10k and 40k pages;
  3. portal serve: time from a one-page edit on the 10k corpus to the new page served.

usage: bench/bench.py [--runs 3] [--sizes 250,2500,10000] [--work .bench]
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GENERATOR = os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py")
PORTAL = os.path.join(ROOT, ".build", "release", "portal")


def corpus(work, pages_per_language):
    folder = os.path.join(work, f"corpus-{pages_per_language}")
    if not os.path.isdir(os.path.join(folder, "portal", "Content")):
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, GENERATOR, folder, "--pages-per-lang", str(pages_per_language)], check=True, stdout=subprocess.DEVNULL)
    # The portal builds the corpus with the project's own theme.
    templates = os.path.join(folder, "portal", "Templates")
    shutil.rmtree(templates, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "Templates"), templates)
    return folder


def timed(command, cwd):
    """Runs a command under /usr/bin/time -v: (wall s, cpu s, peak MiB)."""
    result = subprocess.run(["/usr/bin/time", "-v"] + command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    report = result.stderr

    def field(name):
        return re.search(re.escape(name) + r":\s*(.+)", report).group(1).strip()

    clock = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
    wall = sum(float(part) * 60 ** index for index, part in enumerate(reversed(clock)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    peak = int(field("Maximum resident set size (kbytes)")) / 1024
    return wall, cpu, peak


def portal_build(folder):
    return timed([PORTAL, "build", "--quiet", "--output", os.path.join(folder, "portal-public")], os.path.join(folder, "portal"))


def hugo_build(folder):
    return timed(["hugo", "--quiet", "--destination", os.path.join(folder, "hugo-public")], os.path.join(folder, "hugo"))


def medians(samples):
    return tuple(statistics.median(column) for column in zip(*samples))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_rebuild(folder, edits=5):
    """Milliseconds from saving a page edit to the new text being served."""
    content = os.path.join(folder, "portal")
    port = free_port()
    server = subprocess.Popen([PORTAL, "serve", "--port", str(port)], cwd=content, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                urllib.request.urlopen(base + "/en/", timeout=2)
                break
            except Exception:
                time.sleep(0.2)
        page = os.path.join(content, "Content", "en", "news", "page-00000.md")
        with open(page, encoding="utf-8") as f:
            original = f.read()
        timings = []
        for edit in range(edits):
            marker = f"benchmark-edit-{edit}-{time.time_ns()}"
            start = time.perf_counter()
            with open(page, "w", encoding="utf-8") as f:
                f.write(original + f"\n{marker}\n")
            while True:
                body = urllib.request.urlopen(base + "/en/news/page-00000/", timeout=10).read().decode()
                if marker in body:
                    break
                time.sleep(0.002)
            timings.append((time.perf_counter() - start) * 1000)
            time.sleep(0.3)
        with open(page, "w", encoding="utf-8") as f:
            f.write(original)
        return timings
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="250,2500,10000", help="pages per language")
    parser.add_argument("--work", default=os.path.join(ROOT, ".bench"))
    parser.add_argument("--no-hugo", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    sizes = [int(size) for size in args.sizes.split(",")]

    print(f"portal: {PORTAL}")
    if not args.no_hugo:
        print("hugo:   " + subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.strip())
    print()

    ten = corpus(args.work, 2500)
    portal_samples, hugo_samples = [], []
    for _ in range(args.runs):
        portal_samples.append(portal_build(ten))
        if not args.no_hugo:
            hugo_samples.append(hugo_build(ten))
    p = medians(portal_samples)
    print(f"10k corpus, median of {args.runs} alternating runs")
    print(f"{'':8} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
    print(f"{'portal':8} {p[0]:8.2f} {p[1]:8.2f} {p[2]:9.0f}")
    if hugo_samples:
        h = medians(hugo_samples)
        print(f"{'hugo':8} {h[0]:8.2f} {h[1]:8.2f} {h[2]:9.0f}")
        print(f"{'ratio':8} {p[0] / h[0]:8.2f} {p[1] / h[1]:8.2f} {p[2] / h[2]:9.2f}   (portal / hugo; targets: wall <= 0.20, memory <= 0.25)")
    print()

    print("Scaling (median of runs)")
    print(f"{'pages':>7} {'portal s':>9} {'MiB':>6} {'ms/page':>8}" + ("" if args.no_hugo else f" {'hugo s':>7} {'MiB':>6}"))
    for size in sizes:
        folder = corpus(args.work, size)
        pages = size * 4
        ps = medians([portal_build(folder) for _ in range(args.runs)])
        line = f"{pages:7d} {ps[0]:9.2f} {ps[2]:6.0f} {ps[0] * 1000 / pages:8.3f}"
        if not args.no_hugo:
            hs = medians([hugo_build(folder) for _ in range(args.runs)])
            line += f" {hs[0]:7.2f} {hs[2]:6.0f}"
        print(line)
    print()

    timings = serve_rebuild(ten)
    print(f"portal serve on the 10k corpus, one-page edit to new page served: median {statistics.median(timings):.0f} ms "
          f"(runs: {', '.join(f'{t:.0f}' for t in timings)}; target <= 50 ms)")


if __name__ == "__main__":
    main()
