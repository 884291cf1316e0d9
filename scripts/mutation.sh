#!/usr/bin/env bash
# Mutation score of the rotation core and the adapter's token checks, with dotnet-stryker (the local tool in
# dotnet-tools.json), against tests/EscRotators.UnitTests.
#
#   scripts/mutation.sh [--area NAME]... [--timeout DURATION] [--out DIR] [--concurrency N] [--survivors]
#   scripts/mutation.sh --report DIR [--area NAME]... [--survivors]   (summarise an earlier run again)
#
# Areas (default: all of them):
#   validation   shared/Core/Rotation/RequestValidator.cs (every form's checks into the typed request)
#   rotation     shared/Core/Rotation, but the validator (dispatch, alternation, passwords, budget, the rotation)
#   logging      shared/Core/Logging (the redactor, the printable echo, the log sink)
#   jwt          shared/Adapter/Jwt (the adapter's token checks and the replay cache)
# Only those files are mutated, and only the unit tests that exercise them run (a test-case filter on their
# namespaces); Stryker then runs, for each mutant, just the tests that cover it. Stryker mutates one project per
# run, so the Core areas and the Adapter area run one after the other (reports under DIR/<project>/).
#
# --area NAME         mutate this area (repeatable)
# --timeout DURATION  bound on the Stryker run, as for timeout(1) (default 60m); exit status 124 when hit
# --out DIR           where Stryker writes (default <repo>/.run/mutation/<UTC time>); the HTML and JSON
#                     reports are DIR/<project>/reports/mutation-report.{html,json}, the log DIR/<project>/stryker.log
#                     (one character per tested mutant as it goes: . killed, S survived, T timeout)
# --concurrency N     Stryker test sessions in parallel (default 1: the machine has 2 cores and other work)
# --survivors         also print every surviving and uncovered mutant (file:line, mutator, replacement)
# --report DIR        do not run Stryker: summarise DIR/*/reports/mutation-report.json of an earlier run
#
# Prints one line per area: killed, survived, timeout, no coverage, compile errors, and the score
# (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it; the survivors are
# always written to DIR/survivors.txt. Not part of CI (scripts/test.sh): a full run takes tens of minutes on
# 2 cores. It builds tests/EscRotators.UnitTests in Release; do not run the unit tests at the same time.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ESC_LOG_TAG="mutation" # used by lib/common.sh
# shellcheck source-path=SCRIPTDIR source=lib/common.sh disable=SC2034
. "$SCRIPT_DIR/lib/common.sh"

# area -> the project it lives in, the Stryker globs it mutates (relative to that project), the path (from the
# repository) that tells its files in the report, and the unit test namespaces that exercise it.
declare -A PROJECT=(
    [validation]=Core [logging]=Core [rotation]=Core [jwt]=Adapter
)
declare -A GLOBS=(
    [validation]="Rotation/RequestValidator.cs"
    [rotation]="Rotation/**/*.cs !Rotation/RequestValidator.cs"
    [logging]="Logging/**/*.cs"
    [jwt]="Jwt/**/*.cs"
)
declare -A FOLDER=(
    [validation]=shared/Core/Rotation/RequestValidator.cs [rotation]=shared/Core/Rotation/
    [logging]=shared/Core/Logging/ [jwt]=shared/Adapter/Jwt/
)
declare -A TESTS=(
    [validation]="Validation Rotation Protocol Fuzzing Adapter Composition"
    [logging]="Redaction Logging Rotation"
    [rotation]="Rotation Passwords Planning Adapter"
    [jwt]="Adapter"
)
ALL_AREAS=(validation logging rotation jwt)

AREAS=()
TIME_LIMIT=60m
OUT=""
CONCURRENCY=1
SHOW_SURVIVORS=0
REPORT_ONLY=0
while (($# > 0)); do
    case $1 in
        --area) AREAS+=("${2-}"); shift 2 || shift ;;
        --area=*) AREAS+=("${1#*=}"); shift ;;
        --timeout) TIME_LIMIT=${2-}; shift 2 || shift ;;
        --timeout=*) TIME_LIMIT=${1#*=}; shift ;;
        --out) OUT=${2-}; shift 2 || shift ;;
        --out=*) OUT=${1#*=}; shift ;;
        --concurrency) CONCURRENCY=${2-}; shift 2 || shift ;;
        --concurrency=*) CONCURRENCY=${1#*=}; shift ;;
        --survivors) SHOW_SURVIVORS=1; shift ;;
        --report) OUT=${2-}; REPORT_ONLY=1; shift 2 || shift ;;
        --report=*) OUT=${1#*=}; REPORT_ONLY=1; shift ;;
        -h | --help) sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) esc_die "unknown argument $1 (see --help)" ;;
    esac
