"""Sessions raise only the project's SessionError tree, whatever the misuse or the input
(the engine catches every exception anyway, but a caller of the session layer may rely on
the protocol's promise)."""

from __future__ import annotations

import pytest

from communet.lab import Lab
from communet.session import CommandRejectedError, SessionError

from .conftest import connect, device

LAB_DEVICES = [device("err-ios1", "cisco_ios")]


def test_calls_out_of_order_raise_session_errors(lab: Lab) -> None:
    session = connect(lab, "err-ios1")
    try:
        with pytest.raises(SessionError) as outside:
            session.push(["ntp server 10.0.0.1"])
        assert str(outside.value) == "err-ios1: push() needs begin() first"
        session.begin(1)
        with pytest.raises(SessionError) as inside:
            session.fetch_running()
        assert str(inside.value) == "err-ios1: fetch_running() inside a change: call end() first"
        with pytest.raises(CommandRejectedError) as control:
            session.push(["ntp server 10.0.0.1\rreload"])
        assert control.value.reason == (
            "a configuration line contains a control character; nothing was sent"
        )
        session.abort()
    finally:
        session.close()
