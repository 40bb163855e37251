#!/usr/bin/env bash
# make solution-branch: a local branch `solution` = the current commit with every
# skeleton replaced by its reference. Your working tree and branch are not touched.
# Then:  git diff solution -- day01_autograd/value.c     (compare with your work)
#        git checkout solution && make check-day1         (see everything pass)
set -euo pipefail
cd "$(dirname "$0")/.."
git rev-parse --verify -q HEAD >/dev/null || { echo "solution-branch: no commit yet" >&2; exit 1; }
index=$(mktemp)
trap 'rm -f "$index"' EXIT
export GIT_INDEX_FILE="$index"
git read-tree HEAD
n=0
for ref in $(git ls-tree -r --name-only HEAD solutions | grep '\.c$'); do
    skel="${ref#solutions/}"
    blob=$(git rev-parse "HEAD:$ref")
    git update-index --add --cacheinfo "100644,$blob,$skel"
    n=$((n + 1))
done
tree=$(git write-tree)
commit=$(git commit-tree "$tree" -p HEAD -m "Reference solutions in place of the skeletons ($n files)

Made by make solution-branch from $(git rev-parse --short HEAD).")
git branch -f solution "$commit" >/dev/null
echo "solution-branch: branch 'solution' has the reference in place of $n skeleton(s)."
echo "  compare:   git diff solution -- day01_autograd/value.c"
echo "  try it:    git checkout solution && make check-day1   (come back: git checkout -)"
