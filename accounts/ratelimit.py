"""Counting attempts in the cache (public tracking lookups, registrations), and the client address they are
counted by: REMOTE_ADDR, or X-Forwarded-For as written by a trusted reverse proxy (settings.TRUSTED_PROXIES)."""

import functools
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def count_hit(key: str, *, window_seconds: int) -> int:
    """Add one attempt under `key` and return the attempts in the current window."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1


def hits(key: str) -> int:
    return cache.get(key, 0)


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an IP address or network") from exc
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """settings.TRUSTED_PROXIES (IP addresses or CIDR networks) parsed; empty means no proxy is trusted."""
    return _networks(tuple(e for e in getattr(settings, "TRUSTED_PROXIES", ()) or () if e and e.strip()))


def _address(value: str | None) -> Address | None:
    """'203.0.113.7', '2001:db8::1', '[2001:db8::1]:443', '203.0.113.7:5000' → the address; garbage → None.
    An IPv4-mapped IPv6 address counts as the IPv4 address it carries."""
    text = (value or "").strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1 and "." in text:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request) -> str | None:
    """The address of the client that sent `request`, for rate limits and the sign-in lockout.

    REMOTE_ADDR, unless it is one of settings.TRUSTED_PROXIES: then X-Forwarded-For is read from the right (each
    proxy appends the address it received the request from), trusted proxies are skipped, and the first
    address that is not a trusted proxy is the client. Whatever a client wrote into X-Forwarded-For itself lies
    to the left of that and is never used; a request that does not come from a trusted proxy is never read for
    the header at all. None when there is no usable address (a request built by hand)."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    networks = trusted_proxies()
    if not networks or not _is_trusted(remote, networks):
        return str(remote)
    nearest = remote  # the closest hop known to be a trusted proxy
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        if not hop.strip():
            continue
        address = _address(hop)
        if address is None:
            # A trusted proxy wrote something that is not an address (e.g. "unknown"): count the request
            # against that proxy rather than trust anything further left, which the client may have written.
            return str(nearest)
        if not _is_trusted(address, networks):
            return str(address)
        nearest = address
    return str(nearest)  # every hop is a trusted proxy (or no header): the furthest one is the client
