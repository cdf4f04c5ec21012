"""Screenshots of every model's page as a person uses it: `deeptoolkit serve` on the saved test
models, each form filled (an upload for image inputs, two where the verb takes several, a recording from the microphone for audio
inputs: Chromium's fake capture device plays one of the embedded spoken digits; the page's own
example for text), sent, and the page with its answer written to docs/serving/TASK.png by
headless Chromium.

    python docs/serving/take_screenshots.py [--models tests/fixtures/legacy] [--use speech=runs/digits] [--out docs/serving]

Needs chromium and chromedriver (apt-get install chromium chromium-driver) and selenium.
"""

import argparse
import base64
import os
import socket
import tempfile
import threading
import time

import numpy as np
import uvicorn
from PIL import Image
from scipy.io import wavfile

import deeptoolkit
from deeptoolkit import registry
from deeptoolkit.data import shape_scenes, spoken_digits, synthetic_faces
from deeptoolkit.serve.app import create_app


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def example_images(folder):
    """An image file for each kind of model that reads images, enlarged so that a page shows it."""
    digit, digit2 = (np.kron(np.random.default_rng(seed).integers(0, 255, (8, 8)), np.ones((8, 8))).astype("uint8") for seed in (3, 4))
    scene, scene2 = shape_scenes.generate_scenes(2, seed=7)[0]
    faces, _ = synthetic_faces.photos(synthetic_faces.people(1, seed=5), 2, seed=5)
    paths = {}
    for name, pixels in {"digit": digit, "digit2": digit2, "scene": scene, "scene2": scene2, "face0": faces[0], "face1": faces[1]}.items():
        paths[name] = os.path.join(folder, f"{name}.png")
        Image.fromarray(np.asarray(pixels).squeeze().astype("uint8")).save(paths[name])
    return paths


def images_for(task_name, item, images):
    """The files a form's image input gets: two where it takes several, to show an answer each."""
    if task_name == "face-verifier":
        return [images["face1" if item.name == "second" else "face0"]]
    kind = "scene" if task_name == "captioner" else "digit"
    return [images[kind], images[kind + "2"]] if item.many else [images[kind]]


def main():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=os.path.join("tests", "fixtures", "legacy"))
    parser.add_argument("--out", default=os.path.join("docs", "serving"))
    parser.add_argument("--use", action="append", default=[], help="TASK=PATH: show this saved model instead of the test one")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    chosen = {name: os.path.join(args.models, name.replace("-", "_") + ".dtk") for name in registry.TASKS}
    chosen.update(item.split("=", 1) for item in args.use)
    models = {name: deeptoolkit.load(path) for name, path in chosen.items()}
    work = tempfile.mkdtemp(prefix="dtk-pages-")
    voice = os.path.join(work, "voice.wav")
    clip = spoken_digits.split()[1][0][7]
    spoken = np.concatenate([clip.samples, np.zeros(2 * clip.rate, "float32")])  # a word, then a pause as long as the recording
    wavfile.write(voice, clip.rate, np.round(spoken * 32767).astype("int16"))
    images = example_images(work)
    gallery = os.path.join(work, "gallery")
    for person, photo in (("ada", "face0"), ("bob", "digit")):
        os.makedirs(os.path.join(gallery, person))
        Image.open(images[photo]).save(os.path.join(gallery, person, "0.png"))
    from deeptoolkit.serve.actions import Settings

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(models, Settings(gallery=gallery)), host="127.0.0.1",
                                          port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1000,1400",
                     "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={voice}"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        for name, task in models.items():
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            browser.get(f"http://127.0.0.1:{port}/models/{name}")
            for index, verb in enumerate(v for v in type(task).verbs if v.served):
                form, prefix = ("form", "") if index == 0 else (verb.name, verb.name + "-")
                for item in verb.inputs:
                    if item.kind == "image":
                        field = browser.find_element(By.ID, prefix + item.name)
                        browser.execute_script("arguments[0].hidden = false", field)
                        field.send_keys("\n".join(os.path.abspath(path) for path in images_for(name, item, images)))
                        browser.execute_script("arguments[0].hidden = true; arguments[0].dispatchEvent(new Event('change'))", field)
                    if item.kind == "audio":
                        record = browser.find_element(By.ID, prefix + item.name + "-record")
                        record.click()
                        time.sleep(1.5)
                        record.click()
                        WebDriverWait(browser, 10).until(
                            lambda b: b.find_element(By.ID, prefix + item.name + "-status").text.startswith("recorded"))
                browser.find_element(By.CSS_SELECTOR, f"#{form} button[type=submit]").click()
                result = "result" if index == 0 else f"{verb.name}-result"
                WebDriverWait(browser, 60).until(
                    lambda b: "working" not in b.find_element(By.ID, result).text and b.find_element(By.ID, result).text)
            time.sleep(0.5)
            # The whole page, answer included, through Chromium's own capture (a window resize is not honoured headless).
            height = int(min(browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]["height"], 2400))
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"mobile": False, "width": 1000, "height": height, "deviceScaleFactor": 1})
            shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            path = os.path.join(args.out, f"{name}.png")
            with open(path, "wb") as handle:
                handle.write(base64.b64decode(shot["data"]))
            print("wrote", path)
    finally:
        browser.quit()
        server.should_exit = True


if __name__ == "__main__":
    main()
