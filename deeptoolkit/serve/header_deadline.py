"""A deadline for a request's line and headers: uvicorn's HTTP/1.1 protocol (h11) with a timer.

uvicorn times out an idle keep-alive connection but not one that is still sending its headers, and
the ASGI app sees a request only once they are complete (where `deeptoolkit.serve.guard` times the
body). A client that opens connections and sends their headers a byte at a time would hold them
for ever; here such a connection gets a 408 and is closed once `header_timeout_s` have passed
since it opened or since its previous answer.
"""

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


def with_header_deadline(seconds):
    """The protocol class to give uvicorn (`uvicorn.Config(http=...)`) for a deadline of `seconds`."""
    return type("H11WithHeaderDeadline", (HeaderDeadline,), {"header_timeout_s": float(seconds)})


class HeaderDeadline(H11Protocol):
    header_timeout_s = 10.0
    _deadline = None

    def connection_made(self, transport):
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc):
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self):
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers arrived: its body has the guard's timeout
            self._disarm()

    def on_response_complete(self):
        self._arm()  # for the next request's headers (a pipelined one, read below, disarms it)
        super().on_response_complete()

    def _arm(self):
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self):
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self):
        self._deadline = None
        waiting = self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)
        if not waiting or self.transport.is_closing():
            return
        body = json.dumps({"error": f"The request's line and headers did not arrive within {self.header_timeout_s:g} s"}).encode()
        # Written as bytes: h11 sends no response before a request's head.
        self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(body), body))
        self.transport.close()
