#!/usr/bin/env bash
# Runs every Gatehouse test. Installs the real peers the tests talk to (swaks, python3, openssl, Postfix
# and its smtp-sink, dnsmasq, nmap) when missing,
# then runs all test projects and ends with one line: "N passed, N failed".
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

need=()
command -v swaks >/dev/null 2>&1 || need+=(swaks)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[[ -x /usr/sbin/smtp-sink ]] || need+=(postfix)
[[ -x /usr/sbin/dnsmasq ]] || need+=(dnsmasq-base)
command -v nmap >/dev/null 2>&1 || need+=(nmap)
if ((${#need[@]})); then
  echo "test.sh: installing ${need[*]}" >&2
  if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
  # Postfix is wanted for its smtp-sink and for private instances the tests start, not as this machine's mailer.
  echo "postfix postfix/main_mailer_type select No configuration" | "${sudo[@]}" debconf-set-selections 2>/dev/null
  "${sudo[@]}" apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
    || { echo "test.sh: could not install ${need[*]}" >&2; }
fi

results="$here/.build/test-results"
rm -rf "$results"
mkdir -p "$results"
dotnet build Gatehouse.sln -c Debug -nologo -v quiet 2>&1 | grep -E "error|warning" ; build_rc=${PIPESTATUS[0]}
if [[ $build_rc -ne 0 ]]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
dotnet test Gatehouse.sln --no-build -c Debug -nologo \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 10m 2>&1 | grep -vE "^\s*$"
test_rc=${PIPESTATUS[0]}

passed=0 failed=0
for f in "$results"/*.trx; do
  [[ -f "$f" ]] || continue
  line=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line")
  e=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line")
  x=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${e:-0} + ${x:-0}))
done
projects=$(ls tests/*/*.csproj | wc -l)
trx=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [[ $test_rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi   # a test host that crashed reports no counts
if [[ $trx -lt $projects ]]; then failed=$((failed + projects - trx)); fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
