"""The AT driver against modem output split and merged anywhere, as MDM.receive hands it over."""

from __future__ import annotations

from fsm.interpreters import Interpreter
from tests.runtime.fwunit import evaluate

ANSWER_AND_CALL = "\r\nOK\r\n\r\n+CONN FROM: 1.2.3.4\r\nCONNECT\r\nhello"


def _run(python: Interpreter, *expressions: str) -> list:
    return evaluate(python, ["chunkmdm"], list(expressions))


def test_a_call_that_comes_with_the_final_ok_is_routed_and_its_first_bytes_kept(firmware_python: Interpreter) -> None:
    """`...OK CR LF CR LF +CONN FROM: ... CONNECT CR LF hello` in one chunk: the call is routed, not lost to a
    timeout."""
    got = _run(firmware_python, f"chunkmdm.command([{ANSWER_AND_CALL!r}], 'AT#SKTL=1,0,1024,0')")[0]
    assert got == ("OK", [], ["+CONN FROM: 1.2.3.4", "CONNECT"], "hello", 1)


def test_the_same_answer_cut_anywhere_gives_the_same_outcome(firmware_python: Interpreter) -> None:
    outcomes = _run(firmware_python, f"chunkmdm.every_cut({ANSWER_AND_CALL!r}, 0, 'AT#SKTL=1,0,1024,0')")[0]
    assert outcomes == [("OK", [], ["+CONN FROM: 1.2.3.4", "CONNECT"], "hello", 1)]


def test_no_command_goes_out_while_the_modem_is_in_data_mode(firmware_python: Interpreter) -> None:
    result, sent, urcs = _run(firmware_python,
                              f"chunkmdm.then_command([{ANSWER_AND_CALL!r}], 'AT#SKTL=1,0,1024,0', 'AT+CMGL')")[0]
    assert result == ""
    assert sent == ["AT#SKTL=1,0,1024,0\r"], "the second command would have gone to the peer"
    assert urcs == ["+CONN FROM: 1.2.3.4", "CONNECT"]


def test_a_call_nobody_takes_is_abandoned_and_commands_go_out_again(firmware_python: Interpreter) -> None:
    """The session closed with a call's CONNECT still held by the driver (it refused every command since): the
    abandoned call leaves no data, no CONNECT to route, and the next command is sent."""
    result, sent, urcs, data = _run(firmware_python, f"chunkmdm.abandoned_then_command([{ANSWER_AND_CALL!r}], "
                                                     "'AT#SKTL=1,0,1024,0', 'ATH')")[0]
    assert (result, sent, urcs, data) == ("OK", ["AT#SKTL=1,0,1024,0\r", "ATH\r"], [], "")


def test_urcs_after_a_final_result_are_routed_not_dropped(firmware_python: Interpreter) -> None:
    got = _run(firmware_python, "chunkmdm.command(['\\r\\n#GPRS: 1\\r\\n\\r\\nOK\\r\\n\\r\\n"
                                "+CMTI: \"SM\",3\\r\\n\\r\\nRI', 'NG\\r\\n'], 'AT#GPRS?')")[0]
    assert got == ("OK", ["#GPRS: 1"], ['+CMTI: "SM",3', "RING"], "", 0)


def test_a_dial_keeps_what_follows_its_connect_as_data(firmware_python: Interpreter) -> None:
    got = _run(firmware_python,
               "chunkmdm.command(['\\r\\nCONN', 'ECT\\r\\n\\r\\nNO CARRIER\\r\\nOK'], 'AT#SKTD=0,1,\"x\"', 1)")[0]
    assert got == ("CONNECT", [], [], "\r\nNO CARRIER\r\nOK", 1), "data-mode bytes are the peer's, whatever they say"


def test_an_sms_listing_cut_anywhere_with_a_urc_after_its_ok(firmware_python: Interpreter) -> None:
    body = "connect config\r\nOK\r\n"
    text = (f'\r\n+CMGL: 2,"REC UNREAD","+4477","","24/11/25,10:00:00+00",145,{len(body)}\r\n{body}\r\n'
            '\r\nOK\r\n\r\n+CMTI: "SM",5\r\n')
    exprs = [f"chunkmdm.listing(chunkmdm.cut({text!r}, [{i}]))" for i in range(1, len(text))]
    outcomes = {repr(x) for x in _run(firmware_python, *exprs)}
    assert outcomes == {repr(([(2, "+4477", body)], ['+CMTI: "SM",5']))}


def test_a_call_accepted_as_the_sms_listing_was_asked_for_is_taken_cut_anywhere(firmware_python: Interpreter) -> None:
    """Found by the deafness test at --sim-seed 149351276: a client connected as `AT+CMGL` went out, and
    the modem's `+CONN FROM:`, `CONNECT` and the call's bytes came before the listing's answer. The listing
    reader passed `CONNECT` on as an unknown line: the call was lost, the driver waited for its CONNECT
    forever, and no command (nor any SMS) went out again."""
    text = "\r\n+CONN FROM: 1.2.3.4\r\n\r\nCONNECT\r\nB0;\r\nNO CARRIER\r\n\r\nOK\r\n"
    exprs = [f"chunkmdm.listing_then_state(chunkmdm.cut({text!r}, [{i}]))" for i in range(1, len(text))]
    outcomes = {repr(x) for x in _run(firmware_python, *exprs)}
    assert outcomes == {repr(([], ["+CONN FROM: 1.2.3.4", "CONNECT"], "B0;\r\nNO CARRIER\r\n\r\nOK\r\n", 1))}
