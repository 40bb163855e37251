#!/usr/bin/env bash
# Build the docs site into build/docs/html (make docs). Exit 1 on any warning.
#
#   bash tools/build_docs.sh          # from anywhere; open build/docs/html/index.html
#
# What it reads is found here, so a new lesson folder needs no edit: the root
# README.md (the front page) and README.ko.md, common/, every day*/ and week*/
# folder, study_notes/, docs/, BENCHMARKS.md and RELIABILITY.md. docs/Doxyfile takes headers (*.h) and Markdown (*.md)
# from them and leaves out tests, solutions, build, runs, data and tools.
# MathJax 2 (Debian's libjs-mathjax) is copied into the site, so math renders
# offline. Environment: LLMLAB_MATHJAX_DIR overrides /usr/share/javascript/mathjax.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"

die() {
    echo "build_docs: error: $*" >&2
    exit 1
}

command -v doxygen >/dev/null 2>&1 ||
    die "doxygen is not installed. Install it with 'sudo apt-get install doxygen' (or 'make setup')."
command -v python3 >/dev/null 2>&1 ||
    die "python3 is not installed (docs/Doxyfile runs tools/doxygen_md_filter.py with it): 'sudo apt-get install python3' (or 'make setup')."
mathjax_src=${LLMLAB_MATHJAX_DIR:-/usr/share/javascript/mathjax}
[ -f "$mathjax_src/MathJax.js" ] ||
    die "MathJax 2 is not at $mathjax_src. Install it with 'sudo apt-get install libjs-mathjax' (or 'make setup')."
# Doxygen splits $(VAR) values at spaces and matches EXCLUDE_PATTERNS as globs.
case "$root" in
    *[[:space:]*?[]*) die "the repository path '$root' contains a space or one of * ? [; Doxygen cannot take it. Move or clone the repository to a path without them." ;;
esac

out="$root/build/docs"
html="$out/html"

# ---- what Doxygen reads, in the order of the sidebar ----
# tools/doxygen_md_filter.py --inputs lists it: the front page and its Korean
# twin, the roadmap and "how to work a lesson", common/, the lessons in course
# order (tools/lessons.tsv, then any other day*/ or week*/ folder), the other
# course notes, docs/, BENCHMARKS.md and RELIABILITY.md.
read -r -a inputs <<< "$(python3 tools/doxygen_md_filter.py --inputs)"
for d in "${inputs[@]}"; do
    case "$d" in
        *[[:space:]*?[]*) die "'$d' has a space or one of * ? [ in its name; rename it (Doxygen cannot read it)." ;;
    esac
done
[ ${#inputs[@]} -gt 0 ] || die "nothing to document in $root (no README.md, common/, day*/, week*/, study_notes/ or docs/)."

# ---- a gallery of the pictures the demos drew (runs/ is generated, so the
# page lists what this machine has made so far) ----
mkdir -p build/docs/gallery
gallery=build/docs/gallery/gallery.md
{
    echo "# Gallery: what your runs drew"
    echo
    echo "Every picture below was made on this machine by a demo or by \`make plot\`,"
    echo "and copied here by \`make docs\`. Run more demos, then \`make docs\` again."
    echo
    found=0
    for png in runs/*/*.png; do
        [ -f "$png" ] || continue
        found=1
        name=$(basename "$(dirname "$png")")-$(basename "$png")
        cp "$png" "build/docs/gallery/$name"
        echo "## $(dirname "$png")/$(basename "$png")"
        echo
        echo "![$(basename "$png" .png) of $(dirname "$png")]($name)"
        echo
    done
    [ "$found" = 1 ] || echo "No pictures yet: try \`make demo-day1\`, \`make demo-day3\` or \`make plot RUN=runs/day1\`."
    if [ -f runs/domain/report.md ]; then
        echo "Week 4's report (\`make domain\`): [the domain report](domain-report.md)."
    fi
} > "$gallery"
# Week 4's report, with its pictures under the names the gallery gave them
if [ -f runs/domain/report.md ]; then
    sed -e 's/(bpb\.png)/(domain-bpb.png)/; s/(loss\.png)/(domain-loss.png)/' runs/domain/report.md \
        > build/docs/gallery/domain-report.md
fi
inputs+=(build/docs/gallery)

export LLMLAB_DOCS_ROOT="$root"
export LLMLAB_DOCS_OUT="$out"
export LLMLAB_DOCS_INPUT="${inputs[*]}"
export LLMLAB_DOCS_HTML_DIR="$html"

# ---- run Doxygen ----
rm -rf "$html"
mkdir -p "$out"
rm -f "$out/warnings.log" "$out/doxygen.log"
# MATHJAX_CODEFILE: MathJax finds only the \( \) and \[ \] that Doxygen
# writes for \f$ and \f[, never a stray "$$", and skips code blocks (class fragment).
cat > "$out/mathjax_config.js" <<'EOF'
MathJax.Hub.Config({
  tex2jax: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: false,
    ignoreClass: "fragment"
  }
});
EOF

echo "build_docs: doxygen $(doxygen --version) on: ${inputs[*]}"
status=0
doxygen docs/Doxyfile > "$out/doxygen.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    cat "$out/doxygen.log" >&2
    [ -s "$out/warnings.log" ] && cat "$out/warnings.log" >&2
    die "doxygen failed (exit $status)."
fi
[ -f "$html/index.html" ] || die "doxygen wrote no $html/index.html (see $out/doxygen.log)."

# ---- MathJax, offline: a real copy (no symlinks), without its unpacked/ sources and tests ----
mkdir -p "$html/mathjax"
for entry in "$mathjax_src"/*; do
    case "${entry##*/}" in
        unpacked | test) continue ;;
    esac
    cp -RL "$entry" "$html/mathjax/"
done
for f in MathJax.js extensions/tex2jax.js jax/input/TeX/config.js jax/output/HTML-CSS/jax.js; do
    [ -f "$html/mathjax/$f" ] || die "MathJax was not copied: $html/mathjax/$f is missing (from $mathjax_src)."
done
grep -q 'src="mathjax/MathJax.js"' "$html/index.html" ||
    die "$html/index.html does not load mathjax/MathJax.js: check MATHJAX_RELPATH in docs/Doxyfile."

# ---- any warning fails the build ----
# warnings.log: Doxygen's warnings. doxygen.log: what it printed besides
# (QUIET = YES prints nothing), including tools/doxygen_md_filter.py's own
# "FILE:LINE: warning:" lines about unclosed $$ math and broken anchors.
if [ -s "$out/warnings.log" ] || [ -s "$out/doxygen.log" ]; then
    echo "build_docs: the docs have warnings; fix them (the site is in $html anyway):" >&2
    [ -s "$out/warnings.log" ] && cat "$out/warnings.log" >&2
    [ -s "$out/doxygen.log" ] && cat "$out/doxygen.log" >&2
    exit 1
fi
# ---- what Doxygen left in the pages: a Markdown mark it did not render ----
python3 tools/check_docs_html.py "$html" ||
    die "the generated pages have artifacts (listed above); fix the Markdown or tools/doxygen_md_filter.py."
echo "build_docs: ok, no warnings: $html/index.html"
