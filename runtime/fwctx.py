# The firmware context shared by every callback (m.ctx), and the two concerns it holds apart: the serial
# buffer towards the device (SerialBuffer: pending bytes, CTS, drops) and the SMS round (SmsRound).
#
# Serial bytes waiting for a connection are bounded: CTS towards the device drops when the buffer nears
# full and rises when it drains; what still does not fit is counted in `dropped` and reported by `config`.
# SerialBuffer is the one place that drives CTS and DCD (the data pump asks it too). Both live in this
# module, not in modules of their own: every firmware file costs the module a compile and flash.

import SER
import SER2

import fwclock
import lines
import smsguard

PENDING_MAX = 16384   # bytes of serial data held while a client connection is set up
PENDING_HIGH = 8192   # CTS off at or above this: leaves room for what SER already holds (4096)
PENDING_LOW = 4096    # CTS on again below this


class Ctx:
    # What the callbacks of the five machines share (m.ctx), by concern: the AT drivers, the settings
    # (`values`, `store`, `table`) and the machines `gw`, `sess`, `sms`, `watch` (set by gwloop); the
    # network (`local_ip`, `peer`, `listening`); the boot and registration (`attempts`, `since_s`); the
    # dials (`dial_attempts`, `online_since`, `dial_for`); the serial buffer `serial`; the SMS round
    # `sms_round`.

    def __init__(self, at, store, table, values):
        self.at = at
        self.at2 = None           # the AT driver on MDM2 (the second AT instance), None when it did not answer at boot
        self.store = store
        self.table = table        # generated command table (fsm_commands)
        self.values = values      # settings by name, plus backoff_s for the session machine
        self.gw = None            # the machines, set by main
        self.sess = None
        self.sms = None
        self.watch = None
        self.trial = None         # the trial machine (gwloop) and its record (trialact.Record)
        self.trial_rec = None
        self.upd = None           # the update machine (gwloop) and the update under way (updact.Job)
        self.update = None
        self.local_ip = ''        # from +IP: when the GPRS context came up; '' while it is down
        self.peer = ''            # address of the last +CONN FROM:
        self.listening = 0        # local port of the #SKTL listener, 0 when none
        self.attempts = 0         # boot attempts in a row
        self.since_s = 0          # when registration started
        self.dial_attempts = 0    # dials in a row that failed, are under way, or (maintain) gave a short call
        self.online_since = 0     # when the current (or last) call came up
        self.dial_for = 0         # pending bytes when the last dial started: what a give-up drops
        self.on_backup = 0        # 1 while the dials go to the backup server (sessact.switch_server)
        self.server_fails = 0     # failed dials in a row to the server the dials go to (server or backup)
        self.serial = SerialBuffer(values)
        self.sms_round = SmsRound()
        self.led = lines.Led()    # the module's status LED as last set (runtime/lines.py)
        # What `status` reports since the start (runtime/opstatus.py). Bytes are added by the data pump, one
        # addition per piece sent, and folded into whole KiB (fold_traffic) so no counter nears 2**31.
        self.calls = 0            # connections made
        self.drops = 0            # connections that ended
        self.bytes_up = 0         # bytes sent to the peer, not yet folded into kib_up
        self.bytes_down = 0       # bytes of the peer's sent to the device, not yet folded into kib_down
        self.kib_up = 0
        self.kib_down = 0
        self.last_error = ''      # the last failure noted (note_error), '' for none
        self.error_s = 0          # ... when (fwclock seconds)

    def trace(self, text):
        SER2.send(text + '\r\n')

    def note_error(self, text):
        # A failure `status` reports as the last error (a few words: 'gprs refused').
        self.last_error = text
        self.error_s = fwclock.now()

    def fold_traffic(self):
        # Moves whole KiB of the byte counters into the KiB counters (the pump calls it every KICK_S while
        # data moves, so the byte counters stay far below 2**31 on a 32-bit 1.5.2).
        q, r = divmod(self.bytes_up, 1024)
        self.kib_up = self.kib_up + q
        self.bytes_up = r
        q, r = divmod(self.bytes_down, 1024)
        self.kib_down = self.kib_down + q
        self.bytes_down = r

    def side_at(self):
        # The AT driver for a command that must go out whatever MDM is doing: MDM's while no call is up,
        # MDM2's during a call (None when the module has no MDM2: the command waits for the call's end).
        if self.at.in_call():
            return self.at2
        return self.at


