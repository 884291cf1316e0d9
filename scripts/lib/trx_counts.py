#!/usr/bin/env python3
"""Sums the outcome counters of Visual Studio test result (.trx) files.

    trx_counts.py FILE.trx...

Prints one line "PASSED FAILED SKIPPED" (failed includes error, timeout and
aborted results) and then the name of every failed test, one per line,
prefixed with "failed: ". Exits 2 if a file is not a readable .trx (the caller
counts that as a failure, never as zero tests).
"""
import sys
import xml.etree.ElementTree as ElementTree

# The vstest logger writes every element in this namespace.
NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
FAILED_COUNTERS = ("failed", "error", "timeout", "aborted")
FAILED_OUTCOMES = {"Failed", "Error", "Timeout", "Aborted"}


def counters(root):
    element = root.find("t:ResultSummary/t:Counters", NS)
    if element is None:
        raise ValueError("no ResultSummary/Counters element")
    return {name: int(value) for name, value in element.attrib.items() if value.isdigit()}


def main(paths):
    passed = failed = skipped = 0
    failed_names = []
    for path in paths:
        try:
            root = ElementTree.parse(path).getroot()
            c = counters(root)
        except (OSError, ElementTree.ParseError, ValueError) as e:
            print(f"{path}: not a readable .trx: {e}", file=sys.stderr)
            return 2
        passed += c.get("passed", 0)
        failed += sum(c.get(name, 0) for name in FAILED_COUNTERS)
        skipped += max(0, c.get("total", 0) - c.get("executed", 0))
        for result in root.iterfind("t:Results/t:UnitTestResult", NS):
            if result.get("outcome") in FAILED_OUTCOMES:
                failed_names.append(result.get("testName", "?"))
    print(passed, failed, skipped)
    for name in failed_names:
        print("failed:", name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
