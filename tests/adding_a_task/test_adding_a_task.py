"""Adding a task is one class with its declaration: a toy task defined here, registered, gets its
commands, a served page and JSON endpoint, and save/load, without a change to deeptoolkit/."""

import json

import pytest
from fastapi.testclient import TestClient

import deeptoolkit
from deeptoolkit import registry
from deeptoolkit.serve.app import create_app
from tests.adding_a_task.vowel_counter import VowelCounter
from tests.cli_helpers import one_line_error, run


@pytest.fixture(scope="module")
def registered():
    registry.register("vowel-counter", VowelCounter)
    yield
    registry.unregister("vowel-counter")


@pytest.fixture(scope="module")
def trained(registered, tmp_path_factory):
    out = tmp_path_factory.mktemp("vowels")
    result = run("vowel-counter", "train", "--epochs", 150, "--units", 8, "--seed", 0, "--out", out)
    assert result.exit_code == 0, result.output
    assert "held-out training mean absolute error" in result.output
    return out / "model.dtk"


def test_the_command_line_is_made_from_the_declaration(registered):
    listing = run("--help").output
    assert "vowel-counter" in listing and "Count the vowels of a word" in listing
    commands = run("vowel-counter", "--help").output
    assert all(name in commands for name in ("train", "evaluate", "count"))
    train_help = run("vowel-counter", "train", "--help").output
    assert "--units" in train_help and "Hidden units." in train_help and "--epochs" in train_help and "default: 8" in train_help
    assert run("vowel-counter", "train", "--units", 0).exit_code == 2  # click refuses the declared bound


def test_it_trains_answers_and_saves_from_the_command_line(trained):
    answer = json.loads(run("vowel-counter", "count", trained, "banana").output.splitlines()[0])
    assert answer["word"] == "banana" and answer["vowels"] == pytest.approx(3, abs=0.5)
    scores = json.loads(run("vowel-counter", "evaluate", trained, "--json").output.splitlines()[-1])
    assert scores["mae"] < 0.5 and scores["words"] == 13
    loaded = deeptoolkit.load(trained)
    assert isinstance(loaded, VowelCounter) and loaded.count("queue")["vowels"] == pytest.approx(4, abs=0.5)
    one_line_error(run("vowel-counter", "count", trained.parent / "absent.dtk", "sky"), "absent.dtk")


def test_it_is_served_with_a_page_and_a_json_endpoint(trained):
    client = TestClient(create_app({"vowels": deeptoolkit.load(trained)}))
    assert [m["task"] for m in client.get("/models").json()] == ["vowel-counter"]
    page = client.get("/models/vowels").text
    assert '<form id="form"' in page and 'id="word"' in page and 'value="banana"' in page
    answer = client.post("/models/vowels/count", json={"word": "idea"}).json()
    assert answer["vowels"] == pytest.approx(3, abs=0.5)
    assert client.post("/models/vowels/count", json={"word": "  "}).status_code == 400
    assert client.post("/models/vowels/count", json={}).status_code == 422
    assert "/models/vowels/count" in client.get("/openapi.json").json()["paths"]
