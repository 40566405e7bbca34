#!/usr/bin/env bash
# PrairieLearn runs this in the grading container once per submission: the question's info.json
# names it as the entrypoint. The student's upload is in /grade/student, the question's key in
# /grade/tests; the results go to /grade/results/results.json. PL_GRADE_ROOT is only for trying it elsewhere.
root="${PL_GRADE_ROOT:-/grade}"
mkdir -p "$root/results"
submission=$(find "$root/student" -maxdepth 1 -type f -name '*.toml' 2>/dev/null | sort | head -n 1)
tutor check "${submission:-$root/student/hw.toml}" --key "$root/tests/key.toml" \
    --format prairielearn > "$root/results/results.json"
status=$?
# 0 all right, 1 an answer wrong: "score" 0..1 and a test per answer; 2 the file cannot be graded:
# "gradable": false with the reason in "format_errors" (no points lost, no attempt used).
# (A bad key.toml is exit 2 with an empty results.json: PrairieLearn then reports the grading failed.)
[ "$status" -le 2 ] && exit 0 || exit "$status"
