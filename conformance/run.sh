#!/usr/bin/env bash
# ember differential conformance runner.
#
#   conformance/run.sh                 run OTP + ember (if built), diff ember against the goldens
#   conformance/run.sh --erlang-only   re-run OTP 5x per scenario; check determinism + goldens
#   conformance/run.sh --no-erlang     skip OTP entirely (machines without erl); ember vs goldens
#   conformance/run.sh --update-golden re-run OTP 5x and rewrite conformance/expected/
#   options: --repeat N   (OTP runs per scenario)   --jitter MS  (OTP stress mode)
#            --no-build   (do not cargo build the ember interpreter)
#            NAME...      only these scenarios (e.g. 14_link_idempotent_unlink or 14)
#
# Exit status is non-zero if any scenario failed (unknown difference, golden
# drift, nondeterminism, or a missing/crashed trace).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SCEN="$HERE/scenarios"
EXPECTED="$HERE/expected"
OUT="$HERE/out"
KNOWN_FILE="$HERE/KNOWN_DIFFERENCES.md"
# cargo builds into $CARGO_TARGET_DIR when it is set (relative paths are relative to the root)
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
EMBER_BIN="${EMBER_CONFORMANCE_BIN:-$TARGET_DIR/release/ember-conformance}"

mode=full; repeat=""; jitter=0; build=1; only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --erlang-only) mode=erlang ;;
    --no-erlang) mode=ember ;;
    --update-golden) mode=update ;;
    --repeat) repeat="$2"; shift ;;
    --jitter) jitter="$2"; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) only+=("$1") ;;
  esac
  shift
done
if [ -z "$repeat" ]; then
  case "$mode" in erlang|update) repeat=5 ;; *) repeat=1 ;; esac
fi

