"""Domain errors. States turn them into toasts; API routes into 4xx with the message."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class NotSignedIn(DomainError):
    status_code = 401


class Invalid(DomainError):
    status_code = 400


class Conflict(DomainError):
    status_code = 409


class Throttled(DomainError):
    status_code = 429
