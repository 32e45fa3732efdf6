"""Version of the advisor package (read by the build backend and `advisor --version`)."""

__version__ = "0.1.0"
