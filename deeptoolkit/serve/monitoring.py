"""What the server tells about itself: Prometheus metrics (`/metrics`) and one access-log line per
request (the `deeptoolkit.access` logger), both from one ASGI middleware around the app."""

import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

access_log = logging.getLogger("deeptoolkit.access")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
# Routes beyond the app's own (a probe, a typo) share one label, so that they cannot grow the metrics.
OTHER_ROUTE = "other"


class Metrics:
    """The server's metrics, in a registry of its own (several apps in one process do not collide)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("deeptoolkit_requests", "HTTP requests answered, by route, method and status.",
                                ["route", "method", "status"], registry=self.registry)
        self.errors = Counter("deeptoolkit_request_errors", "HTTP requests answered with an error status (4xx or 5xx).",
                              ["route", "status"], registry=self.registry)
        self.latency = Histogram("deeptoolkit_request_duration_seconds", "Seconds from a request's arrival to the end of "
                                 "its answer, by route.", ["route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.batch_sizes = Histogram("deeptoolkit_batch_size", "Items answered by one call of a model, by model and action.",
                                     ["model", "action"], buckets=BATCH_BUCKETS, registry=self.registry)

    def observe_batch(self, model, action, size):
        self.batch_sizes.labels(model, action).observe(size)

    def exposition(self):
        return generate_latest(self.registry)


class Monitoring:
    """ASGI middleware: times each HTTP request, counts it under its route (`routes`: the app's
    paths; any other counts as "other") and logs one line for it."""

    def __init__(self, app, metrics, routes):
        self.app, self.metrics, self.routes = app, metrics, frozenset(routes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status, size = time.perf_counter(), 500, 0

        async def sending(message):
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - start
            path, method = scope["path"], scope["method"]
            route = path if path in self.routes else OTHER_ROUTE
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route).observe(seconds)
            if status >= 400:
                self.metrics.errors.labels(route, str(status)).inc()
            host, port = scope.get("client") or ("-", 0)
            # Escaped: a path is the client's text, and a line end in it would forge a log line.
            access_log.info('%s:%s "%s %s HTTP/%s" %d %dB %.1fms', host, port, method, path.encode("unicode_escape").decode("ascii"),
                            scope.get("http_version", "1.1"), status, size, 1000 * seconds)