class SerialBuffer:
    # Serial bytes from the device waiting for a connection (`pending`), the CTS line towards the
    # device as last driven (`cts`), and the bytes given up (`dropped`). The settings are shared with Ctx
    # (the same dict): whether bytes are kept depends on the mode.

    def __init__(self, values):
        self.values = values
        self.pending = ''         # serial bytes waiting for the connection
        self.cts = 1              # CTS as last driven towards the device
        self.dcd = -1             # DCD as last driven towards the device; -1: not yet (the module's level unknown)
        self.dropped = 0          # serial bytes dropped: buffer full, dial given up, no connection, link stalled

    def set_cts(self, on):
        # Drives CTS towards the device (only when it changes: each SER call is a built-in call).
        if self.cts != on:
            SER.setCTS(on)
            self.cts = on

    def set_dcd(self, on):
        # Drives DCD towards the device (only when it changes: each SER call is a built-in call). The first
        # call always goes out: what the module drives before the script does is not documented.
        if self.dcd != on:
            SER.setDCD(on)
            self.dcd = on

    def collect(self):
        # Moves serial bytes into `pending` (bounded, CTS flow control); returns 1 if any came.
        d = SER.read()
        if len(d) == 0:
            return 0
        self._add(d)
        return 1

    def _add(self, d):
        room = PENDING_MAX - len(self.pending)
        if len(d) > room:
            self.dropped = self.dropped + len(d) - room
            d = d[:room]
        self.pending = self.pending + d
        if self.cts and len(self.pending) >= PENDING_HIGH:
            self.set_cts(0)

    def keep(self, d):
        # Serial bytes the data pump read but could not send because the call had ended: kept for
        # the next connection in client modes, else counted as dropped.
        if len(d) == 0:
            return
        if self.values['mode'] == 'client':
            self._add(d)
        else:
            self.dropped = self.dropped + len(d)

    def poll(self):
        # Client modes keep serial bytes for the connection (returns 1 if new ones came); otherwise
        # there is nowhere to send them and they are counted as dropped. Also run during AT waits.
        if self.values['mode'] == 'client':
            return self.collect()
        self.discard()
        return 0

    def put_back(self, d):
        # Serial bytes the data pump read but had not sent when it handed the main loop an SMS round: they
        # go first when it resumes (CTS as for any bytes kept).
        self.pending = d + self.pending
        if self.cts and len(self.pending) >= PENDING_HIGH:
            self.set_cts(0)

    def take_pending(self):
        d = self.pending
        self.pending = ''
        self.set_cts(1)
        return d

    def drop_pending(self, n):
        # The first `n` pending bytes are given up (counted as dropped); the rest stay.
        if n > len(self.pending):
            n = len(self.pending)
        self.dropped = self.dropped + n
        rest = self.pending[n:]
        self.take_pending()
        if len(rest) > 0:
            self._add(rest)

    def discard(self):
        # No connection to send to (server idle, no mode): serial bytes are counted as dropped.
        d = SER.read()
        self.dropped = self.dropped + len(d)


class SmsRound:
    # The SMS machine's working state: a round due (`waiting`, `started_s`), the message being handled
    # and what came of it, and what outlives a round (messages whose delete failed, the sender lockout).

    def __init__(self):
        self.waiting = 0          # a +CMTI came: a round of SMS reading is due
        self.started_s = -9       # when the last +CMTI round started (fwclock seconds)
        self.changed = 0          # an SMS changed the settings; the mode restarts after the replies
        self.msg = None           # the SMS being handled: (index, sender, text), read by smsio.MSG_*
        self.parsed = None        # its parse result, read by smscmd.P_*
        self.handled = []         # SIM indexes handled in this round (a failed delete is not redone)
        self.listed = []          # the round's last SIM listing, less the messages taken from it
        self.stuck = []           # messages handled whose delete failed: never handled again
        self.replies = []         # texts to send to the sender
        self.replied = 1          # every reply to the message went (else it is not deleted in a call)
        self.held_msg = None      # the message whose replies a call kept from going, sent after the call
        self.held_replies = []    # ... and those replies
        self.deferred = {}        # settings changed by SMS during a call (persisted), in force when it ends
        self.deferred_trial = None  # ... the last of them that goes on trial (gprs, mode): (command row, sender)
        self.drop = 0             # a `drop` was answered: the call ends after the round
        self.reboot = 0           # a `reboot` was answered: the module reboots after the round
        self.update = None        # an `update` to start once no call is up: (url, sender)
        self.guard = smsguard.Guard()  # senders locked out after wrong passwords
