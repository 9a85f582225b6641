"""Issue 20: with a server configured, the window says it cannot connect yet (rather than
silently opening the local file, which would show other data than the command line)."""

from pathlib import Path

import pytest

from app import paths


def test_window_with_a_server_configured_says_so_and_opens_nothing(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.main

    shown: list[str] = []
    monkeypatch.setattr(ui.main.QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    paths.set_data_dir(tmp_path)
    monkeypatch.setenv(paths.DATABASE_URL_ENV, "postgresql://clerk@db.xf.local/xinfang")
    assert ui.main.run_gui(smoke=True) == 1
    assert shown and "暂不支持连接服务器" in shown[0]
    assert not paths.database_path(tmp_path).exists()  # no local file was made
