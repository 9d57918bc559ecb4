#!/usr/bin/env bash
# scripts/research/validate_psd.py's task list and argument checks, without running a task (--list): the
# four MNIST tasks always; --pairs/--noisy/--noisy-pairs add two tasks each; --narrow the five
# narrow MNIST nets plus, with --pairs or --noisy-pairs, that data set on 16-16-100; --long the
# 800-iteration task; --only filters;
# a missing data folder, a bad NAME=POLICY or an unknown --baselines entry is refused by name.
# Usage: validate_psd_tasks.sh PATH_TO_L2O
source "$(dirname "$0")/../../../tests/cli/lib/common.sh"
SCRIPT="$(dirname "$0")/../validate_psd.py"
POLICY="$(dirname "$0")/../../../policies/psd-mnist.json"
for d in pairs noisypairs; do
  mkdir -p "$TMP/$d"
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    : >"$TMP/$d/$f"
  done
done
v() { python3 "$SCRIPT" "p=$POLICY" --l2o "$L2O" "$@"; }

names=$(v --list | cut -d' ' -f1 | tr '\n' ' ')
[ "$names" = "mnist-48-48-10-b64 mnist-48-48-10-b10 mnist-100-200-10-b64 mnist-100-200-10-b10 " ] ||
  fail "default tasks: $names"
names=$(v --pairs "$TMP/pairs" --noisy-pairs "$TMP/noisypairs" --narrow --only 16-16-100 --list)
[ "$(echo "$names" | cut -d' ' -f1 | tr '\n' ' ')" = "narrowpairs-16-16-100-b64 narrownoisypairs-16-16-100-b64 " ] ||
  fail "narrow many-class tasks: $names"
echo "$names" | grep -q "^narrowpairs-16-16-100-b64 idx:$TMP/pairs/train-images-idx3-ubyte,.* 16-16-100 64 900-904 400$" ||
  fail "narrow pairs task: $names"
[ "$(v --narrow --list | grep -c '^narrow')" = 5 ] || fail "--narrow without many-class data: not the five MNIST nets"
[ "$(v --noisy-pairs "$TMP/noisypairs" --list | grep -c '^noisypairs-48-48-100-b')" = 2 ] || fail "--noisy-pairs"
[ "$(v --long --list | tail -n 1)" = "mnist-100-200-10-b64-i800 mnist 100-200-10 64 900-904 800" ] ||
  fail "--long: $(v --long --list | tail -n 1)"

expect_script_error() {
  local want=$1; shift
  v "$@" >"$TMP/out" 2>"$TMP/err" && fail "accepted: $*"
  grep -qF -- "$want" "$TMP/err" || fail "error does not mention '$want' for: $*: $(cat "$TMP/err")"
}
expect_script_error "--baselines: 'adamw'" --baselines adam,adamw --list
expect_script_error "--pairs: $TMP/missing/train-images-idx3-ubyte does not exist" --pairs "$TMP/missing" --list
python3 "$SCRIPT" nopolicy --list >/dev/null 2>"$TMP/err" && fail "accepted a policy without NAME="
grep -qF "'nopolicy' is not NAME=POLICY" "$TMP/err" || fail "bad NAME=POLICY: $(cat "$TMP/err")"
echo "validate_psd.py tasks and arguments: ok"
