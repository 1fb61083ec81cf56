"""Compute the course's costly reference answers and write data/course_solutions.json.

Run from the repository root:  python data/make_course_solutions.py
Each entry holds the answer and the sha256 of the files it was computed from
(scalingviz.course.inputs_digest); scalingviz.course.solution uses an entry only while those files are
unchanged, and tests/test_luo2025.py (slow, the 100M fit protocol) compares 09b with its own fit. Today: 09b, the
Multi-Power Law fitted to the 100M model's three curves (Luo et al. 2025, shipped under MIT in
data/multipower_luo2025), predicting the last logged loss of cosine_72000 (about 40 s).
"""

from __future__ import annotations

import json
from pathlib import Path

from scalingviz import course

OUT = Path(__file__).resolve().parent / course.SOLUTIONS_FILE


def main() -> None:
    out = {}
    for exercise in course._INPUTS:
        out[exercise] = {"value": course.solution(exercise, recompute=True),
                         "inputs_sha256": course.inputs_digest(exercise),
                         "made_by": "python data/make_course_solutions.py"}
        print(exercise, out[exercise]["value"])
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
