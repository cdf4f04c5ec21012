"""Running the app: the listening socket, the access log on stderr, and uvicorn with the header
deadline and the graceful shutdown (`deeptoolkit serve` wires its options to these)."""

import logging
import socket

from deeptoolkit.errors import DeeptoolkitError


def listening_socket(host, port):
    """A TCP socket bound to host:port (port 0: a free one, held from now on, so no other server takes it)."""
    try:
        family, kind, protocol = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][:3]
    except socket.gaierror as error:
        raise DeeptoolkitError(f"Cannot listen on host {host!r}: {error.strerror}. Expected an address or a name of this machine") from None
    # The protocol named (IPPROTO_TCP), as asyncio sets TCP_NODELAY only on such sockets: without it
    # small answers wait out the peer's delayed acknowledgement (40 ms a request).
    listening = socket.socket(family, kind, protocol)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as error:
        listening.close()
        raise DeeptoolkitError(f"Cannot listen on {host}:{port}: {error.strerror}. Choose another --port (0: any free one) "
                               "or --host") from None
    return listening


def log_requests_to_stderr():
    """Write the access log (`deeptoolkit.serve.monitoring`) on stderr, a timestamped line per request."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("deeptoolkit.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def run(app, listening, header_timeout_s=10.0, shutdown_timeout_s=30.0):
    """Serve `app` on the socket `listening` until Ctrl-C or SIGTERM, then finish the requests in flight."""
    import uvicorn

    from deeptoolkit.serve.header_deadline import with_header_deadline

    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=shutdown_timeout_s,
                            http=with_header_deadline(header_timeout_s))
    uvicorn.Server(config).run(sockets=[listening])
