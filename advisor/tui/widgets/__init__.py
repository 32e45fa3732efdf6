"""Widgets of the advisor app: each displays what it is given and posts what the user did."""
