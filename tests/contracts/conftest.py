"""Contract checks: a response body against the model its route declares (response_model or responses[200]).

`contract(app, response)` finds the route that served the request, takes the model it declares and
validates the real body with that model, extra fields forbidden (a field the server sends but the model
lacks fails, as does a missing or mistyped one). The JSON may be built in SQL: only the bytes count.
"""
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi.routing import APIRoute
from pydantic import TypeAdapter


def api_routes(app) -> Iterator[tuple[str, set[str], Any, APIRoute]]:
    """(path, methods, path_regex, APIRoute) of every API route, through included routers."""
    def walk(routes):
        for route in routes:
            if isinstance(route, APIRoute):
                yield route.path, route.methods, route.path_regex, route
            elif hasattr(route, "effective_candidates"):  # FastAPI ≥ 0.16x: included routers stay nested
                for candidate in route.effective_candidates():
                    if hasattr(candidate, "effective_candidates"):
                        yield from walk([candidate])
                    elif isinstance(getattr(candidate, "original_route", None), APIRoute):
                        yield candidate.path, candidate.methods, candidate.path_regex, candidate.original_route
    yield from walk(app.router.routes)


def declared_model(route: APIRoute) -> Any:
    """The type of a route's success body: its response_model, or the model of responses[200|201]."""
    if route.response_model is not None:
        return route.response_model
    for status in (200, 201, "200", "201"):
        if "model" in route.responses.get(status, {}):
            return route.responses[status]["model"]
    return None


def route_of(app, method: str, path: str) -> tuple[str, APIRoute]:
    for template, methods, regex, route in api_routes(app):
        if method in methods and regex.match(path):
            return template, route
    raise AssertionError(f"no route serves {method} {path}")


def contract(app, response: httpx.Response, status: int = 200) -> Any:
    """The body validated against the declared model of the route that answered (extra fields forbidden)."""
    assert response.status_code == status, response.text[:2000]
    template, route = route_of(app, response.request.method, response.request.url.path)
    model = declared_model(route)
    assert model is not None, f"{response.request.method} {template} declares no response model"
    return TypeAdapter(model).validate_json(response.content, extra="forbid")
