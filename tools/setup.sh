#!/usr/bin/env bash
# make setup: install what the course needs. Debian/Ubuntu: apt-get; elsewhere: say what to get.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^\s*$/d' tools/packages.txt | awk '{print $1}')

if command -v apt-get >/dev/null 2>&1; then
    missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "setup: every package is already installed."
        exit 0
    fi
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
    echo "setup: done. Next: make check-day1 (or make test)."
elif command -v brew >/dev/null 2>&1; then
    echo "setup: this is not Debian/Ubuntu. With Homebrew, install:"
    echo "  brew install criterion gnuplot doxygen graphviz libomp python zlib"
    echo "  (inotify-tools is Linux-only: make watch-dayN needs Linux; try 'brew install fswatch' and re-run by hand)"
    exit 1
else
    echo "setup: no apt-get or brew here. Install by hand: ${pkgs[*]}" >&2
    exit 1
fi
