# py15-import-paren: one violation, on the line marked '<- here'.
from MOD import (secCounter, sleep)  # <- here
