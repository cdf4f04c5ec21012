"""deeptoolkit serve MODEL... | deeptoolkit export MODEL --out DIR"""

import click

from deeptoolkit.cli.errors import friendly_errors


LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command("serve")
@click.argument("models", nargs=-1, required=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="The port (0: any free one, printed).")
@click.option("--gallery", type=click.Path(exists=True, file_okay=False), default=None,
              help="A folder of person folders, for the models whose verbs need a gallery (identify).")
@click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="The largest request body accepted.")
@click.option("--max-batch", type=click.IntRange(min=1), default=32, show_default=True,
              help="The most items (images, clips, texts) one call of a model answers, and one request may send.")
@click.option("--batch-wait-ms", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="How long a batch waits for more requests after its first (0: only those already waiting).")
@click.option("--api-key", envvar="DEEPTOOLKIT_API_KEY", default=None,
              help="Require this key on every API route (Authorization: Bearer KEY or X-API-Key: KEY); "
                   "also read from $DEEPTOOLKIT_API_KEY. The model pages and /health, /ready stay open.")
@click.option("--body-timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="Seconds a request body may stall before the request is answered 408.")
@click.option("--header-timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="Seconds a connection may take to send a request's line and headers before it is answered 408.")
@click.option("--shutdown-timeout", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="On Ctrl-C or SIGTERM, seconds to finish the requests in flight before stopping.")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="One line per request on stderr.")
@friendly_errors
def serve(models, host, port, gallery, max_upload_mb, max_batch, batch_wait_ms, api_key, body_timeout, header_timeout, shutdown_timeout,
          access_log):
    """Serve saved MODELs (paths, run folders, or NAME=PATH): a JSON API and a page per model at
    http://HOST:PORT/ (each model under its file's or folder's name)."""
    from deeptoolkit.serve import server
    from deeptoolkit.serve.actions import Settings
    from deeptoolkit.serve.app import create_app
    from deeptoolkit.serve.models import load_models

    if api_key is not None and not api_key.strip():
        raise click.BadParameter("an empty key would let anyone in", param_hint="--api-key")
    listening = server.listening_socket(host, port)  # before the models load: a taken port is said at once
    port = listening.getsockname()[1]
    loaded = load_models(models)
    for name, task in loaded.items():
        click.echo(f"serving {name} ({type(task).__name__}) at http://{host}:{port}/models/{name}")
    if host not in LOOPBACK and api_key is None:
        click.echo(f"warning: serving on {host} without an API key: anyone who reaches this machine can use the models. "
                   "Set --api-key or $DEEPTOOLKIT_API_KEY.", err=True)
    if access_log:
        server.log_requests_to_stderr()
    settings = Settings(int(max_upload_mb * 1e6), gallery, max_batch=max_batch, batch_wait_ms=batch_wait_ms, api_key=api_key,
                        body_timeout_s=body_timeout)
    server.run(create_app(loaded, settings), listening, header_timeout_s=header_timeout, shutdown_timeout_s=shutdown_timeout)


@click.command("export")
@click.argument("model")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="The SavedModel folder to write (new or empty).")
@friendly_errors
def export(model, out):
    """Write MODEL as a TensorFlow SavedModel (the tasks whose answer is one call of their network:
    class probabilities, face embeddings)."""
    import deeptoolkit

    click.echo(f"wrote {deeptoolkit.load(model).export(out)}")
