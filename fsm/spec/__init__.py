"""Spec loading: strict YAML with locations, the schema, machine and command specs, argument types, the model."""

from fsm.spec.argtypes import ARG_TYPES
from fsm.spec.loader import Loaded
from fsm.spec.loader import parse_specs
from fsm.spec.model import CommandTable
from fsm.spec.model import Machine
from fsm.spec.model import SpecSet
from fsm.spec.rulebook import SPEC_RULES

__all__ = ["ARG_TYPES", "SPEC_RULES", "CommandTable", "Loaded", "Machine", "SpecSet", "parse_specs"]
