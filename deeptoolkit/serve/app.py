"""The web application: `create_app({name: task}, settings)`.

    GET  /                      links to every model's page
    GET  /models                [{name, task}]
    GET  /models/NAME           the model's page
    POST /models/NAME/ACTION    the task's verb (see `deeptoolkit.serve.actions`)
    GET  /api, /openapi.json    the API, described

Every error answers 4xx (5xx for a bug) with {"error": "one line"}; the server keeps serving.
"""

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse

from deeptoolkit import registry
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.serve import actions, pages

log = logging.getLogger("deeptoolkit")


def _one_line(text):
    return " ".join(str(text).split())


def _validation_message(error):
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("body",))
        problems.append(f"{where}: {item.get('msg', 'invalid')}" if where else item.get("msg", "invalid"))
    return "Invalid request: " + "; ".join(problems)


def create_app(models, settings=None):
    """A FastAPI app serving `models` ({name: fitted task})."""
    settings = settings or actions.Settings()
    app = FastAPI(title="deeptoolkit", description="Trained deeptoolkit models: a JSON API and a page per model.",
                  docs_url=None, redoc_url=None)
    served = {name: actions.routes(name, task, settings) for name, task in models.items()}
    known = {name: {action for action, _, _ in routes} for name, routes in served.items()}

    @app.exception_handler(DeeptoolkitError)
    async def bad_input(request, error):
        return JSONResponse({"error": _one_line(error)}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(request, error):
        return JSONResponse({"error": _one_line(error.detail)}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, error):
        return JSONResponse({"error": _one_line(_validation_message(error))}, status_code=422)

    @app.exception_handler(Exception)
    async def bug(request, error):
        log.exception("unexpected error serving %s", request.url.path)
        return JSONResponse({"error": _one_line(f"unexpected {type(error).__name__}: {error} (a bug in deeptoolkit)")}, status_code=500)

    @app.middleware("http")
    async def upload_limit(request: Request, call_next):
        length = request.headers.get("content-length")
        # Multipart framing adds a little to the files themselves.
        if length and length.isdigit() and int(length) > settings.max_upload_bytes + 64_000:
            return JSONResponse({"error": f"The request is larger than the upload limit of {settings.max_upload_bytes / 1e6:g} MB"},
                                status_code=413)
        return await call_next(request)

    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def index():
        return pages.index_page(models)

    # For load balancers and orchestrators: alive, and ready to answer (the models load before the app exists).
    @app.api_route("/health", methods=["GET", "HEAD"], summary="Alive: the server answers.", tags=["server"])
    def health():
        return {"status": "ok"}

    @app.api_route("/ready", methods=["GET", "HEAD"], summary="Ready: every model is loaded.", tags=["server"])
    def ready():
        return {"ready": True, "models": sorted(models)}

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def api():
        return pages.api_page(app.openapi())

    @app.get("/models", summary="The models served, with their tasks.")
    def listing():
        return [{"name": name, "task": registry.name_of(type(task).__name__), "actions": sorted(known[name])}
                for name, task in models.items()]

    for name, routes in served.items():
        for action, endpoint, summary in routes:
            app.post(f"/models/{name}/{action}", summary=summary, tags=[name])(endpoint)

    @app.get("/models/{name}", response_class=HTMLResponse, include_in_schema=False)
    def page(name: str):
        return pages.model_page(name, _model(name))

    @app.post("/models/{name}/{action}", include_in_schema=False)
    def unknown_action(name: str, action: str):
        _model(name)
        raise HTTPException(404, f"Model {name!r} has no action {action!r}. Expected one of {sorted(known[name])}")

    def _model(name):
        if name not in models:
            raise HTTPException(404, f"No model named {name!r}. Expected one of {sorted(models)}")
        return models[name]

    return app
