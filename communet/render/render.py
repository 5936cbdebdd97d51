"""Render intended device configs: pure, offline, fast.

Every inventory string reaches a template as a context value, never as template source, so
``{{ lookup('pipe','id') }}`` in a commune name is printed, not evaluated. Free text goes
through the platform's text rules (ASCII fold, forbidden characters, quoting); the result is
checked line by line for control characters before it is returned.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from communet.inventory.loader import LoadedInventory
from communet.inventory.model import Role
from communet.inventory.resolve import ProvincePlan, ResolvedDevice
from communet.names import ascii_fold
from communet.platforms import PLATFORMS, PlatformSpec, TextRules, xapi
from communet.render.context import (
    LazySecrets,
    PlanIndex,
    RenderError,
    RenderOptions,
    access_switch_context,
    aggregation_context,
    ce_context,
    codec_context,
    common_context,
)
from communet.secrets import PlaceholderResolver, Secret, SecretResolver, mask_secrets

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent / "templates"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_BAD_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class RenderedBlock:
    """What one template produced."""

    template: str
    lines: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True)
class RenderedConfig:
    """The intended config of one device. ``text`` may hold secrets: see :meth:`masked`."""

    hostname: str
    platform: str
    role: str
    blocks: tuple[RenderedBlock, ...] = field(repr=False)
    warnings: tuple[str, ...] = ()
    # The secrets the templates used, for masking free-form output (never printed).
    secrets: tuple[Secret, ...] = field(default=(), repr=False, compare=False)
    # The physical interfaces the ports were laid over (an access switch's; () otherwise).
    interfaces: tuple[str, ...] = field(default=(), repr=False)
    # The province's NOC networks (CIDR), where the management sessions come from.
    noc_networks: tuple[str, ...] = field(default=(), repr=False)

    @property
    def templates(self) -> tuple[str, ...]:
        return tuple(b.template for b in self.blocks)

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(line for block in self.blocks for line in block.lines)

    @property
    def text(self) -> str:
        lines = self.lines
        return "\n".join(lines) + "\n" if lines else ""

    def masked(self) -> str:
        """The config with every secret masked by the platform's patterns."""
        return mask_secrets(self.platform, self.text, self.secrets)

    def sections(self) -> list[tuple[str, tuple[str, ...]]]:
        """Top-level lines with their indented children (the unit a planner compares)."""
        out: list[tuple[str, list[str]]] = []
        for line in self.lines:
            if line[:1] == " " and out:
                out[-1][1].append(line)
            else:
                out.append((line, []))
        return [(head, tuple(children)) for head, children in out]


# ----------------------------------------------------------------------- text filters
def _clean(rules: TextRules, value: object) -> str:
    if isinstance(value, Secret):
        raise TypeError("a secret cannot be rendered as text; use the 'secret' filter")
    text = ascii_fold(str(value))
    if _CONTROL.search(text):
        raise ValueError(f"text {text!r} contains a control character")
    text = "".join("_" if not ch.isascii() else ch for ch in text if ch not in rules.forbidden)
    return " ".join(text.replace("\t", " ").split())


def text_filter(rules: TextRules) -> Callable[..., str]:
    def text(value: object, limit: int | None = None) -> str:
        cleaned = _clean(rules, value)
        return cleaned[: limit or rules.max_length].rstrip()

    return text


def quoted_filter(rules: TextRules) -> Callable[..., str]:
    def quoted(value: object, limit: int | None = None) -> str:
        cleaned = _clean(rules, value)[: limit or rules.max_length].rstrip()
        for old, new in rules.escapes:
            cleaned = cleaned.replace(old, new)
        return f"{rules.quote}{cleaned}{rules.quote}"

    return quoted


def secret_filter(value: Secret | None) -> str:
    if not isinstance(value, Secret):
        raise TypeError("the 'secret' filter takes a resolved secret")
    return value.reveal()


def vlan_ranges(ids: tuple[int, ...] | list[int], sep: str = ",", to: str = "-") -> str:
    """``10,20,30-32`` (IOS) or ``10 20 30 to 32`` (VRP: sep=' ', to=' to ')."""
    ordered = sorted(set(ids))
    parts: list[str] = []
    start = prev = None
    for vid in [*ordered, None]:
        if start is not None and vid is not None and prev is not None and vid == prev + 1:
            prev = vid
            continue
        if start is not None and prev is not None:
            parts.append(str(start) if start == prev else f"{start}{to}{prev}")
        start = prev = vid
    return sep.join(parts)


# -------------------------------------------------------------------------- templates
@cache
def environment(platform: str) -> jinja2.Environment:
    """One compiled-template cache per platform (its search path and text rules)."""
    spec = PLATFORMS[platform]
    if spec.syntax is None:
        raise RenderError(platform, "platform has no config syntax")
    rules = spec.syntax.text
    dirs = [str(TEMPLATE_ROOT / d) for d in spec.template_dirs]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - device configs, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
    )
    env.filters["text"] = text_filter(rules)
    env.filters["quoted"] = quoted_filter(rules)
    env.filters["secret"] = secret_filter
    env.filters["vlan_ranges"] = vlan_ranges
    env.globals["negation"] = spec.syntax.negation
    return env


