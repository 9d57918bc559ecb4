#!/usr/bin/env bash
# `l2o train` and `l2o data`: bad input gets a one-line error naming the flag or file, and a
# non-zero exit; never a crash. Uses synthetic IDX files so it needs no downloaded data.
set -u
l2o=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
export L2O_DATA="$tmp/data" L2O_NO_PROGRESS=1

# expect_error "what it must say" command...
expect_error() {
  local want=$1
  shift
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  # Any non-zero exit that is not a signal (>= 128) or an internal error (2).
  if [ $rc -eq 0 ] || [ $rc -eq 2 ] || [ $rc -ge 128 ]; then
    echo "FAIL (exit $rc): $*"; echo "$out"; fail=1; return
  fi
  if [ "$(grep -c . <<<"$out")" -gt 3 ] && ! grep -q DIVERGED <<<"$out"; then
    echo "FAIL (not a short error): $*"; echo "$out"; fail=1; return
  fi
  if ! grep -qi -- "$want" <<<"$out"; then
    echo "FAIL (message lacks '$want'): $*"; echo "$out"; fail=1; return
  fi
  echo "ok: $* -> $(head -1 <<<"$out")"
}

# A tiny IDX data set: 40 8x8 images, 3 classes.
python3 - "$tmp" <<'PY'
import struct, sys, random
d = sys.argv[1]
random.seed(1)
n = 40
with open(f"{d}/img.idx", "wb") as f:
    f.write(struct.pack(">IIII", 0x803, n, 8, 8)); f.write(bytes(random.randrange(256) for _ in range(n * 64)))
with open(f"{d}/lab.idx", "wb") as f:
    f.write(struct.pack(">II", 0x801, n)); f.write(bytes(i % 3 for i in range(n)))
with open(f"{d}/short.idx", "wb") as f:
    f.write(struct.pack(">IIII", 0x803, n, 8, 8)); f.write(bytes(10))
PY
spec="idx:$tmp/img.idx,$tmp/lab.idx"

# A good run first: the same command twice gives the same trace.
"$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer sgd --lr 0.1 --iters 20 --batch 8 --seed 3 --out "$tmp/a.csv" --quiet || { echo "FAIL: good run"; fail=1; }
"$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer sgd --lr 0.1 --iters 20 --batch 8 --seed 3 --out "$tmp/b.csv" --quiet
if ! cmp -s <(cut -d, -f1-5 "$tmp/a.csv") <(cut -d, -f1-5 "$tmp/b.csv"); then echo "FAIL: same seed, different trace"; fail=1; fi
head -1 "$tmp/a.csv" | grep -q '^iter,objective,minibatch_loss,grad_norm,step_norm,seconds$' || { echo "FAIL: CSV header"; fail=1; }
[ "$(wc -l <"$tmp/a.csv")" -eq 22 ] || { echo "FAIL: CSV rows"; fail=1; }

expect_error "--arch" "$l2o" train --dataset "$spec" --arch 8-6-5 --lr 0.1 --iters 5
expect_error "--arch" "$l2o" train --dataset "$spec" --arch 8-x-3 --lr 0.1 --iters 5
expect_error "--lr" "$l2o" train --dataset "$spec" --arch 8-6-3 --lr -1
expect_error "--lr" "$l2o" train --dataset "$spec" --arch 8-6-3 --lr abc
expect_error "--iters" "$l2o" train --dataset "$spec" --arch 8-6-3 --iters 0
expect_error "--batch" "$l2o" train --dataset "$spec" --arch 8-6-3 --batch -4
expect_error "--momentum" "$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer momentum --lr 0.1 --momentum 1.5
expect_error "--train-size" "$l2o" train --dataset "$spec" --arch 8-6-3 --train-size lots
expect_error "--activation" "$l2o" train --dataset "$spec" --arch 8-6-3 --activation gelu --lr 0.1
expect_error "nosuch" "$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer nosuch --lr 0.1
expect_error "short.idx" "$l2o" train --dataset "idx:$tmp/short.idx,$tmp/lab.idx" --arch 8-6-3 --lr 0.1
expect_error "missing.idx" "$l2o" train --dataset "idx:$tmp/missing.idx,$tmp/lab.idx" --arch 8-6-3 --lr 0.1
expect_error "cifar100" "$l2o" train --dataset cifar100 --arch 48-48-100 --lr 0.1
expect_error "--hyper" "$l2o" train --dataset "$spec" --arch 8-6-3 --hyper '{bad'
expect_error "--out" "$l2o" train --dataset "$spec" --arch 8-6-3 --lr 0.1 --iters 2 --out /nonexistent/dir/t.csv
expect_error "diverged" "$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer sgd --lr 1e9 --iters 50 --batch 8
# A run that blows up (the bench's rule: the true objective above 100x its initial value) is
# reported as diverged with a non-zero exit, and its trace is still written in full.
expect_error "diverged" "$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer adam --lr 1e30 --iters 20 --batch 8 --out "$tmp/blowup.csv"
[ "$(grep -c '^[0-9]' "$tmp/blowup.csv")" -eq 21 ] && tail -1 "$tmp/blowup.csv" | grep -q '^# adam diverged: blew up' ||
  { echo "FAIL: the diverged run's trace was not written in full, with the verdict"; fail=1; }
"$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer adam --lr 1e30 --iters 20 --batch 8 --divergence-factor 0 --quiet ||
  { echo "FAIL: --divergence-factor 0 still applied the blow-up rule"; fail=1; }
expect_error "--divergence-factor" "$l2o" train --dataset "$spec" --arch 8-6-3 --divergence-factor -1
# A minibatch larger than the training set is refused, naming the flag and the set's size.
expect_error "--batch 100000: larger than the" "$l2o" train --dataset "$spec" --arch 8-6-3 --lr 0.1 --batch 100000
expect_error "nosuchset" "$l2o" data info nosuchset
expect_error "--precision" "$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer psd --precision half --iters 2

# The learned optimizer in every precision this build and CPU run: the same seed gives the same
# trace, and bf16x3 either runs or says in one line why it cannot (never a crash).
for p in float64 float32 bf16x3; do
  out=$("$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer psd --precision $p --iters 5 --batch 8 \
        --out "$tmp/p_$p.csv" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    if [ $p = bf16x3 ] && grep -q "bf16x3 precision is not available" <<<"$out" && [ $rc -lt 128 ]; then
      echo "ok: bf16x3 unavailable here: $(head -1 <<<"$out")"; continue
    fi
    echo "FAIL (exit $rc): psd --precision $p"; echo "$out"; fail=1; continue
  fi
  "$l2o" train --dataset "$spec" --arch 8-6-3 --optimizer psd --precision $p --iters 5 --batch 8 --out "$tmp/q_$p.csv" >/dev/null 2>&1
  if cmp -s <(cut -d, -f1-5 "$tmp/p_$p.csv") <(cut -d, -f1-5 "$tmp/q_$p.csv"); then echo "ok: psd --precision $p";
  else echo "FAIL: psd --precision $p, same seed, different trace"; fail=1; fi
done

exit $fail
