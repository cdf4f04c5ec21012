"""A real browser uses a model's page: headless Chromium (Debian's chromium and chromium-driver,
installed by .ci/run) uploads an image to the ImageClassifier page and reads the label, and
records a spoken digit on the SpeechRecognizer page through Chromium's fake microphone (a WAV
file played as the capture device) and reads the transcript."""

import base64
import shutil
import socket
import threading
import time

import pytest

from deeptoolkit.serve.app import create_app

CHROMIUM, DRIVER = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serving(models, settings=None, **server):
    """Serve `models` on a free local port in a thread (`server`: more uvicorn.Config arguments); yields the base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(create_app(models, settings), host="127.0.0.1", port=port, log_level="warning", **server)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "the server did not start within 30 s"
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def server(served_models):
    yield from serving({"digits": served_models["image_classifier"], "spoken": served_models["speech"]})


def chromium(*arguments):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1100,900", *arguments):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def listening_browser(tmp_path_factory):
    """Chromium whose microphone plays a spoken digit and a pause, over and over (its fake capture
    device, allowed without asking)."""
    from tests.serve.conftest import spoken_digit

    voice = tmp_path_factory.mktemp("voice") / "digit.wav"
    voice.write_bytes(spoken_digit(pause=2.0))
    driver = chromium("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                      f"--use-file-for-fake-audio-capture={voice}", "--autoplay-policy=no-user-gesture-required")
    yield driver
    driver.quit()


def test_a_person_classifies_an_image_on_the_page(server, browser, served_models, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.serve.conftest import png

    import numpy as np

    image = tmp_path / "digit.png"
    image.write_bytes(png(np.random.default_rng(0).integers(0, 255, (8, 8))))
    browser.get(f"{server}/models/digits")
    assert "ImageClassifier" in browser.page_source
    upload = browser.find_element(By.ID, "image")
    browser.execute_script("arguments[0].hidden = false", upload)  # the drop zone hides the plain file input
    upload.send_keys(str(image))
    browser.find_element(By.CSS_SELECTOR, "#form button[type=submit]").click()
    label = WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "top-label"))).text
    assert label == served_models["image_classifier"].predict(str(image))[0]["label"]

    # Several files at once: one answer each, under its file's name, in order.
    others = [tmp_path / f"{name}.png" for name in ("zeros", "noise")]
    others[0].write_bytes(png(np.zeros((8, 8))))
    others[1].write_bytes(png(np.random.default_rng(1).integers(0, 255, (8, 8))))
    browser.get(f"{server}/models/digits")
    upload = browser.find_element(By.ID, "image")
    browser.execute_script("arguments[0].hidden = false", upload)
    upload.send_keys("\n".join(str(path) for path in others))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#image-preview img.preview")) == 2
    browser.find_element(By.CSS_SELECTOR, "#form button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#result .item")) == 2)
    items = browser.find_elements(By.CSS_SELECTOR, "#result .item")
    assert [item.find_element(By.TAG_NAME, "h3").text for item in items] == ["zeros.png", "noise.png"]
    expected = [answer["label"] for answer in served_models["image_classifier"].predict([str(path) for path in others])]
    assert [item.find_element(By.CSS_SELECTOR, ".big span").text for item in items] == expected


def test_a_person_records_a_word_with_the_microphone_and_reads_what_was_heard(server, listening_browser, served_models):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser = listening_browser
    browser.get(f"{server}/models/spoken")
    assert "SpeechRecognizer" in browser.page_source
    record = browser.find_element(By.ID, "clips-record")
    record.click()
    WebDriverWait(browser, 10).until(lambda b: b.find_element(By.ID, "clips-status").text == "recording...")
    time.sleep(1.5)
    record.click()
    WebDriverWait(browser, 10).until(lambda b: b.find_element(By.ID, "clips-status").text.startswith("recorded"))
    recorded = base64.b64decode(browser.execute_async_script("""const done = arguments[arguments.length - 1];
        const file = document.getElementById('clips').files[0];
        file.arrayBuffer().then(buffer => { const bytes = new Uint8Array(buffer); let text = '';
          for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
          done(btoa(text)); });"""))
    browser.find_element(By.CSS_SELECTOR, "#form button[type=submit]").click()
    heard = WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "transcript"))).text
    answer = served_models["speech"].predict(recorded)[0]
    assert answer["seconds"] > 1.0  # the recording holds the digit the fake microphone played
    assert heard == answer["transcript"] and len(browser.find_elements(By.CSS_SELECTOR, "#result table.scores tr")) == 3
