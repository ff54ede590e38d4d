"""The destination policy: which URLs and addresses govcheck may connect to.

An inspector fetches whatever thousands of pages it does not control link or redirect to, so every
request is judged here first (the downloader middleware) and every address a name resolves to is
judged again at connect time (the DNS resolver): only http/https, only the allowed ports, never a
loopback, private (RFC 1918, CGNAT, unique-local), link-local (the 169.254.169.254 metadata service),
multicast, reserved or unspecified address — in whatever spelling a URL gives it (``127.1``,
``0x7f.1``, ``2130706433``, ``[::ffff:127.0.0.1]``) — and never an internal name (``localhost``, a
single label, ``.local``, ``.internal``…) that only a local resolver could answer. Networks listed in
GOVCHECK_ALLOWED_NETWORKS (an office's intranet, a test's loopback) are allowed.

Pure: no Scrapy, no network; the evaluator reads the refusal kinds too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Names no public resolver answers (RFC 6761/6762/8375, ICANN's .internal, common intranet suffixes).
INTERNAL_SUFFIXES = (
    "localhost",
    "local",
    "localdomain",
    "internal",
    "intranet",
    "lan",
    "home",
    "corp",
    "private",
    "arpa",  # home.arpa and the reverse-lookup trees
)
# Refusal kinds that say "this points inside a network" (evidence for review), not just "not HTTP".
INTERNAL_KINDS = frozenset(
    {"loopback", "private", "link_local", "multicast", "reserved", "unspecified", "internal_name"}
)
POLICY_ERROR = "policy:"  # prefix of the error a refused request is stored with
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
SITE_PRIVATE = (
    *(ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),
    CGNAT,
    ipaddress.IPv6Network("fc00::/7"),  # unique-local
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a destination is refused: ``kind`` is stable (stored, counted), ``reason`` is for people."""

    kind: str  # scheme | port | malformed | one of INTERNAL_KINDS
    reason: str

    @property
    def internal(self) -> bool:
        return self.kind in INTERNAL_KINDS

    @property
    def error(self) -> str:
        """The error name a link check stores for it."""
        return f"{POLICY_ERROR}{self.kind}"


def parse_ports(value: str) -> frozenset[int]:
    """GOVCHECK_ALLOWED_PORTS: comma-separated port numbers."""
    ports: set[int] = set()
    for part in value.split(","):
        if not part.strip():
            continue
        port = int(part)
        if not 0 < port < 65536:
            raise ValueError(f"port out of range: {port}")
        ports.add(port)
    if not ports:
        raise ValueError("expected at least one port, e.g. 80,443")
    return frozenset(ports)


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    """GOVCHECK_ALLOWED_NETWORKS: comma-separated CIDR blocks (an empty string allows none)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
    )


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host spells, as a browser or ``inet_aton`` reads it, else None.

    IPv4 may come in 1–4 dot-separated parts, each decimal, octal (leading 0) or hex (0x): ``127.1``,
    ``0x7f.0.0.1``, ``0177.0.0.1``, ``2130706433``. A host whose last label is numeric but which is
    not such an address raises ValueError (browsers refuse it too).
    """
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        return ipaddress.IPv6Address(text.split("%", 1)[0])  # a zone id names an interface, not a host
    labels = text.removesuffix(".").split(".")
    if not labels or not _is_number(labels[-1]):
        return None
    numbers = [_number(label) for label in labels]
    if len(numbers) > 4 or any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(f"not an IPv4 address: {host!r}")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _is_number(label: str) -> bool:
    if label.startswith("0x"):
        return all(c in "0123456789abcdef" for c in label[2:])
    return label.isascii() and label.isdigit()


