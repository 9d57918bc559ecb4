# Sourced by scripts/test.sh, setup.sh and sanitize.sh: times each phase of the test command so that
# every CI log says where the time went.
#   phase NAME COMMAND [ARGS...]   runs COMMAND, prints "phase NAME: S s" and appends it to the log;
#                                  returns COMMAND's status. COMMAND runs where `set -e` does not
#                                  apply, so a shell function given as COMMAND chains its steps with &&.
#   phase_table                    prints every phase in the log, with the total
# The log is $L2O_PHASE_LOG when the caller set it (scripts/test.sh does, so that the phases of
# setup.sh and sanitize.sh land in one table), else a file of this shell's own.
if [ -z "${L2O_PHASE_LOG:-}" ]; then
  L2O_PHASE_LOG="$(mktemp)"
  export L2O_PHASE_LOG
fi

phase() {
  local name=$1 start=$SECONDS rc=0
  shift
  "$@" || rc=$?
  local took=$((SECONDS - start))
  printf '%s\t%d\t%s\n' "$name" "$took" "$([ $rc -eq 0 ] && echo ok || echo "failed ($rc)")" >>"$L2O_PHASE_LOG"
  echo "phase $name: $took s$([ $rc -eq 0 ] || echo ", failed ($rc)")"
  return $rc
}

phase_table() {
  [ -s "$L2O_PHASE_LOG" ] || return 0
  echo
  echo "| phase | seconds | |"
  echo "|---|---:|---|"
  awk -F'\t' '{ printf "| %s | %d | %s |\n", $1, $2, $3; total += $2 }
              END { printf "| total | %d | %d min %d s |\n", total, total / 60, total % 60 }' "$L2O_PHASE_LOG"
}
