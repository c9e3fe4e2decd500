"""Outputs of the specs: firmware tables (jinja2 templates), DOT diagrams and their notation, Markdown tables,
rendering with Graphviz (`fsm.emit.render`), and the banner and write-if-changed they share."""

from fsm.emit.codegen import render_commands
from fsm.emit.codegen import render_machine
from fsm.emit.diagrams import expected_dot_files
from fsm.emit.output import banner
from fsm.emit.output import write_if_changed
from fsm.emit.tables import expected_tables

__all__ = ["banner", "expected_dot_files", "expected_tables", "render_commands", "render_machine", "write_if_changed"]
