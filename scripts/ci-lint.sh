#!/usr/bin/env bash
# Lints the hosted-CI workflows (.github/workflows/*.yml), which cannot run here:
#  1. every `uses:` names a full 40-hex commit with its release in a trailing comment
#     (`owner/action@<sha> # vX.Y.Z`), so a moved tag cannot change what runs;
#  2. the project's own shell scripts (scripts/**/*.sh, .ci/run) through shellcheck at warning
#     level, when shellcheck is installed (setup.sh installs it; else "skipped");
#  3. actionlint (pinned below): workflow syntax, expressions, job/step references, action
#     inputs, and, when shellcheck is installed, the shell of every `run:` step.
# actionlint is built with `go install` into target/tools/ on first use. Without Go, or when
# the install fails (offline), step 3 prints "skipped" and the script still runs steps 1-2.
# Run by scripts/test.sh (stage ci-lint).
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONLINT_VERSION=v1.7.12

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
((${#workflows[@]})) || { echo "ci lint: FAILED: no workflow in .github/workflows" >&2; exit 1; }

# 1. Pinned actions.
refs=0 unpinned=0
while IFS= read -r line; do
  file="${line%%:*}"; rest="${line#*:}"; lineno="${rest%%:*}"; text="${rest#*:}"
  ref="$(sed -E 's/^[[:space:]-]*uses:[[:space:]]*//' <<<"$text")"
  refs=$((refs + 1))
  [[ $ref == ./* ]] && continue # a local action lives in this repository
  if ! [[ $ref =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}[[:space:]]+#[[:space:]]*v[0-9][0-9.]*$ ]]; then
    echo "$file:$lineno: not pinned to a commit with its release in a comment: $ref" >&2
    unpinned=$((unpinned + 1))
  fi
done < <(grep -nE '^[[:space:]-]*uses:' "${workflows[@]}" /dev/null)
if ((unpinned)); then
  echo "ci lint: FAILED: $unpinned of $refs action references are not pinned" >&2
  exit 1
fi
echo "pinned actions: $refs references, each a full commit with its release noted: ok"

# 2. The project's shell scripts.
if command -v shellcheck >/dev/null; then
  scripts=(scripts/*.sh scripts/*/*.sh .ci/run)
  shellcheck -S warning "${scripts[@]}"
  echo "shell scripts: shellcheck at warning level found no problem in ${#scripts[@]} files: ok"
else
  echo "shell scripts: skipped: shellcheck is not installed (apt-get install shellcheck)"
fi

# 3. actionlint.
tools="${CARGO_TARGET_DIR:-target}/tools/actionlint-$ACTIONLINT_VERSION"
actionlint="$tools/actionlint"
if [[ ! -x $actionlint ]]; then
  go="$(type -P go || true)"
  [[ -n $go || ! -x /usr/local/go/bin/go ]] || go=/usr/local/go/bin/go
  if [[ -z $go ]]; then
    echo "ci lint: actionlint skipped: Go is not installed (actionlint is installed with go install)"
    exit 0
  fi
  mkdir -p "$tools"
  echo "installing actionlint $ACTIONLINT_VERSION with $("$go" version | cut -d' ' -f3) (go install)"
  if ! GOBIN="$(cd "$tools" && pwd)" timeout 600 "$go" install \
    "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"; then
    echo "ci lint: actionlint skipped: go install failed (offline?)"
    exit 0
  fi
fi
if command -v shellcheck >/dev/null; then
  sc="shellcheck $(shellcheck --version | sed -n 's/^version: //p') on every run: step"
else
  sc="shellcheck not installed: run: steps not shell-checked"
fi
"$actionlint" -version | head -n 1
"$actionlint" "${workflows[@]}"
echo "ci lint: OK (${#workflows[@]} workflow(s): actionlint $ACTIONLINT_VERSION found no problem; $sc)"
