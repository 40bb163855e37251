#!/usr/bin/env bash
# make valgrind: every demo (--quick) and every llmlab subcommand on a tiny
# setting under valgrind memcheck, one thread: zero errors and zero definite
# leaks, or the target fails. Slow (minutes): CI runs it after make sanitize.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
command -v valgrind >/dev/null || { echo "valgrind: not installed (sudo apt-get install valgrind)" >&2; exit 1; }
export OMP_NUM_THREADS=1
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
run() {  # name, command...: run under valgrind, report, remember a failure
    local name=$1; shift
    local t0=$SECONDS
    if $VG "$@" >"$out/last.out" 2>"$out/last.err"; then
        echo "valgrind: ok      $name ($((SECONDS - t0)) s)"
    else
        echo "valgrind: FAILED  $name (exit $?)"; tail -20 "$out/last.err"; fail=1
    fi
}
# the demos, as the smoke test builds them (the reference)
for demo in "$BUILD"/bin/reference/*/demo_*; do
    [ -x "$demo" ] || continue
    case "$demo" in *demo_fashion) continue ;; esac   # 8 minutes under valgrind: run by hand (RELIABILITY.md)
    run "${demo#"$BUILD"/bin/reference/}" "$demo" --quick --runs "$out/runs"
done
# llmlab on a tiny corpus
B=$(pwd)/$BUILD/bin/llmlab
mkdir -p "$out/c/data/tiny"
python3 -c "
t = 'the theme of the thesis, then there these.\n' * 60 + 'Korean: \uD55C\uAE00, emoji: \U0001F642\n'
for n in ('train', 'val'):
    open('$out/c/data/tiny/' + n + '.txt', 'w').write(t + '<|endoftext|>')"
cd "$out/c"
run "tokenizer train" "$B" tokenizer train --vocab 300 -o t.bpe data/tiny/train.txt
echo "hello, world" > in.txt
run "tokenizer encode" "$B" tokenizer encode -t t.bpe --out in.tok in.txt
run "tokenizer show" "$B" tokenizer show --plain -t t.bpe in.txt
"$B" tokenizer encode -t t.bpe in.txt > ids.txt
run "tokenizer decode" "$B" tokenizer decode -t t.bpe ids.txt
run "train" "$B" train --data tiny --vocab 300 --layers 1 --heads 2 --embd 16 --ctx 16 --batch 2 --steps 4 --run r --quiet
run "train --resume" "$B" train --data tiny --vocab 300 --layers 1 --heads 2 --embd 16 --ctx 16 --batch 2 --steps 6 --run r --quiet --resume
run "plot" "$B" plot r
mkdir -p fortunes && printf 'one  \n%%\n\ntwo\n%%\none\n' > fortunes/f && printf 'caf\xe9\n' > fortunes/latin1
run "corpus fortunes" "$B" corpus fortunes fortunes data/f
run "corpus split" "$B" corpus split data/tiny/train.txt data/s
run "sample" "$B" sample --ckpt r/ckpt.bin --tokens 12
run "sample --no-cache" "$B" sample --ckpt r/ckpt.bin --tokens 12 --no-cache
run "export" "$B" export --ckpt r/ckpt.bin --out exp
run "import" "$B" import exp -o imported.bin
run "export --format gguf" "$B" export --ckpt r/ckpt.bin --format gguf -o exp.gguf
run "sample --ids" "$B" sample --ckpt r/ckpt.bin --tokens 12 --temperature 0 --ids
run "chatgen" "$B" chatgen --n 70 --out chat/train.txt
run "chatgen --split eval" "$B" chatgen --split eval --n 70 --out chat/eval.txt
"$B" train --data tiny --vocab 300 --layers 1 --heads 2 --embd 16 --ctx 64 --batch 2 --steps 2 --run r64 --quiet
run "tune" "$B" tune --base r64/ckpt.bin --data chat/train.txt --eval-data chat/eval.txt --batch 2 --steps 2 \
    --eval-every 2 --run t --quiet
echo "What is 3 plus 4?" > msg.txt
run "chat --once" "$B" chat --ckpt t/ckpt.bin --once < msg.txt
run "export --format gguf (chat)" "$B" export --ckpt t/ckpt.bin --format gguf -o chat.gguf
printf '/system Be brief.\nhello\n/history\n/reset\n/temp 0.5\nWhat is 1 plus 1?\n' > repl.txt
run "chat (REPL)" "$B" chat --ckpt t/ckpt.bin < repl.txt
run "eval-chat" "$B" eval-chat --ckpt t/ckpt.bin --data chat/eval.txt --limit 14
run "eval-chat --plain" "$B" eval-chat --ckpt r64/ckpt.bin --data chat/eval.txt --examples chat/train.txt --limit 14
run "train --init" "$B" train --data tiny --init r/ckpt.bin --batch 2 --steps 2 --run ri --quiet
mkdir -p notes/sub && echo "a note" > notes/a.txt && printf 'another\r\nnote\r\n' > notes/sub/b.txt
cp notes/a.txt notes/sub/copy.txt && ln -sf .. notes/sub/loop
run "collect" "$B" collect --out data/dom notes
run "report" "$B" report --general r64/ckpt.bin --tuned ri/ckpt.bin --scratch r/ckpt.bin \
    --domain-test data/tiny/val.txt --general-text data/tiny/val.txt --max-kb 1 --out rep
cd - >/dev/null
[ $fail = 0 ] && echo "valgrind: every demo and subcommand clean" || exit 1
