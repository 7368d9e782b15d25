#!/bin/sh
# Runs `hydrogen bench engine` and stable-diffusion.cpp's sd-cli in turn (engine, sd.cpp, engine,
# ...) on the same model, threads, size, steps, cfg 7.5 and DPM++ 2M, one process at a time, and
# prints each run's seconds per step and peak resident memory; the fastest round of each is the
# fair figure on a shared machine. Logs go to $LOGS (default /tmp/engine-vs-sdcpp).
#
# Usage: engine_vs_sdcpp.sh DIFFUSERS_DIR SINGLE_FILE.safetensors SD_CLI ROUNDS SIZE STEPS THREADS
set -eu
model=$1
checkpoint=$2
sdcli=$3
rounds=$4
size=$5
steps=$6
threads=$7
root=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
logs=${LOGS:-/tmp/engine-vs-sdcpp}
mkdir -p "$logs"
prompt="a lighthouse on a cliff at dusk, oil painting"
round=1
while [ "$round" -le "$rounds" ]; do
  log="$logs/engine-$size-$round.log"
  "$root/hydrogen" bench engine --model "$model" --size "$size" --steps "$steps" \
    --threads "$threads" >"$log" 2>&1
  step=$(sed -n 's/^seconds per UNet step *//p' "$log")
  peak=$(sed -n 's/^peak resident memory (MiB) *//p' "$log")
  ratio=$(sed -n 's/^peak memory \/ weights *//p' "$log")
  echo "round $round engine: $step s/step, peak $peak MiB ($ratio x weights)"

  log="$logs/sdcpp-$size-$round.log"
  /usr/bin/time -v "$sdcli" -m "$checkpoint" -p "$prompt" -n "blurry" -W "$size" -H "$size" \
    --steps "$steps" --cfg-scale 7.5 --sampling-method dpm++2m -s 42 -t "$threads" --type f32 \
    -o "$logs/sdcpp-$size.png" >"$log" 2>&1
  # The progress line after each step gives that step's time ("12.34s/it", or "1.23it/s").
  steps_seen=$(tr '\r' '\n' <"$log" | sed -n 's/.* \([0-9]*\)\/'"$steps"' - \([0-9.]*\)\(s\/it\|it\/s\).*/\1 \2 \3/p' | sort -u -n)
  fastest=$(echo "$steps_seen" | awk '{ t = ($3 == "it/s") ? 1 / $2 : $2; if (min == "" || t < min) min = t } END { printf "%.3f", min }')
  mean=$(echo "$steps_seen" | awk '{ t = ($3 == "it/s") ? 1 / $2 : $2; s += t; n++ } END { printf "%.3f", s / n }')
  sampling=$(sed -n 's/.*sampling completed, taking \([0-9.]*\)s.*/\1/p' "$log" | head -n 1)
  peak=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$log")
  echo "round $round sd.cpp: fastest step $fastest s, mean $mean s/step," \
    "sampling $sampling s, peak $((peak / 1024)) MiB"
  round=$((round + 1))
done
