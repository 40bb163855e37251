#!/usr/bin/env bash
# make plot RUN=runs/NAME: draw RUN/loss.png with gnuplot, and the same curves in the terminal.
# Every column of log.csv whose name ends in "loss" is drawn against the first column (step).
# LOGY=1 uses a logarithmic loss axis.
set -euo pipefail
run="${1:-}"
if [ -z "$run" ]; then
    echo "usage: make plot RUN=runs/NAME   (runs so far: $(ls -d runs/*/ 2>/dev/null | tr '\n' ' '))" >&2
    exit 2
fi
log="$run/log.csv"
[ -f "$log" ] || { echo "plot: $log does not exist. Run a demo or a training first (e.g. make demo-day1)." >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "plot: gnuplot is missing: make setup (or sudo apt-get install gnuplot-nox)" >&2; exit 1; }
[ "$(wc -l < "$log")" -ge 2 ] || { echo "plot: $log has no rows yet." >&2; exit 1; }

IFS=, read -r -a cols < <(head -n 1 "$log" | tr -d '\r')
plots=()
for i in "${!cols[@]}"; do
    if [[ "${cols[$i]}" == *loss ]]; then
        plots+=("'$log' using 1:$((i + 1)) with lines lw 2 title '${cols[$i]//_/ }' noenhanced")
    fi
done
[ ${#plots[@]} -gt 0 ] || { echo "plot: no column of $log ends in 'loss' (columns: ${cols[*]})" >&2; exit 1; }
plotcmd="plot $(IFS=,; echo "${plots[*]}")"
logy=""
[ "${LOGY:-0}" = "1" ] && logy="set logscale y"

# noenhanced: a name is printed as it is (enhanced text would turn the 2 of "gpt_2" into a subscript)
common="set datafile separator ','; set datafile missing 'nan'; set key autotitle columnhead; set xlabel '${cols[0]}' noenhanced; set ylabel 'loss'; $logy"
gnuplot -e "$common; set terminal pngcairo size 900,540 font ',11'; set output '$run/loss.png'; set grid; set title '$(basename "$run")' noenhanced; $plotcmd" 2>/dev/null \
  || gnuplot -e "$common; set terminal png size 900,540; set output '$run/loss.png'; set grid; $plotcmd"
ansi=""
[ -t 1 ] && ansi="ansi"   # colours only on a terminal
gnuplot -e "$common; set terminal dumb size 100,28 $ansi; $plotcmd"
echo "plot: wrote $run/loss.png"
