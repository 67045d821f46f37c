#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser: SharpFuzz instruments the product assemblies, AFL++ drives them.
#   deploy/fuzz/fuzz.sh [--seconds N] [--target NAME]... [--work DIR]
# Default: every target for 60 s. Seeds come from a small simulated day (pcap, staff.csv, devices.csv) and, where
# present, ../shared/corpus (or $COPPICE_SHARED/corpus). Each target's executions, edges and crashes are printed; crashing inputs are copied into
# tests/CoppiceMonitor.Fuzz/regressions/TARGET/ (the Fuzz.Tests project replays them) and the script exits 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=60
work="$root/artifacts/fuzz"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) echo "fuzz: unknown option $1" >&2; exit 2 ;;
  esac
done

command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found (apt-get install afl++)" >&2; exit 1; }
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v sharpfuzz >/dev/null; then
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

bin="$work/bin"
plain="$work/plain"
rm -rf "$bin" "$plain"
mkdir -p "$work"
# Two copies: an instrumented one for afl-fuzz, and a plain one for seeding (instrumented code outside AFL faults).
dotnet build "$root/tests/CoppiceMonitor.Fuzz" -c Release -nologo -v q -o "$plain" >/dev/null
cp -r "$plain" "$bin"
# Instrument the product assemblies only (not the harness, not third-party code): AFL's edges are our parsers'.
for dll in CoppiceMonitor.Capture.dll CoppiceMonitor.Visits.dll; do
  sharpfuzz "$bin/$dll" >/dev/null
done

seeds="$work/seeds"
if [ ! -d "$seeds" ]; then
  inputs="$work/inputs"
  mkdir -p "$inputs"
  dotnet build "$root/src/CoppiceMonitor.Service" -c Release -nologo -v q >/dev/null
  dotnet "$root/src/CoppiceMonitor.Service/bin/Release/net10.0/coppice-monitor.dll" simulate \
    --out "$inputs/day.pcap" --staff 8 --pupils 2 --seed 7 >/dev/null
  files=("$inputs/day.pcap" "$inputs/staff.csv" "$inputs/devices.csv")
  # The tests' own registry files (good and deliberately bad) seed the CSV targets too.
  while IFS= read -r f; do files+=("$f"); done < <(find "$root/tests" -name '*.csv' -not -path '*/bin/*' -not -path '*/obj/*' | sort)
  corpus="${COPPICE_SHARED:-$root/../shared}/corpus"
  if [ -d "$corpus" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$corpus" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.gz' \) | sort)
  else
    echo "fuzz: ../shared/corpus absent; seeding from the simulated day only"
  fi
  dotnet "$plain/coppice-fuzz.dll" --seeds "$seeds" "${files[@]}" >/dev/null
fi

[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(dotnet "$plain/coppice-fuzz.dll" --list)

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
export AFL_FORKSRV_INIT_TMOUT=30000 DOTNET_TieredPGO=0
total_crashes=0
printf '%-18s %10s %8s %8s %7s\n' target execs edges crashes seconds
for target in "${targets[@]}"; do
  out="$work/out/$target"
  rm -rf "$out"
  mkdir -p "$work/out"
  start=$(date +%s)
  afl-fuzz -i "$seeds/$target" -o "$out" -V "$seconds" -t 10000 -m none -- \
    dotnet "$bin/coppice-fuzz.dll" "$target" >"$work/$target.log" 2>&1 || {
      echo "fuzz: afl-fuzz failed for $target; see $work/$target.log" >&2; tail -20 "$work/$target.log" >&2; exit 1; }
  stats="$out/default/fuzzer_stats"
  get() { awk -F' *: *' -v k="$1" '$1==k {print $2}' "$stats"; }
  crashes=$(get saved_crashes)
  printf '%-18s %10s %8s %8s %7s\n' "$target" "$(get execs_done)" "$(get edges_found)" "${crashes:-0}" "$(( $(date +%s) - start ))"
  if [ "${crashes:-0}" -gt 0 ]; then
    mkdir -p "$root/tests/CoppiceMonitor.Fuzz/regressions/$target"
    for c in "$out"/default/crashes/id:*; do
      cp "$c" "$root/tests/CoppiceMonitor.Fuzz/regressions/$target/$(sha256sum "$c" | cut -c1-16)"
    done
    total_crashes=$((total_crashes + crashes))
  fi
done

if [ "$total_crashes" -gt 0 ]; then
  echo "fuzz: $total_crashes crashing inputs saved under tests/CoppiceMonitor.Fuzz/regressions/" >&2
  exit 1
fi
echo "fuzz: 0 crashes"
