# py15-import-module: one violation, on the line marked '<- here'.
import time  # <- here
