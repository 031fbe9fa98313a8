"""transport.py: how a file comes from a mirror (the HTTP end of download.py; test_download.py
runs it against local servers): URLs, byte ranges, the progress line."""
import types

import pytest

import transport


def test_progress_line_shows_megabytes_rate_and_time_left(capsys):
    progress = transport.Progress(0, 100 * 2**20)
    progress.start -= 10  # as if started 10 s ago
    progress.done = 25 * 2**20
    progress.print_line()
    assert capsys.readouterr().out == "  25.0 / 100.0 MB (25%), 2.5 MB/s, 0:00:30 left\n"


def test_a_folder_mirror_gets_the_name_and_google_drive_the_files_id():
    assert transport.mirror_url("https://a.org/mnist/", "x.gz") == "https://a.org/mnist/x.gz"
    drive = "https://docs.google.com/uc?export=download"
    assert transport.mirror_url(drive, "f.zip", {"f.zip": "ID1"}) == "https://docs.google.com/uc?export=download&id=ID1"
    with pytest.raises(transport.DownloadError, match="no Google Drive id known for g.zip"):
        transport.mirror_url(drive, "g.zip", {"f.zip": "ID1"})


def answer(status, **headers):
    return types.SimpleNamespace(status=status, headers=headers)


def test_a_continued_download_must_continue_where_the_part_ends():
    assert transport.body_range(answer(200, **{"Content-Length": "500"}), 100) == (0, 500)  # starts over
    assert transport.body_range(answer(206, **{"Content-Range": "bytes 100-499/500"}), 100) == (100, 500)
    with pytest.raises(transport.DownloadError, match="answered bytes 'bytes 0-499/500' when asked from byte 100"):
        transport.body_range(answer(206, **{"Content-Range": "bytes 0-499/500"}), 100)
