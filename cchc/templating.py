"""The one Jinja2 setup every page of cchc is rendered with: the desk's pages and the summary.

Autoescape is on for every template and every string, so text from outside (commune names, file
names, issue messages) is escaped by the template and no caller has to remember to. Markup that
is already HTML must be wrapped in ``markupsafe.Markup`` where it is made, in one named place.
The partials both share (``_table.html``) live in ``cchc/templates``, below both layers.
"""

from __future__ import annotations

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape


def environment(package: str) -> Environment:
    """An environment over ``package``'s own ``templates`` folder, then the shared partials."""
    return Environment(
        loader=ChoiceLoader([PackageLoader(package, "templates"),
                             PackageLoader("cchc", "templates")]),
        autoescape=select_autoescape(default=True, default_for_string=True))
