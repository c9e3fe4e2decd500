"""The emulated Telit module on the PC: AT interpreter, GSM/GPRS network, real TCP sockets, SMS store,
CSD dial-in and the script file system. See README.md for what is emulated and the formats used."""

from host.modem.atport import AtPort
from host.modem.csd import CsdCall
from host.modem.faults import Faults
from host.modem.modem import Modem
from host.modem.network import Network
from host.modem.scripts import PhysicalPort
from host.modem.scripts import ScriptStore

__all__ = ["AtPort", "CsdCall", "Faults", "Modem", "Network", "PhysicalPort", "ScriptStore"]
