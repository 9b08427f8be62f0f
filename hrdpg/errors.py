"""Errors that carry a message meant for the person at the terminal."""


class HrdpgError(Exception):
    """A failure the user can act on; the CLI prints the message without a traceback."""
