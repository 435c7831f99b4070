"""The shipped template, loaded once for the suite: what the tests hand the readers, the
checks and the summary, as a command does (``cchc.flows.reading.template_for``)."""

from cchc.template.appendix import load_template

TEMPLATE = load_template()
