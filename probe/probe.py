# The module probe's entry script (host/README.md "The module probe"). `build.py probe` uploads it with
# probecode.py, selects it with AT#ESCRIPT and runs it with AT#EXECSCR. The work is in probecode, which the
# module imports and compiles like the firmware's modules, so its timed loops run as compiled code does.

import probecode

probecode.main()
