"""engine/common/yamlio.py `read_regular` and `load`: a policy folder's files are read only when they are regular
files within MAX_BYTES; a FIFO, a device or a folder is refused by name, in Chinese, without being opened for a
blocking read. A symlink is followed to what it points at, as before."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from engine.common import yamlio
from engine.common.locations import YamlError


def refused(path, **kwargs) -> YamlError:
    """The YamlError `read_regular` raises, within 10 s: a read that blocks (a FIFO opened for a blocking read)
    fails the test instead of hanging it (the thread is left behind, a daemon)."""
    outcome: list = []

    def read():
        try:
            outcome.append(yamlio.read_regular(path, **kwargs))
        except Exception as e:   # noqa: BLE001 — the test looks at what it was
            outcome.append(e)
    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(10)
    assert outcome, f"read_regular({path}) still blocked after 10 s"
    assert isinstance(outcome[0], YamlError), outcome[0]
    assert outcome[0].location.file == str(path)
    return outcome[0]


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    assert "命名管道" in refused(fifo).message


def test_a_symlink_to_a_fifo_is_refused_too(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "rules.yaml").symlink_to(tmp_path / "pipe")
    assert "命名管道" in refused(tmp_path / "rules.yaml").message


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_is_refused_unread(device):
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    assert "设备" in refused(Path(device)).message


def test_a_folder_is_refused_as_a_folder(tmp_path):
    assert "文件夹" in refused(tmp_path).message


def test_a_missing_file_says_so(tmp_path):
    assert refused(tmp_path / "nowhere.yaml").message == "文件不存在"


def test_a_file_over_the_limit_is_refused_with_the_limit_named(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * (1 << 19))          # 2.5 MB
    message = refused(big, limit=2 << 20).message
    assert "2.5 MB" in message and "2 MB" in message
    assert yamlio.read_regular(big, limit=3 << 20) == big.read_bytes()


def test_a_symlink_to_a_regular_file_is_followed(tmp_path):
    (tmp_path / "real.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert yamlio.read_regular(tmp_path / "link.yaml") == b"a: 1\n"
    assert yamlio.load(tmp_path / "link.yaml") == {"a": 1}


def test_load_refuses_a_fifo_and_keeps_crlf_files_as_before(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(YamlError, match="命名管道"):
        yamlio.load(tmp_path / "pipe.yaml")       # stat first: never opened for a blocking read
    (tmp_path / "dos.yaml").write_bytes(b"a: |\r\n  one\r\n  two\r\nb: 2\r\n")
    assert yamlio.load(tmp_path / "dos.yaml") == {"a": "one\ntwo\n", "b": 2}


def test_an_integer_too_long_to_convert_is_located(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("a: 1\nb:\n  c: " + "9" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(YamlError) as e:
        yamlio.load(path)
    assert (e.value.location.line, e.value.location.col) == (3, 6)
    assert "5000 位" in e.value.message
