"""A real browser uses a model's page: headless Chromium (Debian's chromium and chromium-driver,
installed by .ci/run) uploads an image to the ImageClassifier page and reads the label."""

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


@pytest.fixture(scope="module")
def server(served_models):
    import uvicorn

    port = free_port()
    config = uvicorn.Config(create_app({"digits": served_models["image_classifier"]}), host="127.0.0.1", port=port, log_level="warning")
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
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1100,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
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
