"""Errors that carry a message for the clerk."""


class DomainError(Exception):
    """A rule was broken; `message` is shown to the clerk as is, `field` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class DatabaseTooNew(DomainError):
    """The database was written by a newer version of the program."""
