#!/usr/bin/env bash
# make data: prepare data/ from Debian packages and checksummed downloads.
# Nothing here is committed to the repository; data/ is git-ignored.
#
#   data/fashion-mnist/   links to Debian's dataset-fashion-mnist (offline)
#   data/tinyshakespeare.txt   downloaded, or copied from $LLMLAB_DATA_MIRROR, SHA-256 checked
#   data/mnist/           classic MNIST (optional), downloaded the same way
#   data/fortunes/        train.txt, val.txt from Debian's fortunes (offline), cleaned
#   data/tinyshakespeare/ train.txt, val.txt: the first 90% and the last 10%
#
# The text corpora are cleaned and split by the course's own program (`llmlab corpus`,
# Day 5's corpus_prepare.c); LLMLAB=PROGRAM names it (make data passes its build's).
# LLMLAB_DATA_MIRROR=DIR copies files from DIR instead of downloading (CI, benchmarks).
# A download that fails (no network) is reported and skipped: the offline parts
# still work and the exit status stays 0. A file whose SHA-256 is wrong is an error
# (exit status 1): a downloaded one is not kept, and a local one that cannot be
# fetched again is not used (nothing is made from it).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p data
status=0
llmlab="${LLMLAB:-./llmlab}"
part=""   # the download under way, under a name of its own (two make data never share one): removed if stopped
trap 'rm -f "$part"' EXIT
trap 'exit 130' INT TERM HUP

# ---- Fashion-MNIST, from Debian ----
fm=/usr/share/datasets/fashion-mnist
if [ -f "$fm/train-images-idx3-ubyte.gz" ]; then
    mkdir -p data/fashion-mnist
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        ln -sf "$fm/$f.gz" "data/fashion-mnist/$f.gz"
    done
    echo "data: fashion-mnist -> $fm"
else
    echo "data: Fashion-MNIST is missing: sudo apt-get install dataset-fashion-mnist (or make setup)" >&2
    status=1
fi

# ---- checksummed files: path under data/, sha256, url. Returns 1: no download, 2: bad file ----
fetch() {
    local name="$1" sum="$2" url="$3" dest="data/$1" fail=1
    mkdir -p "$(dirname "$dest")"
    if [ -f "$dest" ] && echo "$sum  $dest" | sha256sum -c --status; then
        echo "data: $name ok"
        return 0
    fi
    if [ -e "$dest" ]; then   # a corrupted local copy: fetched again, or an error
        echo "data: $dest has the wrong SHA-256 (expected $sum); fetching it again" >&2
        fail=2
    fi
    part=$(mktemp "$dest.part.XXXXXX") || { echo "data: cannot write a file in $(dirname "$dest")" >&2; return 2; }
    local tmp="$part"
    local base
    base=$(basename "$name")
    if [ -n "${LLMLAB_DATA_MIRROR:-}" ] && [ -f "$LLMLAB_DATA_MIRROR/$name" ]; then
        cp "$LLMLAB_DATA_MIRROR/$name" "$tmp" && chmod 644 "$tmp"
    elif [ -n "${LLMLAB_DATA_MIRROR:-}" ] && [ -f "$LLMLAB_DATA_MIRROR/$base" ]; then
        cp "$LLMLAB_DATA_MIRROR/$base" "$tmp" && chmod 644 "$tmp"
    elif command -v curl >/dev/null; then
        curl -fsSL --max-time 120 -o "$tmp" "$url" || { echo "data: could not download $name from $url (no network?); set LLMLAB_DATA_MIRROR=DIR to copy it from a folder" >&2; rm -f "$tmp"; gave_up "$dest" $fail; return $fail; }
    elif command -v wget >/dev/null; then
        wget -q -T 120 -O "$tmp" "$url" || { echo "data: could not download $name from $url" >&2; rm -f "$tmp"; gave_up "$dest" $fail; return $fail; }
    else
        echo "data: need curl or wget to download $name" >&2
        gave_up "$dest" $fail
        return $fail
    fi
    if ! echo "$sum  $tmp" | sha256sum -c --status; then
        echo "data: error: $name has the wrong SHA-256 (expected $sum): not kept" >&2
        rm -f "$tmp"
        return 2
    fi
    chmod 644 "$tmp"    # mktemp made it private
    mv "$tmp" "$dest"   # only a verified file takes the final name
    part=""
    echo "data: $name ok (verified)"
}

gave_up() { # the error that ends a fetch of a corrupted local file
    [ "$2" -eq 2 ] && echo "data: error: $1 is corrupted and could not be fetched again: not used; delete it and run make data with a network (or LLMLAB_DATA_MIRROR=DIR)" >&2
    return 0
}

check() { # a failed download is a warning; a corrupted file is an error
    "$@"
    [ $? -eq 2 ] && status=1
    return 0
}

fetch tinyshakespeare.txt 86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed \
    https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt
shakespeare=$?   # 0: verified; only a verified file is split below
[ $shakespeare -eq 2 ] && status=1

# ---- text corpora: train/validation splits ----
fortunes=/usr/share/games/fortunes
if [ -d "$fortunes" ]; then
    "$llmlab" corpus fortunes "$fortunes" data/fortunes || status=1
else
    echo "data: the fortunes corpus is missing: sudo apt-get install fortunes (or make setup)" >&2
    status=1
fi
if [ $shakespeare -eq 0 ]; then
    "$llmlab" corpus split data/tinyshakespeare.txt data/tinyshakespeare || status=1
fi

mnist=https://ossci-datasets.s3.amazonaws.com/mnist
check fetch mnist/train-images-idx3-ubyte.gz 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609 $mnist/train-images-idx3-ubyte.gz
check fetch mnist/train-labels-idx1-ubyte.gz 3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c $mnist/train-labels-idx1-ubyte.gz
check fetch mnist/t10k-images-idx3-ubyte.gz 8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6 $mnist/t10k-images-idx3-ubyte.gz
check fetch mnist/t10k-labels-idx1-ubyte.gz f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6 $mnist/t10k-labels-idx1-ubyte.gz

exit $status
