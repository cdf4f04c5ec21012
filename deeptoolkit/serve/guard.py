"""What a request must satisfy before the app reads it: the API key where the server has one, a
bounded body, and a body that keeps arriving (ASGI middleware).

With an API key every route needs it except the probes (/health, /ready) and the pages people
open in the browser, whose forms send it (/api, which shows the guarded schema, needs it too). The key travels as `Authorization: Bearer KEY` or
`X-API-Key: KEY`. A body larger than the limit is refused from its Content-Length, or once that
many bytes arrived when it has none; a body whose next part takes longer than the timeout is a
408. Either way the client gets the error in place of whatever the app would have answered.
"""

import asyncio
import hmac
import json

KEY_HEADERS = "'Authorization: Bearer KEY' or 'X-API-Key: KEY'"
# Multipart framing adds a little to the files themselves.
FRAMING_BYTES = 64_000


class _BodyProblem(Exception):
    pass


async def _answer(send, status, message, headers=()):
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """ASGI middleware enforcing `settings` (api_key, max_upload_bytes, body_timeout_s);
    `open_paths`: what GET and HEAD reach without the key."""

    def __init__(self, app, settings, open_paths):
        self.app, self.settings, self.open_paths = app, settings, frozenset(open_paths)

    def _authorized(self, scope):
        if self.settings.api_key is None or (scope["method"] in ("GET", "HEAD") and scope["path"] in self.open_paths):
            return True
        headers = dict(scope["headers"])
        given = headers.get(b"x-api-key", b"")
        bearer = headers.get(b"authorization", b"")
        if bearer[:7].lower() == b"bearer ":
            given = bearer[7:].strip()
        return hmac.compare_digest(given, self.settings.api_key.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if not self._authorized(scope):
            return await _answer(send, 401, f"This server needs an API key: send it as {KEY_HEADERS}",
                                 [(b"www-authenticate", b"Bearer")])
        limit = self.settings.max_upload_bytes + FRAMING_BYTES
        too_large = f"The request is larger than the upload limit of {self.settings.max_upload_bytes / 1e6:g} MB"
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            return await _answer(send, 413, too_large)
        problem, received, answered = None, 0, False

        async def receiving():
            nonlocal problem, received
            try:
                message = await asyncio.wait_for(receive(), self.settings.body_timeout_s)
            except asyncio.TimeoutError:
                problem = (408, f"The request body stopped arriving for {self.settings.body_timeout_s:g} s")
                raise _BodyProblem() from None
            received += len(message.get("body", b""))
            if received > limit:
                problem = (413, too_large)
                raise _BodyProblem()
            return message

        async def sending(message):
            nonlocal answered
            if problem is None:
                return await send(message)
            if not answered:  # the app's own answer to a cut body is replaced by what happened
                answered = True
                await _answer(send, *problem)

        try:
            await self.app(scope, receiving, sending)
        except _BodyProblem:
            if not answered:
                await _answer(send, *problem)
