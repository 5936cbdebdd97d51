"""Intended device configs from the inventory: Jinja2 templates per platform, pure."""

from communet.render.context import BgpPeering, RenderError, RenderOptions
from communet.render.render import (
    RenderedBlock,
    RenderedConfig,
    devices_in_scope,
    render_device,
    render_scope,
)

__all__ = [
    "BgpPeering",
    "RenderError",
    "RenderOptions",
    "RenderedBlock",
    "RenderedConfig",
    "devices_in_scope",
    "render_device",
    "render_scope",
]
