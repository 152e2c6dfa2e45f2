"""{% shell %}…{% endshell %}: a part of the site's layout (templates/base.html: the header, the footer) rendered
once per process and per kind of page, then reused; what changes from one request to the next is filled in.

Its `{% url %}`, `{% translate %}` and `{% static %}` give the same text for every request in a language, yet cost
most of the layout's time. So the part is rendered once per key — the active language, the URL prefix and
configuration, and the kind of visitor (signed in or not, staff or not, the navigation links they get) — with a
context holding only that key's values and, where a request's own value goes, a marker; the markers are then
replaced, per request, by the values rendered (and escaped) exactly as the template would render them:

* `csrf_token` (the forms' hidden input), `request.get_full_path` (the language switch's `next`),
  `user.display_name`, `open_follow_ups` (the count in the navigation).

Nothing else of the request reaches the stored render: a variable the part uses but this module does not know
renders empty (and a test of the page notices), never one visitor's value cached for another. A `{% block %}`
inside the part that a child template overrides makes the part render normally, without the cache.
Settings changes (tests: override_settings) start afresh.
"""

import re
from types import SimpleNamespace

from django import template
from django.core.signals import setting_changed
from django.template.base import Variable, render_value_in_context
from django.template.context import Context
from django.template.loader_tags import BLOCK_CONTEXT_KEY, BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

register = template.Library()

# Markers: private-use characters around the variable to render there (HTML escaping leaves them as they are).
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_OPEN}([a-z_.]+){_CLOSE}")
LIVE = ("csrf_token", "request.get_full_path", "user.display_name", "open_follow_ups")
_VARIABLES = {name: Variable(name) for name in LIVE}
MAX_KINDS = 256  # stored renders per part (languages × kinds of visitor × URL prefixes): a bound, never reached

_generation = 0


def _settings_changed(**kwargs) -> None:
    global _generation
    _generation += 1


setting_changed.connect(_settings_changed, dispatch_uid="core.templatetags.shell")


def _marker(name: str) -> str:
    return f"{_OPEN}{name}{_CLOSE}"


def _kind(context) -> tuple[tuple, dict]:
    """The key of a stored render (the language, the URL prefix and configuration, the visitor's kind) and the
    only values the render sees: of the navigation's lists and flags only whether they are true, the request's own
    values as markers. A name the context does not hold stays out (it renders as missing, not as None)."""
    values = {}
    for name in ("LANGUAGE_CODE", "staff_memberships", "satisfaction_results", "can_see_reports"):
        if name in context:
            value = context[name]
            values[name] = value if name == "LANGUAGE_CODE" else bool(value)
    user = context.get("user")
    if user is not None:
        is_authenticated = bool(user.is_authenticated)
        values["user"] = SimpleNamespace(is_authenticated=is_authenticated,
                                         is_staff=bool(is_authenticated and user.is_staff),
                                         display_name=_marker("user.display_name"))
    if "open_follow_ups" in context:
        values["open_follow_ups"] = None if context["open_follow_ups"] is None else _marker("open_follow_ups")
    if "csrf_token" in context:
        token = context["csrf_token"]
        # Django's own cases kept as they are: no token (rendered without a request) and "NOTPROVIDED".
        values["csrf_token"] = _marker("csrf_token") if token and token != "NOTPROVIDED" else token
    if context.get("request") is not None:
        values["request"] = SimpleNamespace(get_full_path=_marker("request.get_full_path"))
    key = (_generation, get_language(), get_script_prefix(), get_urlconf(),
           *((name, (value.is_authenticated, value.is_staff) if name == "user" else
              None if name == "request" else value) for name, value in values.items()))
    return key, values


class ShellNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.blocks = nodelist.get_nodes_by_type(BlockNode)
        self.stored: dict[tuple, tuple] = {}
        self.by_type: dict[type, tuple] = {}

    def render(self, context):
        if self.blocks and self._overridden(context):
            return self.nodelist.render(context)
        # The visitor's kind: worked out once per render, for every part of the layout.
        kind = context.render_context.get(ShellNode)
        if kind is None:
            kind = context.render_context[ShellNode] = _kind(context)
        key, values = kind
        parts = self.stored.get(key)
        if parts is None:
            parts = self._render_parts(context, values)
            if len(self.stored) >= MAX_KINDS:
                self.stored.clear()
            self.stored[key] = parts
        static, live = parts
        if not live:
            return static[0]
        out = [static[0]]
        for name, text in zip(live, static[1:], strict=True):
            out.append(render_value_in_context(_VARIABLES[name].resolve(context), context))
            out.append(text)
        return "".join(out)

    def get_nodes_by_type(self, nodetype):
        # {% extends %} looks for the parent's blocks at every render: the part's nodes never change, so once.
        found = self.by_type.get(nodetype)
        if found is None:
            found = self.by_type[nodetype] = tuple(super().get_nodes_by_type(nodetype))
        return list(found)

    def _overridden(self, context) -> bool:
        """A child template replaces a block of this part."""
        block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
        if block_context is None:
            return False
        return any(block_context.get_block(block.name) not in (None, block) for block in self.blocks)

    def _render_parts(self, context, values) -> tuple[tuple[str, ...], tuple[str, ...]]:
        isolated = Context(values, autoescape=context.autoescape, use_l10n=context.use_l10n, use_tz=context.use_tz)
        with isolated.bind_template(context.template):
            html = self.nodelist.render(isolated)
        pieces = _MARKER.split(html)  # text, name, text, name, …, text
        return tuple(pieces[0::2]), tuple(pieces[1::2])


@register.tag("shell")
def do_shell(parser, token):
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% shell %} takes no arguments")
    nodelist = parser.parse(("endshell",))
    parser.delete_first_token()
    return ShellNode(nodelist)
