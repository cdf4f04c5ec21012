"""What each task answers over HTTP: its verbs as FastAPI routes, inputs and outputs as JSON.

`routes(name, task, settings)` gives [(action, endpoint)] for one served model. Endpoints are
plain functions: FastAPI runs them in its thread pool, off the event loop; each model answers
one request at a time (its lock), as a Keras model's state is not shared safely between threads.
"""

import threading
from typing import Optional

import numpy as np
from fastapi import File, Form, HTTPException, UploadFile
from pydantic import BaseModel, Field

from deeptoolkit.serve.uploads import saved_uploads

MAX_GENERATED = 5000  # units a single generate request may ask for


class Settings:
    """What the server was started with: the upload limit and the identify gallery."""

    def __init__(self, max_upload_bytes=10_000_000, gallery=None):
        self.max_upload_bytes = max_upload_bytes
        self.gallery = gallery


def plain(value):
    """JSON-ready copies of numpy scalars and arrays inside dicts and lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class GenerateRequest(BaseModel):
    prime: str = Field("\n", description="Text to start from.")
    length: int = Field(200, ge=0, le=MAX_GENERATED, description="Characters (or words) to write.")
    temperature: float = Field(1.0, ge=0)
    top_k: Optional[int] = Field(None, ge=1)
    top_p: Optional[float] = Field(None, gt=0, le=1)
    seed: Optional[int] = None


class TranslateRequest(BaseModel):
    sentence: str
    beam: Optional[int] = Field(None, ge=1, le=16)
    attention: bool = Field(False, description="Also return the target x source attention matrix.")


class AnswerRequest(BaseModel):
    story: str = Field(..., description="One sentence per line, or sentences ending in full stops.")
    question: str
    top_k: int = Field(3, ge=1, le=20)


def routes(name, task, settings):
    """[(action, endpoint, summary)] of the served model `name`."""
    lock = threading.Lock()
    kind = type(task).__name__
    limit = settings.max_upload_bytes

    if kind == "ImageClassifier":
        def predict(image: UploadFile = File(...), top_k: int = Form(5, ge=1)):
            with saved_uploads(limit, image=image) as paths, lock:
                return plain(task.predict(paths["image"], top_k=top_k)[0])
        return [("predict", predict, "The classes of an uploaded image, best first, with probabilities.")]

    if kind == "FaceVerifier":
        def verify(first: UploadFile = File(...), second: UploadFile = File(...)):
            with saved_uploads(limit, first=first, second=second) as paths, lock:
                return plain(task.verify(paths["first"], paths["second"]))

        def identify(image: UploadFile = File(...), top_k: int = Form(5, ge=1)):
            if settings.gallery is None:
                raise HTTPException(400, "This server was started without a gallery: start it with --gallery DIR to identify")
            with saved_uploads(limit, image=image) as paths, lock:
                return {"matches": plain(task.identify(paths["image"], settings.gallery, top_k=top_k))}
        return [("verify", verify, "Whether two uploaded photos show the same person."),
                ("identify", identify, "The nearest people of the gallery to an uploaded photo.")]

    if kind == "CharRNN":
        def generate(request: GenerateRequest):
            with lock:
                text = task.generate(request.prime, request.length, temperature=request.temperature, top_k=request.top_k,
                                     top_p=request.top_p, seed=request.seed)
            return {"prime": request.prime, "text": text}
        return [("generate", generate, "Text that follows a prime.")]

    if kind == "Translator":
        def translate(request: TranslateRequest):
            with lock:
                result = {"translation": task.translate(request.sentence, beam=request.beam)}
                if request.attention and task.config["attention"] is not None:
                    result["attention"] = plain(task.attention(request.sentence, beam=request.beam))
            return result
        return [("translate", translate, "The translation of a sentence, optionally with its attention matrix.")]

    if kind == "Captioner":
        def caption(image: UploadFile = File(...), beam: Optional[int] = Form(None, ge=1, le=16), attention: bool = Form(False)):
            with saved_uploads(limit, image=image) as paths, lock:
                if not attention:
                    return {"caption": task.caption(paths["image"], beam=beam)}
                result = task.caption(paths["image"], beam=beam, return_attention=True)
            return {"caption": result["caption"], "words": result["words"], "attention": plain(result["attention"])}
        return [("caption", caption, "A sentence describing an uploaded image, optionally with each word's attention grid.")]

    if kind == "MemNN":
        def answer(request: AnswerRequest):
            if not request.story.strip() or not request.question.strip():
                raise HTTPException(400, "Expected a story and a question, both with words in them")
            with lock:
                return plain(task.answer(request.story, request.question, top_k=request.top_k))
        return [("answer", answer, "The answer to a question about a story, with the sentences each hop attended to.")]

    raise ValueError(f"no routes for {kind}")
