"""A brownfield vty access list that does not permit the NOC, met over real SSH (issue 9):
the device closes the connection before any login is asked, and ``communet plan`` says so,
not "authentication failed … (wrong password?)". Then the console is the way in, and the
intended config's ACL (which replaces the old one on the line) lets the NOC's proof in."""

from __future__ import annotations

import re
from pathlib import Path

from tests.apply import corpus_run
from tests.lab.corpus import real_configs

NAME = "gun98--configs-sw1-2960"  # access-class 10 permits only host 10.10.30.10


def test_a_vty_acl_refusal_is_named_and_the_console_converges(tmp_path: Path) -> None:
    configs = [c for c in real_configs() if c.name == NAME]
    with corpus_run.corpus_lab(tmp_path, configs) as (lab, made):
        (planned,) = corpus_run._each(made, tmp_path, "plan")
        assert lab.server.acl_refusals >= 1
    error = re.sub(r"127\.\d+\.\d+\.\d+:\d+", "ADDR", planned["error"])
    assert error == (
        "real-01: ADDR closed the connection before the SSH login: the device refuses this "
        "station (a vty access list, IOS 'access-class' / VRP 'acl … inbound', that does not "
        "permit its address, or no free vty line)"
    )
    assert "wrong password" not in error
    (row,) = corpus_run.run(configs, tmp_path / "run")
    refusal = "SSH closed before login: access-class 10 permits only host 10.10.30.10"
    assert row.ssh_refusal == refusal
    assert row.outcome == "converges"
    assert row.converged
    assert row.answering_after
    assert row.cut_ports == ()