def _number(label: str) -> int:
    if not _is_number(label):
        raise ValueError(f"not an IPv4 address part: {label!r}")
    if label.startswith("0x"):
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8)
    return int(label)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64): judged as that IPv4 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IPAddress) -> str | None:
    """The internal kind of an address (``loopback``, ``private``…), or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)) is not None:
        return address_kind(embedded)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if any(address in network for network in SITE_PRIVATE if network.version == address.version):
        return "private"
    if address.is_reserved or address.is_private or not address.is_global:
        return "reserved"  # documentation, benchmarking, 240/4, 0/8, broadcast…
    return None


def is_ip_literal(host: str) -> bool:
    """Whether ``host`` spells an IP address (in any spelling :func:`parse_ip_literal` reads)."""
    try:
        return parse_ip_literal(host) is not None
    except ValueError:
        return False


def is_loopback_name(host: str) -> bool:
    """``localhost`` and every name under it (RFC 6761: loopback by definition)."""
    return host.lower().removesuffix(".").split(".")[-1] == "localhost"


class DestinationPolicy:
    """``check_url`` before a request leaves (literal addresses, names, scheme, port);
    ``check_address`` on every address a name resolves to, where govcheck resolves names itself."""

    def __init__(self, allowed_ports: Iterable[int], allowed_networks: Iterable[IPNetwork] = ()) -> None:
        self.allowed_ports = frozenset(allowed_ports)
        self.allowed_networks = tuple(allowed_networks)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> DestinationPolicy:
        """From Scrapy settings or the CLI's configuration (raw strings or parsed values)."""
        ports = settings["GOVCHECK_ALLOWED_PORTS"]
        networks = settings["GOVCHECK_ALLOWED_NETWORKS"]
        return cls(
            parse_ports(ports) if isinstance(ports, str) else ports,
            parse_networks(networks) if isinstance(networks, str) else networks,
        )

    def allows_network(self, address: IPAddress) -> bool:
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)):
            candidates.append(embedded)
        return any(
            a in network
            for a in candidates
            for network in self.allowed_networks
            if a.version == network.version
        )

    def check_address(self, address: IPAddress | str) -> Refusal | None:
        ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
        if self.allows_network(ip):
            return None
        kind = address_kind(ip)
        if kind is None:
            return None
        return Refusal(kind, f"{kind.replace('_', '-')} address {ip}")

    def check_url(self, url: str) -> Refusal | None:
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            port = parts.port
        except ValueError as exc:
            return Refusal("malformed", f"unparseable URL ({exc})")
        if scheme not in ALLOWED_SCHEMES:
            return Refusal("scheme", f"scheme {scheme or '(none)'}: only http and https are fetched")
        host = unquote(parts.hostname or "")
        if not host:
            return Refusal("malformed", "no host")
        refusal = self.check_host(host)
        if refusal is not None:
            return refusal
        port = port or DEFAULT_PORTS[scheme]
        if port not in self.allowed_ports:
            allowed = ",".join(str(p) for p in sorted(self.allowed_ports))
            return Refusal("port", f"port {port} is not allowed (GOVCHECK_ALLOWED_PORTS={allowed})")
        return None

    def check_host(self, host: str) -> Refusal | None:
        """A URL's host: a literal address in any spelling, or a name that must be public."""
        try:
            literal = parse_ip_literal(host)
        except ValueError as exc:
            return Refusal("malformed", str(exc))
        if literal is not None:
            return self.check_address(literal)
        name = host.lower().removesuffix(".")
        labels = name.split(".")
        if any(not label for label in labels) or any(c in name for c in "%/\\@ "):
            return Refusal("malformed", f"not a host name: {host!r}")
        if is_loopback_name(name):
            # Names under .localhost are loopback by definition (RFC 6761): allowed with 127.0.0.0/8.
            return self.check_address(ipaddress.IPv4Address("127.0.0.1"))
        if len(labels) == 1:
            return Refusal("internal_name", f"single-label name {host!r} only a local resolver answers")
        if labels[-1] in INTERNAL_SUFFIXES:
            return Refusal("internal_name", f"internal name {host!r} (.{labels[-1]})")
        return None
