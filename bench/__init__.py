"""Benchmarks: `make bench` (all areas) or `make bench AREA=foundation`. Not part of `make test`.

Each area is a module with a `run()` that reports its figures through bench.common.report.
"""

# area name -> module (each later issue appends its own area)
AREAS: dict[str, str] = {
    "foundation": "bench.foundation",
    "courses": "bench.courses",
    "gradebook": "bench.gradebook",
    "assessments": "bench.assessments",
    "dashboards": "bench.dashboards",
    "compliance": "bench.compliance",
    "certificates": "bench.certificates",
    "scorm": "bench.scorm",
    "xapi": "bench.xapi",
}
