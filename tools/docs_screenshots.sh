#!/usr/bin/env bash
# Screenshots of the docs site in a real browser (make docs-shots), to look at.
#
#   bash tools/docs_screenshots.sh [WIDTH ...]     # default widths: 1280 420
#
# Run `make docs` first. For every lesson of tools/lessons.tsv it shoots the
# README, its Korean twin and the first study note, plus the front page, the
# roadmap and a course note, each at every width, with headless Chromium
# (Debian's `chromium` package; not in tools/packages.txt, as only this needs
# it), into build/docs/shots/PAGE_WIDTH.png. Exit 1 if a shot could not be taken.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
html=build/docs/html
out=build/docs/shots
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "docs_screenshots: no chromium; install it with 'sudo apt-get install chromium'." >&2; exit 1; }
[ -f "$html/index.html" ] || { echo "docs_screenshots: no $html/index.html; run 'make docs' first." >&2; exit 1; }
widths=("$@")
[ ${#widths[@]} -gt 0 ] || widths=(1280 420)

page() {  # the page Doxygen made from a Markdown file: md_ + its path, non-alphanumerics as _
    local p=${1%.md}
    echo "md_$(printf '%s' "$p" | sed 's/[^A-Za-z0-9]/_/g').html"
}
pages=(index.html "$(page study_notes/roadmap.md)" "$(page study_notes/math_primer.ko.md)")
while IFS=$'\t' read -r id folder title rest; do
    case "$id" in '#'* | '') continue ;; esac
    [ -d "$folder" ] || continue
    pages+=("$(page "$folder/README.md")" "$(page "$folder/README.ko.md")")
    first=$(ls "$folder"/study_notes/[0-9]*.md 2>/dev/null | grep -v '\.ko\.md$' | head -n 1 || true)
    [ -n "$first" ] && pages+=("$(page "$first")")
done < tools/lessons.tsv

mkdir -p "$out"
status=0
for p in "${pages[@]}"; do
    [ -f "$html/$p" ] || continue
    for w in "${widths[@]}"; do
        png="$out/${p%.html}_$w.png"
        rm -f "$png"
        # Chromium's headless window is at least 500 px wide: a narrower page is
        # shot inside an iframe of that width (at the left of the picture).
        win=$(( w < 500 ? 500 : w ))
        printf '<!DOCTYPE html><html><body style="margin:0"><iframe src="%s" width="%d" height="1600" style="border:0"></iframe></body></html>\n' \
            "file://$root/$html/$p" "$w" > "$out/frame.html"
        timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu \
            --window-size="$win,1600" --virtual-time-budget=8000 \
            --screenshot="$root/$png" "file://$root/$out/frame.html" >/dev/null 2>&1 || true
        if [ -s "$png" ]; then echo "docs_screenshots: $png"; else echo "docs_screenshots: could not shoot $p at $w px" >&2; status=1; fi
    done
done
rm -f "$out/frame.html"
exit $status
