"""What each task answers over HTTP, made from its declared verbs (`deeptoolkit.declaration`).

`routes(name, task, settings, worker)` gives [(action, endpoint, summary)] for one served model. A
verb whose inputs include an image or a clip takes a multipart form (files and fields); any other
takes a JSON body. Endpoints are plain functions: FastAPI runs them in its thread pool, off the
event loop, and they hand the model's work to the model's worker (`deeptoolkit.serve.batching`):
a verb with one input of several items (`Input.many`: images, clips, texts) is batched with the
requests that arrive with it; any other runs alone. Several items in one request (repeated form
fields, a JSON list) are answered with a list, in order; one item with its answer.
"""

import dataclasses
import inspect
from typing import List, Optional, Union

from fastapi import File, Form, HTTPException, UploadFile
from pydantic import Field, create_model

from deeptoolkit import inputs
from deeptoolkit.declaration import REQUIRED, UPLOADED_KINDS
from deeptoolkit.json_ready import plain
from deeptoolkit.serve.uploads import saved_uploads


@dataclasses.dataclass
class Settings:
    """What the server was started with.

    max_upload_bytes: the largest request body. gallery: the identify gallery. max_batch: the most
    items one call of a model answers (and one request may send). batch_wait_ms: how long a
    batch waits for more requests after its first. api_key: required by every API route when
    set. body_timeout_s: the longest wait for the next part of a request body.
    """

    max_upload_bytes: int = 10_000_000
    gallery: str = None
    max_batch: int = 32
    batch_wait_ms: float = 1.0
    api_key: str = None
    body_timeout_s: float = 30.0


# Why a setting a verb needs is missing: the server's own option that provides it.
SETTING_FLAGS = {"gallery": "--gallery DIR"}


def routes(name, task, settings, worker):
    """[(action, endpoint, summary)] of the served model `name`: one per served verb."""
    return [(verb.name, _endpoint(name, task, verb, settings, worker), verb.summary) for verb in type(task).verbs if verb.served]


def batched_input(verb):
    """The input whose items requests share a call for (a verb of one `many` input), or None."""
    return verb.inputs[0] if len(verb.inputs) == 1 and verb.inputs[0].many else None


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


def _items(item, value, settings):
    """The items one request sent for `item`, as a list; more than one where one is taken, or more
    than the batch limit, is an error naming the field and the limit."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not item.many and len(items) > 1:
        raise HTTPException(422, f"{item.name!r} takes one {item.kind}; received {len(items)}")
    if len(items) > settings.max_batch:
        raise HTTPException(413, f"{item.name!r} takes at most {settings.max_batch} {item.kind}s in one request (the "
                                 f"server's --max-batch); received {len(items)}")
    if not items:
        raise HTTPException(422, f"{item.name!r} needs at least one {item.kind}")
    return items


def _endpoint(name, task, verb, settings, worker):
    uploads = [item for item in verb.inputs if item.kind in UPLOADED_KINDS]
    texts = [item for item in verb.inputs if item.kind not in UPLOADED_KINDS]
    batched = batched_input(verb)
    method = getattr(task, verb.answer or verb.method_name)

    def shaped(result, given, values):
        """The JSON of one answer: a dict as it is, anything else under the verb's key, with the
        texts and the text options of the request beside it."""
        if isinstance(result, dict):
            return plain(result)
        echoed = {item.name: value for item, value in zip(verb.inputs, given) if item.kind not in UPLOADED_KINDS}
        echoed.update({o.name: values[o.name] for o in verb.options if o.value_type(o.default) is str})
        return {**echoed, verb.answer_key or verb.name: plain(result)}

    def answer(values):
        for setting in verb.settings:
            values[setting] = getattr(settings, setting)
            if values[setting] is None:
                raise HTTPException(400, f"This server was started without a {setting}: start it with "
                                         f"{SETTING_FLAGS.get(setting, '--' + setting)} to {verb.name}")
        given = {item.name: _items(item, values.pop(item.name), settings) for item in verb.inputs}
        for item in texts:
            inputs.texts(given[item.name], item.name)  # a DeeptoolkitError answers 400
        key = (verb.name, repr(sorted(values.items())))
        if batched is not None:
            items = given[batched.name]
            answers = worker.batched(key, lambda every: method(every, **values), items)
            listed = [shaped(result, [item], values) for result, item in zip(answers, items)]
            return listed if len(items) > 1 else listed[0]
        arguments = [given[item.name][0] for item in verb.inputs]
        return shaped(worker.alone(key, lambda: method(*arguments, **values)), arguments, values)

    if uploads:
        def endpoint(**values):
            files = {item.name: values.pop(item.name) for item in uploads}
            with saved_uploads(settings.max_upload_bytes, **files) as paths:
                return answer({**values, **paths})

        parameters = [inspect.Parameter(item.name, inspect.Parameter.KEYWORD_ONLY, default=File(..., description=item.help),
                                        annotation=List[UploadFile]) for item in uploads]
        parameters += [inspect.Parameter(item.name, inspect.Parameter.KEYWORD_ONLY, default=Form(..., description=item.help),
                                         annotation=str) for item in texts]
        parameters += [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=_form(o), annotation=_annotation(o))
                       for o in verb.options]
        endpoint.__signature__ = inspect.Signature(parameters)
        return endpoint

    fields = {item.name: (Union[str, List[str]] if item.many else str, Field(..., description=item.help)) for item in texts}
    fields.update({o.name: (_annotation(o), _field(o)) for o in verb.options})
    request_model = create_model(f"{name}_{verb.name}_request".title().replace("_", ""), **fields)

    def endpoint(request):
        return answer(request.model_dump())

    endpoint.__signature__ = inspect.Signature([inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                                  annotation=request_model)])
    return endpoint
