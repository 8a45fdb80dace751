# shellcheck shell=bash
# Sourced by the JVM test scripts: one summary line from a Maven module's surefire reports
# (Maven itself is quiet on success).
#   surefire_summary LABEL REPORTS_DIR   →  "LABEL: N run, F failures, E errors, S skipped"
surefire_summary() {
  local label=$1 dir=$2 tests=0 failures=0 errors=0 skipped=0 f line v k
  for f in "$dir"/TEST-*.xml; do
    [[ -e "$f" ]] || continue
    line=$(grep -m1 -o '<testsuite [^>]*>' "$f")
    for k in tests failures errors skipped; do
      v=$(sed -n "s/.* $k=\"\([0-9]*\)\".*/\1/p" <<<"$line")
      declare "$k=$(( ${!k} + ${v:-0} ))"
    done
  done
  echo "$label: $tests run, $failures failures, $errors errors, $skipped skipped"
}
