# py15-future-import: one violation, on the line marked '<- here'.
from __future__ import division  # <- here
