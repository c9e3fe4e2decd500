"""Firmware-side helper for the SMS parser tests: plain values the test can compare (Python 1.5 subset)."""

import cfgstore
import fsm_commands
import smscmd


def run(text):
    """(status, changes dict or error text, confirmation or None) for one SMS on default settings."""
    values = cfgstore.defaults(fsm_commands)
    r = smscmd.parse(text, values, fsm_commands)
    if r[0] != smscmd.VALID:
        return (r[0], r[1], None)
    values.update(r[2])
    return (r[0], r[2], smscmd.confirmation(r[1], values))
