"""DrawFigures.py runs and writes every figure (skipped when matplotlib is not installed)."""
import glob
import os
import subprocess
import sys

import pytest

from conftest import ROOT

pytest.importorskip("matplotlib")


def test_every_figure_is_written(tmp_path):
    from DrawFigures import FIGURES
    result = subprocess.run([sys.executable, os.path.join(ROOT, "DrawFigures.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for name in FIGURES:
        path = tmp_path / name
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        assert width >= 1500 and height >= 600, (name, width, height)
        assert len(data) > 20_000, name          # a blank canvas compresses to far less


def test_committed_images_are_the_ones_the_readme_shows():
    pages = [os.path.join(ROOT, "README.md")] + glob.glob(os.path.join(ROOT, "docs", "*.md"))
    readme = "".join(open(page, encoding="utf-8").read() for page in pages)   # the README and the chapters
    from DrawFigures import FIGURES
    for name in FIGURES:
        assert os.path.exists(os.path.join(ROOT, "Images", name)), name
        assert f"Images/{name}" in readme, name


def test_without_a_folder_nothing_is_drawn_and_the_user_is_told_to_name_one(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "DrawFigures.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "the following arguments are required: --out" in result.stderr
    assert list(tmp_path.iterdir()) == []
