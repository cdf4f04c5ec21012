"""What each task answers over HTTP, made from its declared verbs (`deeptoolkit.declaration`).

`routes(name, task, settings)` gives [(action, endpoint, summary)] for one served model. A verb
whose inputs include an image or a clip takes a multipart form (files and fields); any other takes a JSON
body. Endpoints are plain functions: FastAPI runs them in its thread pool, off the event loop;
each model answers one request at a time (its lock), as a Keras model's state is not shared
safely between threads.
"""

import inspect
import threading
from typing import Optional

from fastapi import File, Form, HTTPException, UploadFile
from pydantic import Field, create_model

from deeptoolkit import inputs
from deeptoolkit.declaration import REQUIRED, UPLOADED_KINDS
from deeptoolkit.json_ready import plain
from deeptoolkit.serve.uploads import saved_uploads


class Settings:
    """What the server was started with: the upload limit and the identify gallery."""

    def __init__(self, max_upload_bytes=10_000_000, gallery=None):
        self.max_upload_bytes = max_upload_bytes
        self.gallery = gallery


# Why a setting a verb needs is missing: the server's own option that provides it.
SETTING_FLAGS = {"gallery": "--gallery DIR"}


def routes(name, task, settings):
    """[(action, endpoint, summary)] of the served model `name`: one per served verb."""
    lock = threading.Lock()
    return [(verb.name, _endpoint(name, task, verb, settings, lock), verb.summary) for verb in type(task).verbs if verb.served]


def _field(option):
    """The pydantic Field of a declared option: its default, bounds and help."""
    return Field(... if option.default is REQUIRED else option.default, description=option.help, **_bounds(option))


def _form(option):
    return Form(... if option.default is REQUIRED else option.default, description=option.help, **_bounds(option))


def _bounds(option):
    bounds = {}
    if option.low is not None:
        bounds["gt" if option.low_open else "ge"] = option.low
    if option.high is not None:
        bounds["lt" if option.high_open else "le"] = option.high
    return bounds


def _annotation(option):
    kind = option.value_type(option.default)
    return Optional[kind] if option.default is None else kind


def _endpoint(name, task, verb, settings, lock):
    uploads = [item for item in verb.inputs if item.kind in UPLOADED_KINDS]
    texts = [item for item in verb.inputs if item.kind not in UPLOADED_KINDS]

    def answer(values):
        for setting in verb.settings:
            values[setting] = getattr(settings, setting)
            if values[setting] is None:
                raise HTTPException(400, f"This server was started without a {setting}: start it with "
                                         f"{SETTING_FLAGS.get(setting, '--' + setting)} to {verb.name}")
        for item in texts:
            inputs.texts(values[item.name], item.name)  # a DeeptoolkitError answers 400
        method = getattr(task, verb.answer or verb.method_name)
        given = [values.pop(item.name) for item in verb.inputs]
        with lock:
            result = method(*given, **values)
        if isinstance(result, list) and any(item.many for item in verb.inputs):
            result = result[0]  # one input per request: the answer for it
        if isinstance(result, dict):
            return plain(result)
        echoed = {item.name: value for item, value in zip(verb.inputs, given) if item.kind not in UPLOADED_KINDS}
        echoed.update({o.name: values[o.name] for o in verb.options if o.value_type(o.default) is str})
        return {**echoed, verb.answer_key or verb.name: plain(result)}

    if uploads:
        def endpoint(**values):
            files = {item.name: values.pop(item.name) for item in uploads}
            with saved_uploads(settings.max_upload_bytes, **files) as paths:
                return answer({**values, **paths})

        parameters = [inspect.Parameter(item.name, inspect.Parameter.KEYWORD_ONLY, default=File(..., description=item.help),
                                        annotation=UploadFile) for item in uploads]
        parameters += [inspect.Parameter(item.name, inspect.Parameter.KEYWORD_ONLY, default=Form(..., description=item.help),
                                         annotation=str) for item in texts]
        parameters += [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=_form(o), annotation=_annotation(o))
                       for o in verb.options]
        endpoint.__signature__ = inspect.Signature(parameters)
        return endpoint

    fields = {item.name: (str, Field(..., description=item.help)) for item in texts}
    fields.update({o.name: (_annotation(o), _field(o)) for o in verb.options})
    request_model = create_model(f"{name}_{verb.name}_request".title().replace("_", ""), **fields)

    def endpoint(request):
        return answer(request.model_dump())

    endpoint.__signature__ = inspect.Signature([inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                                  annotation=request_model)])
    return endpoint

