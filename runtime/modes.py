# Guards on the configured mode, shared by the gateway and session machines.
#
# They read the settings `mode` and `maintain` (m.values, names from fsm/specs/commands.yaml) and change
# nothing. Python 1.5 subset.


def is_server(m, arg):
    return m.values['mode'] == 'server'


def is_client(m, arg):
    return m.values['mode'] == 'client'


def is_maintain(m, arg):
    return m.values['mode'] == 'client' and m.values['maintain'] == 'maintain'