def _template_name(template: jinja2.Template, name: str) -> str:
    if template.filename:
        return Path(template.filename).relative_to(TEMPLATE_ROOT).as_posix()
    return name


# ---------------------------------------------------------------------------- render
_INDEXES: dict[int, tuple[weakref.ref[ProvincePlan], int, PlanIndex]] = {}


def plan_index(plan: ProvincePlan) -> PlanIndex:
    """The lookup index of a plan, built once per plan (and rebuilt if it changed)."""
    cached = _INDEXES.get(id(plan))
    if cached is not None and cached[0]() is plan and cached[1] == len(plan.devices):
        return cached[2]
    index = PlanIndex(plan)
    _INDEXES[id(plan)] = (weakref.ref(plan), len(plan.devices), index)
    return index


def build_context(
    plan: ProvincePlan,
    device: ResolvedDevice,
    secrets: SecretResolver,
    spec: PlatformSpec,
    options: RenderOptions,
    *,
    interfaces: Sequence[str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    index = plan_index(plan)
    host = device.hostname
    context = common_context(plan, device, secrets, spec)
    warnings: list[str] = []
    role = device.role
    if role is Role.ACCESS_SWITCH:
        context.update(access_switch_context(index, device, host, interfaces))
    elif role is Role.AGGREGATION_SWITCH:
        context.update(aggregation_context(index, device, host))
    elif role is Role.CE_ROUTER:
        extra, warnings = ce_context(plan, device, host, options, interfaces)
        context.update(extra)
    elif role is Role.VIDEO_ENDPOINT:
        context.update(codec_context(index, device, spec, host))
    return context, warnings


def render_device(
    plan: ProvincePlan,
    device: ResolvedDevice,
    secrets: SecretResolver,
    options: RenderOptions | None = None,
    interfaces: Sequence[str] | None = None,
) -> RenderedConfig:
    """The intended config of ``device``: pure (no I/O beyond cached templates).

    ``interfaces``: the device's own physical interfaces (from its running config); an access
    switch's ports are then laid over them instead of the model table's.
    """
    spec = PLATFORMS[device.platform]
    names = spec.templates_for(str(device.role))
    if not names:
        raise RenderError(
            device.hostname, f"platform {spec.name} has no templates for role {device.role}"
        )
    context, warnings = build_context(
        plan, device, secrets, spec, options or RenderOptions(), interfaces=interfaces
    )
    env = environment(spec.name)
    blocks = []
    for name in names:
        template = env.get_template(name)
        try:
            output = template.render(context)
        except (jinja2.TemplateError, ValueError, TypeError) as exc:
            raise RenderError(device.hostname, f"template {name}: {exc}") from exc
        lines = tuple(line.rstrip() for line in output.split("\n") if line.strip())
        for line in lines:
            if _BAD_LINE.search(line):
                raise RenderError(
                    device.hostname, f"rendered line {line!r} contains a control character"
                )
        _check_schema(context.get("xapi"), lines, device.hostname)
        blocks.append(RenderedBlock(_template_name(template, name), lines))
    used = context["secrets"]
    laid_over = tuple(context.get("interfaces", ()))
    if device.role is Role.ACCESS_SWITCH and not laid_over:
        warnings.append(
            "no model: the ports are laid over the device's own interfaces when planning"
        )
    return RenderedConfig(
        device.hostname,
        spec.name,
        str(device.role),
        tuple(blocks),
        tuple(warnings),
        tuple(used.resolved()) if isinstance(used, LazySecrets) else (),
        laid_over,
        tuple(str(n) for n in plan.province.services.noc_networks),
    )


def _check_schema(schema: object, lines: tuple[str, ...], host: str) -> None:
    """Every line exists for the codec's product and version, with a value it takes."""
    if not isinstance(schema, xapi.Schema):
        return
    for line in lines:
        problem = schema.problem(line)
        if problem:
            # The problem names the setting, product and version, never a text value.
            raise RenderError(
                host,
                f"the codec would refuse a rendered line: {problem}",
                "fix the inventory value it comes from, or the model/firmware if they are "
                "wrong (Cisco's xAPI schema, see docs/codecs.md)",
            )


def devices_in_scope(
    loaded: LoadedInventory, scope: str | None
) -> Iterator[tuple[ProvincePlan, ResolvedDevice]]:
    """(plan, device) pairs under a province, district/hub, commune or hostname."""
    for plan in loaded.plans:
        for device in plan.devices:
            if (
                not scope
                or scope in (device.province, device.district, device.hostname)
                or (device.site.kind == "commune" and device.site.slug == scope)
            ):
                yield plan, device


def render_scope(
    loaded: LoadedInventory,
    scope: str | None,
    secrets: SecretResolver | None = None,
    options: RenderOptions | None = None,
) -> list[RenderedConfig]:
    """Render every device in ``scope``; placeholders for secrets unless a resolver is given."""
    resolver = secrets or PlaceholderResolver()
    return [
        render_device(plan, device, resolver, options)
        for plan, device in devices_in_scope(loaded, scope)
    ]
