"""Faults: a build killed at any moment, a full disk, an unwritable output folder.
The previous complete site must stay in place, byte for byte."""
import hashlib
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PORTAL = os.environ.get("PORTAL", os.path.join(ROOT, ".build", "release", "portal"))


def tree(folder):
    """Path -> sha256 of every file below folder."""
    result = {}
    for base, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                result[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
    return result


def build(site, output, **kwargs):
    return subprocess.run([PORTAL, "build", "--quiet", "--content", os.path.join(site, "Content"),
                           "--templates", os.path.join(site, "Templates"), "--output", output],
                          capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def site():
    """The real portal's content and theme, in two versions that differ in one page."""
    assert os.path.exists(PORTAL), "build portal first: make build"
    work = tempfile.mkdtemp(prefix="portal-faults-")
    shutil.copytree(os.path.join(ROOT, "Content"), os.path.join(work, "Content"))
    shutil.copytree(os.path.join(ROOT, "Templates"), os.path.join(work, "Templates"))
    yield work
    shutil.rmtree(work, ignore_errors=True)


def set_version(site, version):
    page = os.path.join(site, "Content", "en", "news", "_index.md")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    text = text.split("\n\nEdition ")[0].rstrip("\n") + f"\n\nEdition {version}.\n"
    with open(page, "w", encoding="utf-8") as f:
        f.write(text)
    # The second version has one page more: builds between them make and remove folders.
    extra = os.path.join(site, "Content", "en", "news", "edition-notice.md")
    if version == 2:
        with open(extra, "w", encoding="utf-8") as f:
            f.write("---\ntitle: Edition notice\ndate: 2026-11-30\n---\n\nThis edition of the portal adds a notice.\n")
    elif os.path.exists(extra):
        os.remove(extra)


def record_folders(site, output):
    """Builds into both copies once their folders and files are older than the settling
    time: a build records (in .Public.folders and .Public.files) the folders and files of
    the site beside that did not change in the 3 s before it, and the next build into
    that copy reads only the folders that changed since, and reads back only the files
    that changed. Their time is their status change time, which only waiting makes old.
    Returns how many folders the build after them read and how many files it read back
    (from its summary)."""
    time.sleep(3.5)
    for version in (1, 2):
        set_version(site, version)
        assert build(site, output).returncode == 0
    set_version(site, 1)
    result = subprocess.run([PORTAL, "build", "--content", os.path.join(site, "Content"),
                             "--templates", os.path.join(site, "Templates"), "--output", output],
                            capture_output=True, text=True)
    assert result.returncode == 0
    return (int(re.search(r"folders read: (\d+)", result.stdout).group(1)),
            int(re.search(r"files read back: (\d+)", result.stdout).group(1)))


def test_killed_builds_leave_a_complete_site(site):
    output = os.path.join(site, "Public")
    snapshots = {}
    for version in (1, 2):
        set_version(site, version)
        assert build(site, output).returncode == 0
        snapshots[version] = tree(output)
    assert snapshots[1] != snapshots[2]
    # Both copies recorded, so that killed builds also leave folders and files that
    # differ from their records: the build after the recording reads only the few
    # folders it changed, and reads back only the few files it wrote.
    folders = sum(len(names) for _, names, _ in os.walk(output))
    files = sum(len(names) for _, _, names in os.walk(output))
    folders_read, files_read = record_folders(site, output)
    assert folders_read < folders / 10 and files_read < files / 10
    started = time.perf_counter()
    assert build(site, output).returncode == 0
    duration = time.perf_counter() - started
    rng = random.Random(2030)
    outcomes = {1: 0, 2: 0}
    version = 2
    for trial in range(24):
        version = 1 if version == 2 else 2
        set_version(site, version)
        process = subprocess.Popen([PORTAL, "build", "--quiet", "--content", os.path.join(site, "Content"),
                                    "--templates", os.path.join(site, "Templates"), "--output", output],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree(output)
        assert now in (snapshots[1], snapshots[2]), f"trial {trial}: the output folder is not a complete site"
        outcomes[1 if now == snapshots[1] else 2] += 1
    # The next build finishes the job and removes what killed builds left behind.
    assert build(site, output).returncode == 0
    assert tree(output) == snapshots[version]
    # Beside the output folder only the previous site (complete and repaired), the
    # render cache and the records of folders and files are kept.
    assert sorted(name for name in os.listdir(site) if name.startswith(".Public")) == [".Public.cache", ".Public.files", ".Public.folders", ".Public.previous"]
    assert tree(os.path.join(site, ".Public.previous")) in (snapshots[1], snapshots[2])
    # Two more builds, each into a copy that killed builds wrote into: the render cache
    # and the records of folders and files must not keep anything they left.
    for other in (1 if version == 2 else 2, version):
        set_version(site, other)
        assert build(site, output).returncode == 0
        assert tree(output) == snapshots[other]
    # And again with every folder and file recorded: still each version exactly.
    folders_read, files_read = record_folders(site, output)
    assert folders_read < folders / 10 and files_read < files / 10
    assert tree(output) == snapshots[1]
    for other in (2, 1, 2, 1):
        set_version(site, other)
        assert build(site, output).returncode == 0
        assert tree(output) == snapshots[other]


def test_full_disk_is_reported_and_the_old_site_stays(site):
    output = os.path.join(site, "Public")
    set_version(site, 1)
    assert build(site, output).returncode == 0
    before = tree(output)
    set_version(site, 2)
    # Without the previous site beside, every file is written (an unchanged file is not).
    shutil.rmtree(os.path.join(site, ".Public.previous"), ignore_errors=True)

    def small_disk():
        # Writes past 20 kB fail with EFBIG, as writes on a full disk fail with ENOSPC.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = build(site, output, preexec_fn=small_disk)
    assert result.returncode != 0
    assert "error: cannot write" in result.stderr
    assert "was not changed" in result.stderr
    assert tree(output) == before
    # The half-updated copy beside is dropped, which gives the disk its space back.
    assert sorted(n for n in os.listdir(site) if n.startswith(".Public.")) == [".Public.cache", ".Public.files", ".Public.folders"]


def test_unwritable_output_folder_is_reported(site):
    result = build(site, "/proc/portal-output/Public")
    assert result.returncode != 0
    assert "error: cannot create the build folder" in result.stderr


def test_two_builds_at_once_take_turns(site):
    output = os.path.join(site, "Public")
    set_version(site, 1)
    assert build(site, output).returncode == 0
    expected = tree(output)
    command = [PORTAL, "build", "--content", os.path.join(site, "Content"),
               "--templates", os.path.join(site, "Templates"), "--output", output]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    errors = [first.communicate()[1], second.communicate()[1]]
    assert first.returncode == 0 and second.returncode == 0, errors
    assert tree(output) == expected
    assert tree(os.path.join(site, ".Public.previous")) == expected
