#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ with -sanitize=fuzzer,address and runs each for
# FUZZ_SECONDS (default 600), starting from the committed seed corpus. Crashes are saved
# under Fuzz/regressions/<target>/, where the test suite replays them.
#   scripts/fuzz.sh [TARGET ...]     (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-600}"
jobs="${FUZZ_JOBS:-2}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzFrontMatter FuzzYAML FuzzSlug FuzzMarkdown)
for target in "${targets[@]}"; do
  swift build --package-path Fuzz --scratch-path .build-fuzz -c debug -Xswiftc -sanitize=fuzzer,address --product "$target" >/dev/null
done
run() {
  local target="$1" work
  work="$(mktemp -d)"
  cp Fuzz/corpus/"$target"/* "$work"/
  mkdir -p Fuzz/regressions/"$target"
  local status=0
  .build-fuzz/debug/"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix=Fuzz/regressions/"$target"/ -print_final_stats=1 "$work" > ".build-fuzz/$target.log" 2>&1 || status=$?
  local runs
  runs=$(grep -E '^stat::number_of_executed_units' ".build-fuzz/$target.log" | awk '{print $2}' || true)
  if [ "$status" -eq 0 ]; then
    echo "$target: ${runs:-?} executions in ${seconds} s, no crash"
  else
    echo "$target: FAILED (exit $status) after ${runs:-?} executions; the input is in Fuzz/regressions/$target/ (log: .build-fuzz/$target.log)"
  fi
  rm -rf "$work"
  return $status
}
status=0
running=0
for target in "${targets[@]}"; do
  run "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || status=1; running=$((running - 1)); fi
done
while [ "$running" -gt 0 ]; do wait -n || status=1; running=$((running - 1)); done
exit $status
