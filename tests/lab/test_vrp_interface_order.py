"""VRP prints an interface's commands in a fixed order, which differs by release: the real
S2700-52P (V100, iyifanx--vrpcfg-s2700-52p, sourced) prints ``bpdu enable`` before ``ntdp
enable`` and ``ndp enable``, the S5700 V200R005 of the corpus after them. A line typed again
(a rollback) lands where the loaded config printed it (issue 9: a drop in the VRP5 rollback
test left the S2700 "as before" with its lines in another order)."""

from __future__ import annotations

from tests.lab.test_vty_acl_replaced import _loaded


def test_a_line_typed_again_lands_where_the_loaded_config_printed_it() -> None:
    _, con = _loaded("iyifanx--vrpcfg-s2700-52p")
    con.run("screen-length 0 temporary", "system-view", "interface GigabitEthernet0/0/1")
    before = con.send("display this")
    assert "port default vlan 1\n bpdu enable\n ntdp enable\n ndp enable\n" in before
    con.send("undo bpdu enable")
    assert "bpdu enable" not in con.send("display this")
    con.send("bpdu enable")
    assert con.send("display this") == before
