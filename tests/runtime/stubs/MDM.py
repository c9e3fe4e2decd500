"""Inert MDM for firmware unit tests of pure logic (parsing, storage); the simulator's emulation is used end to end."""
