"""What a verified webhook does, by provider and event type: the registry.

A handler is a function `(*, event, payload) -> None` in its own module of this package,
registered with `handler_register(scheme, type, func)` in `EventsConfig.ready()` (the one
list of what is handled). It runs inside the transaction that marks the delivery done,
so its writes happen exactly once. A type without a handler is stored and marked done
("ignored").
"""

from collections.abc import Callable

Handler = Callable[..., None]
_REGISTRY: dict[tuple[str, str], Handler] = {}


def handler_register(scheme: str, event_type: str, handler: Handler) -> None:
    _REGISTRY[(scheme, event_type)] = handler


def handler_for(scheme: str, event_type: str) -> Handler | None:
    return _REGISTRY.get((scheme, event_type))
