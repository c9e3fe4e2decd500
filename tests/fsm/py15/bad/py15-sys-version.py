# py15-sys-version: one violation, on the line marked '<- here'.
import sys

MAJOR = sys.version_info[0]  # <- here
