#!/usr/bin/env bash
# make watch-dayN: grade the lesson now, then again every time one of its files is saved.
# Usage (from the Makefile): watch.sh LESSON GRADE-COMMAND...
set -uo pipefail
lesson="$1"; shift
cd "$(dirname "$0")/.."
folder=$(awk -F'\t' -v id="$lesson" '$1 == id { print $2 }' tools/lessons.tsv)
[ -n "$folder" ] && [ -d "$folder" ] || { echo "watch: no lesson '$lesson' (see tools/lessons.tsv)" >&2; exit 2; }
command -v inotifywait >/dev/null || {
    echo "watch: inotifywait is missing: make setup (or sudo apt-get install inotify-tools)" >&2; exit 1; }

trap 'echo; echo "watch: stopped."; exit 0' INT TERM
while true; do
    clear 2>/dev/null || printf '\033[2J\033[H'
    "$@" "$lesson"
    echo
    echo "watching $folder/ : save a file to grade again, Ctrl-C to stop"
    # editors save in different ways (write in place, or write a temp file and rename)
    inotifywait -qq -r -e close_write -e moved_to -e create \
        --exclude '(\.swp|\.swx|~|/4913|\.#.*)$' "$folder" || exit 1
    sleep 0.2   # let an editor finish writing the rest of its files
done
