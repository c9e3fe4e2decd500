"""Inert SER2 for firmware unit tests of pure logic (parsing, storage); the simulator's emulation is used end to end."""

LOG = []


def send(text):
    LOG.append(text)
    return 1
