#!/usr/bin/env bash
# The drift issue of one stack (.github/workflows/drift.yml): one open issue per stack,
# titled "Drift: stack <stack> differs from main", labelled drift.
#
#   bash scripts/drift-issue.sh <stack> <preview outcome> <verify outcome>
#
# Outcomes are GitHub step outcomes (success, failure, cancelled, skipped). Reads the
# step outputs out/drift/preview.txt and out/drift/verify.txt; needs gh with GH_TOKEN
# (issues: write) and GITHUB_REPOSITORY; RUN_URL links the run.
#   both success, an issue open:  comment that the stack is back in line, close it;
#   both success, no issue:       nothing;
#   otherwise, an issue open:     replace its body with this run's diff and report, comment;
#   otherwise, no issue:          open one.
set -euo pipefail

stack=${1:?usage: drift-issue.sh <stack> <preview outcome> <verify outcome>}
preview=${2:?preview outcome}
verify=${3:?verify outcome}
repo=${GITHUB_REPOSITORY:?GITHUB_REPOSITORY}
run=${RUN_URL:-the drift workflow}
title="Drift: stack $stack differs from main"
label=drift
dir=out/drift

# The open issue with exactly this title (search is fuzzy; the title match is not).
number=$(gh issue list --repo "$repo" --state open --label "$label" --search "\"$title\" in:title" \
  --json number,title --jq "map(select(.title == \"$title\")) | .[0].number // empty")

if [[ $preview == success && $verify == success ]]; then
  if [[ -n $number ]]; then
    gh issue close "$number" --repo "$repo" --comment "Stack $stack matches main again and passes verify ($run)."
  fi
  exit 0
fi

# An issue body holds at most 65536 characters: the end of the diff (its summary) and the whole report fit.
section() {
  local file=$1 limit=$2
  if [[ -s $file ]]; then
    local size
    size=$(wc -c <"$file")
    if ((size > limit)); then echo "(first $((size - limit)) bytes cut; the run's log has all of it)"; fi
    echo '```'
    tail -c "$limit" "$file"
    echo '```'
  else
    echo "(no output: the step did not run)"
  fi
}

body=$(mktemp)
{
  echo "Run: $run"
  echo
  echo "Stack \`$stack\` differs from main, or fails its post-deploy check. What to do: docs/runbook.md, \"Drift (the cluster no longer matches main)\"."
  echo
  echo "## \`pulumi preview --refresh --expect-no-changes\`: $preview"
  echo
  section "$dir/preview.txt" 45000
  echo
  echo "## \`npm run verify -- --stack $stack\`: $verify"
  echo
  section "$dir/verify.txt" 15000
} >"$body"

if [[ -n $number ]]; then
  gh issue edit "$number" --repo "$repo" --body-file "$body"
  gh issue comment "$number" --repo "$repo" --body "Still differing: preview $preview, verify $verify ($run). The description shows this run."
else
  gh label create "$label" --repo "$repo" --color B60205 --description "A stack differs from main or fails verify" --force
  gh issue create --repo "$repo" --title "$title" --label "$label" --body-file "$body"
fi
