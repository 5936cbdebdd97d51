"""VRP's record of a deleted factory user on a real config (huangxuxiao's eNSP S5700 shows
``undo local-user admin`` in its ``aaa`` view): a bare ``local-user admin`` is incomplete, and
creating the user again takes the record away (issue 9)."""

from __future__ import annotations

from tests.lab.test_vty_acl_replaced import _loaded


def test_creating_the_user_takes_undo_local_user_away() -> None:
    _, con = _loaded("huangxuxiao--agg-sw1-s5700")
    con.run("screen-length 0 temporary", "system-view", "aaa")
    assert con.send("local-user admin").endswith(
        "Error: Incomplete command found at '^' position.\n[Agg_SW_1-aaa]"
    )
    assert " undo local-user admin" in con.send("display this")
    con.send("local-user admin password irreversible-cipher lab")
    shown = con.send("display this")
    assert " undo local-user admin" not in shown
    assert " local-user admin password irreversible-cipher " in shown