# ---- scenario selection ---------------------------------------------------
files=()
if [ ${#only[@]} -eq 0 ]; then
  files=("$SCEN"/*.scn)
else
  for n in "${only[@]}"; do
    n="${n%.scn}"; n="$(basename "$n")"
    m=("$SCEN/$n".scn "$SCEN/$n"_*.scn)
    found=0
    for f in "${m[@]}"; do [ -f "$f" ] && { files+=("$f"); found=1; break; }; done
    [ $found = 1 ] || { echo "no such scenario: $n" >&2; exit 2; }
  done
fi
names=(); for f in "${files[@]}"; do names+=("$(basename "$f" .scn)"); done

pass=0; fail=0; known=0
failed_names=()
record_fail() { fail=$((fail+1)); failed_names+=("$1"); }

# ---- known differences ----------------------------------------------------
# KNOWN_DIFFERENCES.md lines of the form:  - `NN_name`: reason
declare -A KNOWN=()
if [ -f "$KNOWN_FILE" ]; then
  while IFS= read -r line; do
    if [[ "$line" =~ ^-\ \`([A-Za-z0-9_]+)\`:\ *(.*)$ ]]; then
      KNOWN["${BASH_REMATCH[1]}"]="${BASH_REMATCH[2]}"
    fi
  done < "$KNOWN_FILE"
fi

# ---- Erlang/OTP side ------------------------------------------------------
ensure_erlang() {
  if ! command -v erl >/dev/null 2>&1 || ! command -v elixir >/dev/null 2>&1; then
    echo "== installing erlang-nox and elixir (apt-get)"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null && \
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq erlang-nox elixir >/dev/null || {
        echo "could not install erlang-nox/elixir" >&2; exit 1; }
  fi
}

run_erlang() {   # $1 = output dir, $2 = repeat count
  local dir="$1" rep="$2" ebin="$HERE/erlang/ebin" exebin
  mkdir -p "$ebin" "$dir"
  rm -f "$dir"/*.trace
  erlc -o "$ebin" "$HERE"/erlang/*.erl || { echo "erlc failed" >&2; exit 1; }
  exebin="$(elixir -e 'IO.puts :code.lib_dir(:elixir)' 2>/dev/null)/ebin"
  [ -d "$exebin" ] || exebin="/usr/lib/elixir/lib/elixir/ebin"
  local args=("out=$dir" "repeat=$rep")
  [ "$jitter" != 0 ] && args+=("jitter=$jitter")
  erl -noshell -pa "$ebin" -pa "$exebin" -run conformance main "${args[@]}" "${files[@]}" \
      2> "$dir/stderr.log"
  local rc=$?
  cat "$dir/stderr.log" | grep -v '^[0-9]' >&2
  return $rc
}

diff_one() {     # $1 = name, $2 = expected file, $3 = actual file, $4 = label
  if [ ! -f "$3" ]; then echo "missing trace"; return 1; fi
  diff -u --label "expected/$1.trace" --label "$4/$1.trace" "$2" "$3"
}

if [ "$mode" != ember ]; then
  ensure_erlang
  jnote=""; [ "$jitter" != 0 ] && jnote=", jitter $jitter ms"
  echo "== Erlang/OTP $(erl -noshell -eval 'io:format("~s",[erlang:system_info(otp_release)]),halt().') (${#files[@]} scenarios, $repeat run(s) each$jnote)"
  nondet=""
  run_erlang "$OUT/erlang" "$repeat" || nondet=yes
  nd_list="$(grep '^NONDETERMINISTIC:' "$OUT/erlang/stderr.log" | cut -d: -f2-)"

  if [ "$mode" = update ]; then
    if [ -n "$nondet" ]; then echo "refusing to update goldens: nondeterministic:$nd_list" >&2; exit 1; fi
    mkdir -p "$EXPECTED"
    for n in "${names[@]}"; do cp "$OUT/erlang/$n.trace" "$EXPECTED/$n.trace"; done
    echo "updated ${#names[@]} golden trace(s) in conformance/expected/"
    exit 0
  fi

  # OTP output must reproduce the goldens (and be deterministic)
  for n in "${names[@]}"; do
    if [[ " $nd_list " == *" $n "* ]]; then
      echo "FAIL (otp nondeterministic) $n"; record_fail "otp:$n"; continue
    fi
    if [ ! -f "$EXPECTED/$n.trace" ]; then
      echo "FAIL (no golden; run --update-golden) $n"; record_fail "otp:$n"; continue
    fi
    if d="$(diff_one "$n" "$EXPECTED/$n.trace" "$OUT/erlang/$n.trace" otp)"; then
      [ "$mode" = erlang ] && pass=$((pass+1))
    else
      echo "FAIL (otp differs from golden) $n"; echo "$d"; record_fail "otp:$n"
    fi
  done
fi

# ---- ember side -----------------------------------------------------------
if [ "$mode" = full ] || [ "$mode" = ember ]; then
  if [ $build = 1 ] && [ -f "$HERE/ember/Cargo.toml" ] && command -v cargo >/dev/null 2>&1; then
    echo "== building ember-conformance"
    (cd "$ROOT" && cargo build --release -q -p ember-conformance) || { echo "cargo build failed" >&2; exit 1; }
  fi
  if [ -x "$EMBER_BIN" ]; then
    echo "== ember ($EMBER_BIN)"
    mkdir -p "$OUT/ember"; rm -f "$OUT/ember"/*.trace
    for i in "${!files[@]}"; do
      n="${names[$i]}"
      timeout 120 "$EMBER_BIN" --out "$OUT/ember" "${files[$i]}" >/dev/null 2>"$OUT/ember/$n.stderr"
      rc=$?
      if [ $rc != 0 ] && [ ! -f "$OUT/ember/$n.trace" ]; then
        echo "ember exited $rc without a trace" > "$OUT/ember/$n.trace.missing"
      fi
      if d="$(diff_one "$n" "$EXPECTED/$n.trace" "$OUT/ember/$n.trace" ember)"; then
        if [ -n "${KNOWN[$n]+x}" ]; then
          echo "NOTE $n passes but is listed in KNOWN_DIFFERENCES.md (remove it)"
        fi
        pass=$((pass+1))
      elif [ -n "${KNOWN[$n]+x}" ]; then
        echo "KNOWN $n: ${KNOWN[$n]}"
        known=$((known+1))
      else
        echo "FAIL $n (ember exit $rc)"; echo "$d"; record_fail "$n"
      fi
    done
  else
    echo "== ember interpreter not built ($EMBER_BIN missing): only the OTP side was checked"
  fi
fi

# ---- summary --------------------------------------------------------------
if [ "$mode" = full ] && [ ! -x "$EMBER_BIN" ]; then
  # nothing to compare: count the OTP golden checks as the result
  pass=$(( ${#names[@]} - fail ))
fi
[ $fail -gt 0 ] && echo "failed: ${failed_names[*]}"
[ $known -gt 0 ] && echo "$known known difference(s), listed in conformance/KNOWN_DIFFERENCES.md (reported as skipped)"
echo "conformance: $pass passed, $fail failed, $known skipped"
[ $fail -eq 0 ]
