"""The certification pack (`python build.py cert`): evidence, sections, HTML and PDF in diagrams/cert/."""

from fsm.cert.pack import run
from fsm.cert.sections import Pack

__all__ = ["Pack", "run"]
