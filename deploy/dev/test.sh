#!/usr/bin/env bash
# Runs every test project and prints one closing line "N passed, N failed[, N skipped]" from the TRX results.
# Exits non-zero on any failure, or when no test ran.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

bash deploy/dev/setup.sh || exit 1

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet build CoppiceMonitor.sln -c Release -nologo -v q || { echo "0 passed, 1 failed"; echo "test: build failed" >&2; exit 1; }

status=0
for proj in tests/*.Tests/*.csproj; do
  name=$(basename "$proj" .csproj)
  dotnet test "$proj" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --blame-hang-timeout 15m || status=1
done

passed=0; failed=0; skipped=0; total=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  t=$(get total); e=$(get executed); p=$(get passed); f=$(get failed); x=$(get error); to=$(get timeout); a=$(get aborted)
  total=$((total + t)); passed=$((passed + p)); failed=$((failed + f + x + to + a))
  skipped=$((skipped + t - e))
done

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"

if [ "$passed" -eq 0 ]; then
  echo "test: no test ran" >&2
  exit 1
fi
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then
  exit 1
fi
exit 0
