"""Screens of the advisor app: main (hardware, request, results), model detail, help."""
