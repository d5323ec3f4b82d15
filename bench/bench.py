#!/usr/bin/env python3
"""Benchmarks portal against Hugo on the reference corpus (../shared/bench/gen_corpus.py).

  1. the 10k corpus (4 languages x 2,500 pages + 112 cities), built alternately with
     portal and hugo (A B A B ...), RUNS times each: median wall time, CPU time and
     peak memory (from /usr/bin/time -v), and the ratios. Portal is measured four ways:
     a full build (every page rendered) with the project's theme, a rebuild with nothing
     changed, a full build with bench/minimal-theme (templates doing what the corpus'
     Hugo layouts do), and a first build into an empty folder (beside Hugo's first
     build into an empty folder);
  2. how time and memory of full builds grow at 1k, 10k and 40k pages;
  3. portal serve: time from a one-page edit on the 10k corpus to the new page served,
     and until every output showing the text is rebuilt;
  4. the parse-and-render floor beside the 10k builds: cmark-gfm alone over the corpus'
     Markdown on every core (bench/cmark-floor), with the GFM extensions the portal
     attaches to each document (those its characters can start), and the full build's
     time over it; and, for comparison, the same with all five extensions attached to
     every document (the same HTML, more work) and without any (plain CommonMark: less
     work, and HTML without the corpus' tables and strikethrough); and the reference's
     floor (0.21 s) as it would be on this machine, scaled by the cmark-gfm program and
     by Hugo measured in the same run (the reference gives 0.72 s and 4.67 s for them).

usage: bench/bench.py [--runs 5] [--sizes 250,2500,10000] [--work .bench]
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GENERATOR = os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py")
PORTAL = os.path.join(ROOT, ".build", "release", "portal")
FLOOR = os.path.join(ROOT, ".build", "release", "cmark-floor")


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
    """Runs a command under /usr/bin/time -v: (wall s, cpu s, peak MiB, minor page faults)."""
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
    return wall, cpu, peak, int(field("Minor (reclaiming a frame) page faults"))


# Folders a first build replaces are moved here, and deleted when the benchmark ends.
# On ext4 without a journal (this kind of machine's disk), making an inode skips, one by
# one, every inode of its group freed in the last minute or more (ext4's
# recently_deleted()): a build right after the ten thousand files of the old site were
# deleted spent seconds of CPU time in the kernel (hugo's as much as portal's), which a
# first build (a fresh clone, a CI machine) does not.
TRASH = []


def discard(path):
    """Moves a folder out of the way, to be deleted at the end (see TRASH)."""
    if not os.path.lexists(path):
        return
    trash = os.path.join(os.path.dirname(path), ".bench-trash")
    os.makedirs(trash, exist_ok=True)
    target = os.path.join(trash, f"{len(TRASH)}-{os.path.basename(path)}")
    os.rename(path, target)
    TRASH.append(target)


def empty_trash():
    for path in TRASH:
        shutil.rmtree(path, ignore_errors=True)
    TRASH.clear()


def portal_build(folder, mode="full", templates=None, program=PORTAL, output=None):
    """A build by `program` into portal-public/ (portal-public-minimal/ with another
    theme, `output` when given).

    full:    every page rendered (the render cache removed first); the output folder and
             the previous site beside it are kept, as Hugo keeps its public/ folder;
    rebuild: nothing changed since the last two builds (the render cache kept, and it
             knows the copy beside, which the build before the last one wrote);
    empty:   a first build, into an empty folder (the old one and the previous site
             beside it moved away, see TRASH, and the disk synced first)."""
    output = output or os.path.join(folder, "portal-public" if templates is None else "portal-public-minimal")
    beside = os.path.join(folder, "." + os.path.basename(output))
    if mode == "empty":
        discard(output)
        discard(beside + ".previous")
    if mode in ("empty", "full") and os.path.exists(beside + ".cache"):
        os.remove(beside + ".cache")
    os.sync()
    command = [program, "build", "--quiet", "--output", output]
    if templates:
        command += ["--templates", templates]
    return timed(command, os.path.join(folder, "portal"))


def hugo_build(folder, empty=False):
    """A build into hugo-public/, kept from the run before as Hugo keeps it; with `empty`,
    a first build (the folder moved away and the disk synced first, as for portal's)."""
    output = os.path.join(folder, "hugo-public")
    if empty:
        discard(output)
    os.sync()  # as before portal's builds: nothing of the previous run is left to flush
    return timed(["hugo", "--quiet", "--destination", output], os.path.join(folder, "hugo"))


def floor(folder, variant=None):
    """cmark-gfm alone over the corpus' Markdown: (wall s of the parse and render, documents).
    With the GFM extensions the portal attaches to each document (the HTML the site has);
    for comparison, `variant` "every" (all of them on every document: the same HTML) or
    "plain" (CommonMark without them: less work, other HTML)."""
    os.sync()
    flags = {None: [], "every": ["--every-extension"], "plain": ["--without-extensions"]}[variant]
    command = [FLOOR, os.path.join(folder, "portal", "Content"), "1"] + flags
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    return float(output[0]), int(output[1])


# The reference figures (../shared/bench/README.md): Hugo, the cmark-gfm program over
# all the Markdown concatenated on one core, and cmark-gfm called from Swift on both
# cores. Absolute times drift between machines: the floor is also given as the
# reference's, scaled by what Hugo and the program take here in the same run.
REFERENCE = {"hugo": 4.67, "program": 0.72, "floor": 0.21}
# The extensions with which the program's peak here is the reference's 378 MiB (261 MiB
# without any).
PROGRAM_EXTENSIONS = ["table", "strikethrough", "autolink"]


def concatenated_markdown(folder):
    """The corpus' Markdown files, front matter and all, one after the other in one file
    (22 MB): what the reference ran the cmark-gfm program over (its peak is the
    reference's 378 MiB over these bytes)."""
    path = os.path.join(folder, "markdown-concatenated.md")
    if not os.path.exists(path):
        with open(path + ".part", "wb") as out:
            for root, folders, files in os.walk(os.path.join(folder, "portal", "Content")):
                folders.sort()
                for name in sorted(files):
                    if name.endswith(".md"):
                        with open(os.path.join(root, name), "rb") as file:
                            out.write(file.read())
        os.replace(path + ".part", path)
    return path


def cmark_program(folder, plain=False):
    """The cmark-gfm program (Debian's cmark-gfm package) over all the corpus' Markdown
    concatenated, one core, its HTML thrown away: (wall s, cpu s, peak MiB, faults).
    With `plain`, without extensions (for which floor the reference measured)."""
    extensions = [] if plain else [flag for name in PROGRAM_EXTENSIONS for flag in ("-e", name)]
    os.sync()
    return timed(["sh", "-c", 'exec cmark-gfm "$@" > /dev/null', "cmark-gfm"] + extensions + [concatenated_markdown(folder)], folder)


def medians(samples):
    return tuple(statistics.median(column) for column in zip(*samples))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_rebuild(folder, edits=5):
    """Per edit: milliseconds from saving a page edit to the new text being served, and
    the server's own time for all the outputs that show the text (page, fallback copies,
    section list, home, feed, search index)."""
    content = os.path.join(folder, "portal")
    port = free_port()
    server = subprocess.Popen([PORTAL, "serve", "--port", str(port)], cwd=content, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = []
    reader = threading.Thread(target=lambda: log.extend(iter(server.stderr.readline, "")), daemon=True)
    reader.start()
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
        time.sleep(0.5)
        complete = [int(m.group(1)) for m in (re.search(r"Rebuilt after a change.*files in (\d+) ms", line) for line in log) if m]
        return timings, complete[:edits]
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
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
    # What an interrupted run left: deleted now, long before the first builds below.
    shutil.rmtree(os.path.join(ten, ".bench-trash"), ignore_errors=True)
    minimal = os.path.join(ROOT, "bench", "minimal-theme")
    rows = {"full": [], "rebuild": [], "empty": [], "minimal": [], "hugo": [], "hugo-empty": []}
    floors = []
    every_floors = []
    plain_floors = []
    programs = []
    plain_programs = []
    has_program = shutil.which("cmark-gfm") is not None
    for _ in range(2):  # the output folder and the previous site beside it
        portal_build(ten)
        portal_build(ten, templates=minimal)
    if not args.no_hugo:
        hugo_build(ten)
    for _ in range(args.runs):
        rows["full"].append(portal_build(ten, "full"))
        floors.append(floor(ten))
        every_floors.append(floor(ten, "every"))
        plain_floors.append(floor(ten, "plain"))
        if has_program:
            programs.append(cmark_program(ten))
            plain_programs.append(cmark_program(ten, plain=True))
        if not args.no_hugo:
            rows["hugo"].append(hugo_build(ten))
        portal_build(ten, "rebuild")  # the render cache knows both copies again
        rows["rebuild"].append(portal_build(ten, "rebuild"))
        rows["minimal"].append(portal_build(ten, "full", templates=minimal))
    for _ in range(args.runs):
        rows["empty"].append(portal_build(ten, "empty"))
        if not args.no_hugo:
            rows["hugo-empty"].append(hugo_build(ten, empty=True))
    portal_build(ten)  # both copies again, for the scaling runs below
    labels = {
        "full": "portal, full build (every page rendered)",
        "rebuild": "portal, rebuild, nothing changed",
        "minimal": "portal, full build, minimal theme",
        "empty": "portal, first build into an empty folder",
        "hugo": "hugo (the corpus' minimal layouts)",
        "hugo-empty": "hugo, first build into an empty folder",
    }
    print(f"10k corpus (10,020 pages + 4 x 112 city pages), median of {args.runs} runs, alternating with hugo")
    print(f"{'':44} {'wall s':>7} {'cpu s':>7} {'MiB':>6}   {'wall/hugo':>9} {'MiB/hugo':>8}")
    # A first build is compared with Hugo's first build: creating ten thousand files
    # costs the file system far more than comparing them.
    hugo_row = {"empty": "hugo-empty"}
    for key in ("full", "rebuild", "minimal", "empty", "hugo", "hugo-empty"):
        if not rows[key]:
            continue
        m = medians(rows[key])
        against = hugo_row.get(key, "hugo")
        h = medians(rows[against]) if rows[against] else None
        ratio = f"   {m[0] / h[0]:9.2f} {m[2] / h[2]:8.2f}" if h and not key.startswith("hugo") else ""
        print(f"{labels[key]:44} {m[0]:7.2f} {m[1]:7.2f} {m[2]:6.0f}{ratio}")
    print("targets: wall <= 0.20 x hugo, memory <= 0.25 x hugo (a first build against hugo's first build)")
    def paired(samples, digits=1, over=None):
        """Each run's full build (or what `over` measured) over what was measured right
        after it (the machine's speed moves between runs, less within one): the ratios
        and their median."""
        ratios = [build[0] / other[0] for build, other in zip(over or rows["full"], samples)]
        return f"run by run {', '.join(f'{r:.{digits}f}' for r in ratios)}, median {statistics.median(ratios):.{digits}f}"

    if rows["hugo"]:
        print(f"full build / hugo, {paired(rows['hugo'], 2)}")
    floor_wall = statistics.median(wall for wall, _ in floors)
    print(f"parse-and-render floor (cmark-gfm alone, {floors[0][1]:,} documents, both cores): {floor_wall:.2f} s; "
          f"full build / floor: {medians(rows['full'])[0] / floor_wall:.1f} (target <= 3; {paired(floors)})")
    every_wall = statistics.median(wall for wall, _ in every_floors)
    print(f"  the same with every GFM extension on every document (the same HTML, more work): {every_wall:.2f} s; "
          f"full build / that: {medians(rows['full'])[0] / every_wall:.1f} ({paired(every_floors)})")
    plain_wall = statistics.median(wall for wall, _ in plain_floors)
    print(f"  the same without the GFM extensions (plain CommonMark: other HTML, no tables): {plain_wall:.2f} s; "
          f"full build / that: {medians(rows['full'])[0] / plain_wall:.1f} ({paired(plain_floors)})")
    # The reference's floor as it would be here: scaled by the cmark-gfm program, run
    # after every full build, and by Hugo.
    full_wall = medians(rows["full"])[0]

    def scaled_floor(samples, reference):
        """The reference's floor times what `samples` took here over what the reference
        gives for the same program: (median, run by run as samples for `paired`)."""
        scale = REFERENCE["floor"] / REFERENCE[reference]
        return medians(samples)[0] * scale, [(wall * scale, 0) for wall, *_ in samples]

    if programs:
        program_wall, _, program_peak, _ = medians(programs)
        scaled_wall, scaled = scaled_floor(programs, "program")
        print(f"the reference's floor ({REFERENCE['floor']} s beside {REFERENCE['program']} s for the cmark-gfm program) scaled by the program here "
              f"({program_wall:.2f} s, {program_peak:.0f} MiB, with {', '.join(PROGRAM_EXTENSIONS)}): {scaled_wall:.2f} s; "
              f"full build / that: {full_wall / scaled_wall:.1f} ({paired(scaled)})")
        # Which floor the reference measured. Its program ran with the extensions (its
        # 378 MiB peak is the program's with them, over these bytes; 261 MiB without), so
        # its program-over-floor ratio is the program with them over whichever floor it
        # took; here that ratio is measured against both floors.
        print(f"which floor the reference measured: its program over its floor {REFERENCE['program'] / REFERENCE['floor']:.1f} "
              f"({REFERENCE['program']} / {REFERENCE['floor']} s); here the program with {', '.join(PROGRAM_EXTENSIONS)} "
              f"over the floor with the extensions ({paired(floors, over=programs)}), over the plain floor ({paired(plain_floors, over=programs)}); "
              f"the program without extensions over the plain floor ({paired(plain_floors, over=plain_programs)})")
    else:
        print("the reference's floor scaled by the cmark-gfm program: not measured (apt-get install cmark-gfm)")
    if rows["hugo"]:
        scaled_wall, scaled = scaled_floor(rows["hugo"], "hugo")
        print(f"the reference's floor ({REFERENCE['floor']} s beside {REFERENCE['hugo']} s for Hugo) scaled by Hugo here: {scaled_wall:.2f} s; "
              f"full build / that: {full_wall / scaled_wall:.1f} ({paired(scaled)})")
    print()

    print("Scaling: full builds, every page rendered (median of runs)")
    print(f"{'pages':>7} {'portal s':>9} {'MiB':>6} {'ms/page':>8}" + ("" if args.no_hugo else f" {'hugo s':>7} {'MiB':>6}"))
    for size in sizes:
        folder = corpus(args.work, size)
        pages = size * 4
        for _ in range(2):
            portal_build(folder)
        ps = medians([portal_build(folder, "full") for _ in range(args.runs)])
        line = f"{pages:7d} {ps[0]:9.2f} {ps[2]:6.0f} {ps[0] * 1000 / pages:8.3f}"
        if not args.no_hugo:
            hs = medians([hugo_build(folder) for _ in range(args.runs)])
            line += f" {hs[0]:7.2f} {hs[2]:6.0f}"
        print(line)
    print()

    served, complete = serve_rebuild(ten, edits=9)
    print("portal serve on the 10k corpus, one-page edit (target <= 50 ms):")
    print(f"  saved -> edited page served:       median {statistics.median(served):.0f} ms (runs: {', '.join(f'{t:.0f}' for t in served)})")
    if complete:
        print(f"  all outputs showing it rebuilt:    median {statistics.median(complete):.0f} ms after the change was seen "
              f"(runs: {', '.join(str(t) for t in complete)}; page, its fallback copies, section list, home, feed, search index)")


if __name__ == "__main__":
    try:
        main()
    finally:
        empty_trash()
