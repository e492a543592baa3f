"""JUnit XML for CI systems: one test case per gate check."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from ._compare import Check


def junit_xml(checks: list[Check]) -> str:
    failures = [c for c in checks if not c.passed]
    suite = ET.Element("testsuite", name="judgebench.check", tests=str(len(checks)),
                       failures=str(len(failures)), errors="0")
    for c in checks:
        case = ET.SubElement(suite, "testcase", classname=f"judgebench.{c.model}.{c.scope}", name=c.metric)
        if not c.passed:
            msg = (f"{c.metric} ({c.scope}) moved from {c.baseline} to {c.current}, "
                   f"allowed {c.allowed}{'; ' + c.note if c.note else ''}")
            ET.SubElement(case, "failure", message=msg, type="regression").text = msg
    return ET.tostring(ET.ElementTree(suite).getroot(), encoding="unicode", xml_declaration=True) + "\n"
