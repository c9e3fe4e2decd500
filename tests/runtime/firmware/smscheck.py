"""Firmware-side helper for the SMS parser tests: plain values the test can compare (Python 1.5 subset)."""

import cfgstore
import fsm_commands
import smscmd


def run(text):
    """(status, changes dict or error text, confirmation or None) for one SMS on default settings."""
    values = cfgstore.defaults(fsm_commands)
    r = smscmd.parse(text, values, fsm_commands)
    status = r[smscmd.P_STATUS]
    if status != smscmd.VALID:
        return (status, r[smscmd.P_ERROR], None)
    values.update(r[smscmd.P_CHANGES])
    return (status, r[smscmd.P_CHANGES], smscmd.confirmation(r[smscmd.P_COMMAND], values))
