"""The id of the request being served, for problem bodies and logs."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
