"""The interactive app (``advisor`` or ``advisor tui``): the only package that imports textual.

``create_app`` in ``advisor.tui.app`` builds it for the CLI and the tests alike.
"""
