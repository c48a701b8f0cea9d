"""Couper le réseau dans un noyau Jupyter, sauf le loopback.

Le cours doit tourner hors ligne : une diapositive ou un notebook qui télécharge quelque chose
marcherait chez l'enseignant et casserait en classe. Dans le processus pytest, pytest-socket fait
ce travail (voir ``addopts`` dans pyproject.toml) ; mais un noyau Jupyter est un autre processus,
que pytest-socket ne voit pas. Ce module n'importe que la bibliothèque standard : son texte est
exécuté tel quel dans chaque noyau, avant la première cellule (voir ``kernel_code``).

Les erreurs levées sont des ``OSError`` (comme sur une machine vraiment hors ligne), avec un
message français qui dit ce qui a été refusé et pourquoi.
"""

import ipaddress
import socket

PREFIX = "réseau bloqué pendant les tests"
ADVICE = (
    "le cours doit tourner hors ligne : mettez les données dans data/ et lisez-les avec llmlab.data"
)
LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class NetworkBlockedError(ConnectionRefusedError):
    """Connexion refusée vers une adresse hors loopback."""


class NetworkBlockedLookupError(socket.gaierror):
    """Résolution de nom refusée pour un hôte hors loopback."""


def is_local_host(host):
    """Vrai pour ``None``, ``localhost``, 127.0.0.0/8, ::1 et les adresses « non spécifiées »
    (0.0.0.0, ::) qu'utilise un serveur local pour écouter."""
    if host is None:
        return True
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip().lower().split("%", 1)[0]
    if host in LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # un nom d'hôte : il faudrait le résoudre, donc sortir
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_loopback or ip.is_unspecified


def _refused(what):
    return f"{PREFIX} : {what} refusée (seul le loopback est permis ; {ADVICE})"


def _check_address(sock, address):
    """Lève ``NetworkBlockedError`` si ``address`` (de connect) sort de la machine."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # socket unix, netlink… : pas de réseau
    if isinstance(address, tuple) and address and not is_local_host(address[0]):
        raise NetworkBlockedError(_refused(f"connexion vers {address[0]}:{address[1]}"))


def block_network():
    """Remplace connect, connect_ex, create_connection et getaddrinfo. Idempotent."""
    if getattr(socket, "_llmlab_offline", False):
        return
    true_connect = socket.socket.connect
    true_connect_ex = socket.socket.connect_ex
    true_create_connection = socket.create_connection
    true_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        _check_address(self, address)
        return true_connect(self, address)

    def connect_ex(self, address):
        _check_address(self, address)
        return true_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        host, port = address[0], address[1]
        if not is_local_host(host):
            raise NetworkBlockedError(_refused(f"connexion vers {host}:{port}"))
        return true_create_connection(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        if not is_local_host(host):
            raise NetworkBlockedLookupError(_refused(f"résolution du nom {host!r}"))
        return true_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.create_connection = create_connection
    socket.getaddrinfo = getaddrinfo
    socket._llmlab_offline = True


def kernel_code():
    """Le code à exécuter dans un noyau neuf : il charge ce fichier dans un module privé
    (le noyau ne voit pas ``tests/``) et coupe le réseau, sans rien laisser dans l'espace de
    noms de l'élève."""
    with open(__file__, encoding="utf-8") as f:
        source = f.read()
    return (
        "def _llmlab_block_network():\n"
        "    import sys, types\n"
        "    module = types.ModuleType('_llmlab_offline')\n"
        f"    exec(compile({source!r}, {__file__!r}, 'exec'), module.__dict__)\n"
        "    sys.modules['_llmlab_offline'] = module\n"
        "    module.block_network()\n"
        "_llmlab_block_network()\n"
        "del _llmlab_block_network\n"
    )
