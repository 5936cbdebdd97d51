"""One options schema: the CLI's click options, Ansible's argument_spec and the module docs
all come from communet.run_options, and agree on names, defaults and bounds."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import yaml

from communet import run_options
from communet.ansible_module_doc import module_source
from communet.ansible_task import ARGUMENT_SPEC, Request
from communet.run_options import SCHEMA, OptionError, argument_spec
from communet_cli.apply_cmd import apply, plan

REPO = Path(__file__).resolve().parents[1]
MODULE = REPO / "plugins" / "modules" / "config.py"


def test_the_module_file_is_generated_from_the_schema() -> None:
    assert MODULE.read_text("utf-8") == module_source(), (
        "regenerate: .venv/bin/python -m communet.ansible_module_doc > plugins/modules/config.py"
    )


def test_module_docs_and_argument_spec_agree() -> None:
    namespace: dict[str, object] = {}
    exec(compile(MODULE.read_text("utf-8"), str(MODULE), "exec"), namespace)  # noqa: S102
    spec = namespace["ARGUMENT_SPEC"]
    assert spec == argument_spec() == ARGUMENT_SPEC
    documented = yaml.safe_load(str(namespace["DOCUMENTATION"]))["options"]
    assert set(documented) == set(argument_spec())
    for name, entry in argument_spec().items():
        assert documented[name]["type"] == entry["type"], name
        assert documented[name].get("default") == entry.get("default"), name
        assert documented[name].get("choices") == entry.get("choices"), name
    assert argument_spec()["secrets"]["no_log"] is True


@pytest.mark.parametrize("command", [plan, apply], ids=["plan", "apply"])
def test_click_options_follow_the_schema(command: click.Command) -> None:
    params = {p.name: p for p in command.params if isinstance(p, click.Option)}
    for option in SCHEMA:
        if option.flag is None or (option.apply_only and command is plan):
            assert option.name not in params, option.name
            continue
        param = params[option.name]
        assert option.flag in param.opts, option.name
        assert (option.cli_help or option.help) == param.help, option.name
        if option.bounds and isinstance(param.type, click.IntRange):
            assert (param.type.min, param.type.max) == option.bounds, option.name
        if option.name in ("processes", "known_hosts"):
            continue  # the number of CPUs; never implicit on the command line
        if option.kind == "bool":  # --force turns force on, --no-save turns save off
            assert (param.default, param.flag_value) == (option.default, not option.default)
        elif option.cli_default is run_options.SAME and option.kind != "path":
            assert param.default == option.default, option.name


def request(**args: object) -> Request:
    given = {k: v.get("default") for k, v in argument_spec().items()} | args
    return Request("dinh-hai-sw1", given, "", check=False, diff=False)


def test_ansible_checks_the_bounds_the_cli_checks_naming_its_own_argument() -> None:
    assert request(trial_minutes=60).options().trial_minutes == 60
    with pytest.raises(OptionError) as caught:
        request(trial_minutes=0).options()
    assert str(caught.value) == "trial_minutes must be between 1 and 60 (got 0)"
    with pytest.raises(OptionError, match=r"^connect_timeout must be between 0\.5 and 300"):
        request(connect_timeout=0.0).options()


def test_every_option_names_itself_per_interface() -> None:
    trial = run_options.BY_NAME["trial_minutes"]
    assert (trial.named("cli"), trial.named("ansible")) == ("--trial-minutes", "trial_minutes")
    lab = run_options.BY_NAME["state_dir"]
    assert (lab.named("cli"), lab.named("ansible")) == ("--lab", "state_dir")
