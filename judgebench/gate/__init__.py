"""The CI regression gate: a run's metrics against a baseline's, within tolerances."""

from ._compare import Check, check_comparable, compare
from ._junit import junit_xml
from ._tolerances import DEFAULT, GateConfig, Tolerance, load_gate_config

__all__ = ["DEFAULT", "Check", "GateConfig", "Tolerance", "check_comparable", "compare", "junit_xml", "load_gate_config"]
