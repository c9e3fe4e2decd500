# py15-import-relative: one violation, on the line marked '<- here'.
from . import engine  # <- here
