"""Script commands on the physical port: #WSCRIPT, #RSCRIPT, #LSCRIPT, #DSCRIPT, #ESCRIPT, #STARTMODESCR,
#EXECSCR, #REBOOT; the port also answers AT and ATE (cmd_line.py, merged in commands.PHYSICAL_TABLE).
On MDM and MDM2 while a script runs (MDM_HANDLERS, merged in commands.MDM_TABLE): #LSCRIPT, #DSCRIPT and
#ESCRIPT, on the files the running script has now (`port.shared.files`, host/nvm.py LiveFiles).
Units: sizes in bytes, the start-mode timeout in seconds.
The ranges, formats and error replies chosen for each command are listed in the comment below.
"""

# Formats: `AT#WSCRIPT="<name>",<size>[,<hidden 0|1>]` -> CR LF `>>> `, <size> raw bytes, `OK` (ERROR
# for a name over 16 characters, size 0, or size above the free space counting the file it replaces);
# `AT#RSCRIPT="<name>"` -> CR LF `<<<` <content> CR LF `OK` (ERROR when absent or hidden);
# `AT#LSCRIPT` -> `#LSCRIPT: "<name>",<size>` per file (name order), `#LSCRIPT: free bytes: <n>`, OK;
# `AT#ESCRIPT?` -> `#ESCRIPT: "<name>"` (`""` when none); `AT#STARTMODESCR?` -> `#STARTMODESCR: <m>,<t>`
# (mode 0..2, t 10..60, default 10). #EXECSCR is ERROR when no script is selected or it is absent.
# On MDM/MDM2 the same formats for #LSCRIPT, #DSCRIPT (ERROR when absent) and #ESCRIPT (set and read). Telit's
# over-the-air sample sends `AT#ESCRIPT="<name>"` over MDM from a running script (sherpei/python
# GSM_GPRS/otaGE.py, a copy of Telit's sample); that #LSCRIPT and #DSCRIPT work there too is a guess. #WSCRIPT,
# #RSCRIPT, #EXECSCR and #STARTMODESCR are not answered on MDM (ERROR): a script writes files with open().

from __future__ import annotations

from typing import TYPE_CHECKING

from host.modem.parser import AtError
from host.modem.parser import Command
from host.modem.parser import int_arg
from host.modem.parser import opt_int
from host.modem.parser import split_args
from host.modem.parser import str_arg

if TYPE_CHECKING:
    from host.modem.atport import AtPort
    from host.modem.scripts import PhysicalPort
    from host.modem.scripts import ScriptFiles

MAX_NAME = 16  # characters in a script name, extension included


def _name(token: str) -> str:
    name = str_arg(token, MAX_NAME)
    if not name:
        raise AtError()
    return name


def _set_only(cmd: Command) -> list[str]:
    if cmd.op != "=":
        raise AtError()
    return split_args(cmd.args)


def wscript(port: PhysicalPort, cmd: Command) -> list[str] | None:
    tokens = _set_only(cmd)
    if not 2 <= len(tokens) <= 3:
        raise AtError()
    name = _name(tokens[0])
    size = int_arg(tokens[1], 1, 9_999_999)
    hidden = opt_int(tokens, 2, 0, 1, 0)
    store = port.store
    if size > store.free() + len(store.files.get(name, b"")):
        raise AtError()
    port.start_upload(name, size, bool(hidden))
    return None


def rscript(port: PhysicalPort, cmd: Command) -> list[str]:
    tokens = _set_only(cmd)
    name = _name(tokens[0])
    if len(tokens) != 1 or name not in port.store.files or name in port.store.hidden:
        raise AtError()
    port.emit(b"\r\n<<<" + port.store.files[name])
    return []


def lscript(port: PhysicalPort, cmd: Command) -> list[str]:
    if cmd.op:
        raise AtError()
    store = port.store
    lines = [f'#LSCRIPT: "{name}",{len(store.files[name])}' for name in sorted(store.files)]
    return [*lines, f"#LSCRIPT: free bytes: {store.free()}"]


def dscript(port: PhysicalPort, cmd: Command) -> list[str]:
    tokens = _set_only(cmd)
    name = _name(tokens[0])
    if len(tokens) != 1 or name not in port.store.files:
        raise AtError()
    del port.store.files[name]
    port.store.hidden.discard(name)
    return []


def escript(port: PhysicalPort, cmd: Command) -> list[str]:
    if cmd.op == "?":
        return [f'#ESCRIPT: "{port.store.startup_script or ""}"']
    tokens = _set_only(cmd)
    if len(tokens) != 1:
        raise AtError()
    port.store.startup_script = _name(tokens[0])
    return []


def startmodescr(port: PhysicalPort, cmd: Command) -> list[str]:
    if cmd.op == "?":
        mode, timeout = port.store.startmode
        return [f"#STARTMODESCR: {mode},{timeout}"]
    if cmd.op == "=?":
        return ["#STARTMODESCR: (0-2),(10-60)"]
    tokens = _set_only(cmd)
    if len(tokens) > 2:
        raise AtError()
    port.store.startmode = (int_arg(tokens[0], 0, 2), opt_int(tokens, 1, 10, 60, 10))
    return []


def execscr(port: PhysicalPort, cmd: Command) -> list[str]:
    script = port.store.startup_script
    if cmd.op or script is None or script not in port.store.files:
        raise AtError()
    port.later(port.on_exec)
    return []


def reboot(port: PhysicalPort, cmd: Command) -> list[str]:
    if cmd.op:
        raise AtError()
    port.later(port.on_reboot)
    return []


HANDLERS = {
    "#WSCRIPT": wscript,
    "#RSCRIPT": rscript,
    "#LSCRIPT": lscript,
    "#DSCRIPT": dscript,
    "#ESCRIPT": escript,
    "#STARTMODESCR": startmodescr,
    "#EXECSCR": execscr,
    "#REBOOT": reboot,
}


# --- on MDM and MDM2, while a script runs


def _files(port: AtPort) -> ScriptFiles:
    files = port.shared.files
    if files is None:
        raise AtError()
    return files


def mdm_lscript(port: AtPort, cmd: Command) -> list[str]:
    files = _files(port)
    if cmd.op:
        raise AtError()
    lines = [f'#LSCRIPT: "{name}",{size}' for name, size in files.listing().items()]
    return [*lines, f"#LSCRIPT: free bytes: {files.free()}"]


def mdm_dscript(port: AtPort, cmd: Command) -> list[str]:
    files = _files(port)
    tokens = _set_only(cmd)
    if len(tokens) != 1 or not files.delete(_name(tokens[0])):
        raise AtError()
    return []


def mdm_escript(port: AtPort, cmd: Command) -> list[str]:
    files = _files(port)
    if cmd.op == "?":
        return [f'#ESCRIPT: "{files.startup_script or ""}"']
    tokens = _set_only(cmd)
    if len(tokens) != 1:
        raise AtError()
    files.startup_script = _name(tokens[0])
    return []


MDM_HANDLERS = {
    "#LSCRIPT": mdm_lscript,
    "#DSCRIPT": mdm_dscript,
    "#ESCRIPT": mdm_escript,
}