done
((${#AREAS[@]} > 0)) || AREAS=("${ALL_AREAS[@]}")
for area in "${AREAS[@]}"; do
    [[ -n ${FOLDER[$area]+x} ]] || esc_die "unknown area '$area' (one of: ${ALL_AREAS[*]})"
done
[[ $CONCURRENCY =~ ^[1-9][0-9]?$ ]] || esc_die "--concurrency takes 1..99"
[[ $TIME_LIMIT =~ ^[1-9][0-9]*[smh]?$ ]] || esc_die "--timeout takes a duration such as 90m or 2h"

command -v python3 >/dev/null || esc_apt_install python3
if ((REPORT_ONLY == 0)); then
    command -v dotnet >/dev/null || esc_die "dotnet (the .NET 10 SDK) is required"
    OUT=${OUT:-$REPO_DIR/.run/mutation/$(date -u +%Y%m%dT%H%M%SZ)}
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)

    (cd "$REPO_DIR" && dotnet tool restore >"$OUT/tool-restore.log" 2>&1) ||
        { cat "$OUT/tool-restore.log" >&2; esc_die "dotnet tool restore failed (dotnet-stryker, dotnet-tools.json)"; }

    for project in Core Adapter; do
        MUTATE=()
        declare -A NAMESPACES=()
        for area in "${AREAS[@]}"; do
            [[ ${PROJECT[$area]} == "$project" ]] || continue
            for glob in ${GLOBS[$area]}; do
                if [[ $glob == '!'* ]]; then MUTATE+=(--mutate "!**/${glob#!}"); else MUTATE+=(--mutate "**/$glob"); fi
            done
            for ns in ${TESTS[$area]}; do NAMESPACES[$ns]=1; done
        done
        ((${#MUTATE[@]} > 0)) || continue
        FILTER=""
        for ns in "${!NAMESPACES[@]}"; do
            FILTER+="${FILTER:+|}FullyQualifiedName~EscRotators.UnitTests.$ns."
        done
        unset NAMESPACES

        mkdir -p "$OUT/$project"
        esc_log "mutating ${AREAS[*]} in EscRotators.$project (concurrency $CONCURRENCY, at most $TIME_LIMIT); output $OUT/$project"
        START=$(esc_now)
        status=0
        (cd "$REPO_DIR/tests/EscRotators.UnitTests" &&
            timeout --kill-after=1m "$TIME_LIMIT" dotnet stryker \
                --project "EscRotators.$project.csproj" --configuration Release \
                --concurrency "$CONCURRENCY" --skip-version-check \
                "${MUTATE[@]}" --test-case-filter "$FILTER" \
                --reporter Json --reporter Html --reporter ClearText --reporter Dots \
                --output "$OUT/$project") >"$OUT/$project/stryker.log" 2>&1 || status=$?
        if ((status == 124)); then
            esc_warn "Stryker did not finish within $TIME_LIMIT (log: $OUT/$project/stryker.log)"
            exit 124
        elif ((status != 0)); then
            tail -n 30 "$OUT/$project/stryker.log" >&2
            esc_die "Stryker failed with status $status (log: $OUT/$project/stryker.log)"
        fi
        esc_log "Stryker finished EscRotators.$project in $(esc_elapsed "$START") s"
    done
fi

REPORTS=()
for project in Core Adapter; do
    for area in "${AREAS[@]}"; do
        if [[ ${PROJECT[$area]} == "$project" ]]; then
            report=$OUT/$project/reports/mutation-report.json
            [[ -f $report ]] || esc_die "no report at $report (log: $OUT/$project/stryker.log)"
            REPORTS+=("$report")
            break
        fi
    done
done
area_args=()
# validation before rotation: the validator's file lies in the rotation folder, and the first match wins.
for area in validation rotation logging jwt; do
    for chosen in "${AREAS[@]}"; do [[ $chosen == "$area" ]] && area_args+=("$area=${FOLDER[$area]}"); done
done
python3 - "$(IFS=:; echo "${REPORTS[*]}")" "$OUT/survivors.txt" "$SHOW_SURVIVORS" "${area_args[@]}" <<'PY'
import json, sys

reports, survivors_path, show = sys.argv[1].split(":"), sys.argv[2], sys.argv[3] == "1"
areas = [arg.split("=", 1) for arg in sys.argv[4:]]
counted = {"Killed": "killed", "Survived": "survived", "Timeout": "timeout",
           "NoCoverage": "nocoverage", "CompileError": "compile"}
totals = {name: dict.fromkeys(counted.values(), 0) for name, _ in areas}
survivors = []
files = {}
for report in reports:
    with open(report, encoding="utf-8") as f:
        files.update(json.load(f)["files"])
for path, entry in sorted(files.items()):
    normal = path.replace("\\", "/")
    area = next((name for name, folder in areas if "/" + folder in "/" + normal), None)
    if area is None:
        continue
    relative = normal[normal.rfind("shared/"):]
    for mutant in entry["mutants"]:
        key = counted.get(mutant["status"])
        if key is None:
            continue
        totals[area][key] += 1
        if key in ("survived", "nocoverage"):
            line = mutant["location"]["start"]["line"]
            replacement = " ".join(mutant.get("replacement", "").split())[:80]
            survivors.append(f'{relative}:{line}\t{mutant["status"]}\t{mutant["mutatorName"]}\t{replacement}')

def score(t):
    valid = t["killed"] + t["timeout"] + t["survived"] + t["nocoverage"]
    return "n/a" if valid == 0 else f'{100.0 * (t["killed"] + t["timeout"]) / valid:.1f}%'

print(f'{"area":<12} {"killed":>6} {"survived":>8} {"timeout":>7} {"no cov":>6} {"compile":>7} {"score":>7}')
overall = dict.fromkeys(counted.values(), 0)
for name, _ in areas:
    t = totals[name]
    for k in overall:
        overall[k] += t[k]
    print(f'{name:<12} {t["killed"]:>6} {t["survived"]:>8} {t["timeout"]:>7} {t["nocoverage"]:>6} {t["compile"]:>7} {score(t):>7}')
t = overall
print(f'{"total":<12} {t["killed"]:>6} {t["survived"]:>8} {t["timeout"]:>7} {t["nocoverage"]:>6} {t["compile"]:>7} {score(t):>7}')
with open(survivors_path, "w", encoding="utf-8") as f:
    f.write("".join(s + "\n" for s in survivors))
if show and survivors:
    print()
    print("\n".join(survivors))
PY
esc_log "reports: $OUT/<project>/reports/mutation-report.html; survivors: $OUT/survivors.txt"
