"""The client address of a request: the one function every caller uses (audit rows, sign-in rate limit).

The TCP peer is the client, unless the peer is one of `HOLOMAP_TRUSTED_PROXIES` (IPs or CIDRs; none by
default): then X-Forwarded-For is read from the right (each proxy appends the address it saw), skipping
trusted proxies, and the first address that is not a trusted proxy is the client. A client can write
anything into the header, but only entries left of what a trusted proxy appended, which are never used.
Nothing else (not even loopback) is trusted: a forged header from an untrusted peer is ignored.
"""
import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_LEN = 64  # audit_log.client_addr, login_throttle.client_addr


@lru_cache(maxsize=8)
def trusted_networks(value: str) -> tuple[Network, ...]:
    """The networks of a HOLOMAP_TRUSTED_PROXIES value; ValueError naming the entry that is not one."""
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"HOLOMAP_TRUSTED_PROXIES: {item!r} is not an IP address or CIDR network "
                             "(e.g. 127.0.0.1, 10.0.0.0/8, ::1)") from None
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a peer or X-Forwarded-For entry ("1.2.3.4", "1.2.3.4:5678", "[::1]:80")."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:text.find("]")] if "]" in text else text
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return (ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else ip


def _trusted(ip, networks: tuple[Network, ...]) -> bool:
    return ip is not None and any(ip in net for net in networks)


def client_address_from(peer: str | None, forwarded_for: list[str], trusted: str) -> str | None:
    """The client address given the TCP peer, the X-Forwarded-For header values and the trusted list."""
    networks = trusted_networks(trusted)
    if peer is None or not networks or not forwarded_for or not _trusted(_ip(peer), networks):
        return peer[:MAX_LEN] if peer else peer
    entries = [e.strip() for value in forwarded_for for e in value.split(",") if e.strip()]
    for entry in reversed(entries):
        ip = _ip(entry)
        if not _trusted(ip, networks):
            return str(ip) if ip is not None else entry[:MAX_LEN]
    return str(_ip(entries[0])) if entries else peer  # every hop a trusted proxy: the first one


def client_address(request: HTTPConnection) -> str | None:
    """The client address of this request (see the module's rule); cached on the request."""
    state = request.scope.setdefault("state", {})
    if "client_address" not in state:
        peer = request.client.host if request.client else None
        forwarded = [v.decode("latin-1") for k, v in request.scope.get("headers", ()) if k == b"x-forwarded-for"]
        state["client_address"] = client_address_from(peer, forwarded, request.app.state.settings.trusted_proxies)
    return state["client_address"]
