import json

from deeptoolkit.data import shape_scenes
from tests.cli_helpers import one_line_error, run
from tests.conftest import write_image


def scenes_folder(folder, count=60):
    images, captions = shape_scenes.generate_scenes(count, seed=0)
    rows = ["image,caption"]
    for index, (image, references) in enumerate(zip(images, captions)):
        write_image(str(folder / "images" / f"scene{index:03d}.png"), image)
        rows += [f"scene{index:03d}.png,{caption}" for caption in references]
    (folder / "captions.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_train_evaluate_predict_caption(tmp_path):
    data = scenes_folder(tmp_path / "scenes")
    out = tmp_path / "run"
    result = run("captioner", "train", "--data", data, "--epochs", 1, "--image-size", 32, "--units", 16, "--min-count", 1,
                 "--seed", 0, "--out", out)
    assert result.exit_code == 0, result.output
    assert "held-out validation BLEU-4" in result.output and "(6 images)" in result.output

    result = run("captioner", "evaluate", out, "--beam", 2, "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output.splitlines()[-1])
    assert all(0 <= metrics[f"bleu{n}"] <= 1 for n in range(1, 5)) and metrics["beam"] == 2 and metrics["images"] == 6

    result = run("captioner", "predict", out, data / "images")
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 60 and result.output.splitlines()[0].startswith(str(data / "images" / "scene000.png"))

    first, second = data / "images" / "scene000.png", data / "images" / "scene001.png"
    result = run("captioner", "caption", out, first, second, "--beam", 2, "--attention-map", tmp_path / "map.png")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2] == f"wrote {tmp_path / 'map.png'}" and lines[3] == f"wrote {tmp_path / 'map-2.png'}"
    assert (tmp_path / "map-2.png").stat().st_size > 1000

    one_line_error(run("captioner", "caption", out, tmp_path / "nothing.png"), "Image file does not exist")


def test_bad_caption_file_is_one_line(tmp_path):
    (tmp_path / "captions.csv").write_text("a.jpg,A dog .\n", encoding="utf-8")
    one_line_error(run("captioner", "train", "--data", tmp_path, "--out", tmp_path / "run"), "`image` and `caption` columns")
