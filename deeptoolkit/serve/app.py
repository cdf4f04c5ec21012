"""The web application: `create_app({name: task}, settings)`.

    GET  /                      links to every model's page
    GET  /models                [{name, task}]
    GET  /models/NAME           the model's page
    POST /models/NAME/ACTION    the task's verb (see `deeptoolkit.serve.actions`)
    GET  /api, /openapi.json    the API, described
    GET  /health, /ready        alive; every model loaded (for load balancers and orchestrators)
    GET  /metrics               Prometheus metrics (`deeptoolkit.serve.monitoring`)

Every error answers 4xx (5xx for a bug) with {"error": "one line"}; the server keeps serving.
Each model's work runs on its own worker, which batches requests (`deeptoolkit.serve.batching`);
the workers stop once the server has answered the requests in flight.
"""

import contextlib
import logging
import time

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response

from deeptoolkit import registry
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.serve import actions, pages, uploads
from deeptoolkit.serve.batching import ModelWorker
from deeptoolkit.serve.guard import RequestGuard
from deeptoolkit.serve.monitoring import Metrics, Monitoring
from deeptoolkit.serve.uploads import without_upload_paths

log = logging.getLogger("deeptoolkit")


def _one_line(text):
    return " ".join(str(text).split())


def _validation_message(error):
    problems = []
    for item in error.errors():
        # A field's name, without the place of an item in a list of files.
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body" and not isinstance(part, int))
        message = item.get("msg", "invalid")
        if "UploadFile" in message:  # a form field sent as text: no file was chosen
            message = "expected an uploaded file (none was sent)"
        problems.append(f"{where}: {message}" if where else message)
    return "Invalid request: " + "; ".join(problems)


def create_app(models, settings=None):
    """A FastAPI app serving `models` ({name: fitted task})."""
    settings = settings or actions.Settings()
    metrics = Metrics()
    workers = {name: ModelWorker(name, settings.max_batch, settings.batch_wait_ms / 1000,
                                 on_batch=lambda key, size, name=name: metrics.observe_batch(name, key[0], size))
               for name in models}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        # After uvicorn's grace period (--shutdown-timeout): what still waits was given up on; the
        # calls in progress get one second in all to finish.
        for worker in workers.values():
            worker.close(timeout=0, drop_waiting=True)
        deadline = time.monotonic() + 1
        for worker in workers.values():
            worker.join(max(0.0, deadline - time.monotonic()))
        uploads.remove_upload_folder()

    app = FastAPI(title="deeptoolkit", description="Trained deeptoolkit models: a JSON API and a page per model.",
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    served = {name: actions.routes(name, task, settings, workers[name]) for name, task in models.items()}
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
        message = without_upload_paths(f"unexpected {type(error).__name__}: {error} (a bug in deeptoolkit)")
        return JSONResponse({"error": _one_line(message)}, status_code=500)

    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def index():
        return pages.index_page(models, needs_key=settings.api_key is not None)

    # For load balancers and orchestrators: alive, and ready to answer (the models load before the app exists).
    def health():
        return {"status": "ok"}

    def ready():
        return {"ready": True, "models": sorted(models)}

    for path, probe, summary in (("/health", health, "Alive: the server answers."), ("/ready", ready, "Ready: every model is loaded.")):
        app.get(path, summary=summary, tags=["server"])(probe)
        app.head(path, include_in_schema=False)(probe)

    @app.get("/metrics", summary="Prometheus metrics: requests, errors, latency, batch sizes.", tags=["server"])
    def prometheus():
        return Response(metrics.exposition(), media_type=metrics.content_type)

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
        return pages.model_page(name, _model(name), needs_key=settings.api_key is not None)

    @app.post("/models/{name}/{action}", include_in_schema=False)
    def unknown_action(name: str, action: str):
        _model(name)
        raise HTTPException(404, f"Model {name!r} has no action {action!r}. Expected one of {sorted(known[name])}")

    def _model(name):
        if name not in models:
            raise HTTPException(404, f"No model named {name!r}. Expected one of {sorted(models)}")
        return models[name]

    # /api renders the schema that /openapi.json guards, so it needs the key too.
    pages_and_probes = {"/", "/health", "/ready", *(f"/models/{name}" for name in models)}
    every_path = pages_and_probes | {"/api", "/metrics", "/models", "/openapi.json",
                                     *(f"/models/{name}/{action}" for name, verbs in known.items() for action in verbs)}
    app.add_middleware(RequestGuard, settings=settings, open_paths=pages_and_probes)
    app.add_middleware(Monitoring, metrics=metrics, routes=every_path)  # outermost: refused requests are logged and counted too
    return app
