"""A damaged or foreign database file gets a Chinese message with the way out, never a traceback."""

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import paths
from app.bootstrap import open_database
from app.db import Database
from app.safety import backup, integrity
from app.safety.integrity import DatabaseDamaged
from app.safety.network_drive import network_kind, warning


@pytest.fixture(autouse=True)
def _reset_data_dir() -> Iterator[None]:
    yield
    paths.set_data_dir(None)


def corrupt(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(path, "r+b") as f:
        f.seek(4096 * 2)  # page 3 onward: tables and indexes of the schema
        f.write(b"\xde\xad\xbe\xef" * 4096)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 4000, "不是信访工作台的数据库文件"),
        ("信访台账\n张三,来信\n".encode() * 50, "不是信访工作台的数据库文件"),
        (b"SQLite format 3\x00" + b"\xff" * 5000, "已损坏"),
    ],
)
def test_non_database_files_get_the_message(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "xinfang.sqlite3"
    path.write_bytes(content)
    with pytest.raises(DatabaseDamaged) as err:
        open_database(path)
    assert message in err.value.message and "xinfang restore" in err.value.message
    assert path.read_bytes() == content  # nothing written to it


@pytest.mark.sqlite_only("backups of the database file")
def test_damaged_pages_are_found_by_the_quick_check(db: Database, tmp_path: Path) -> None:
    from app.cases import demo

    demo.generate(db, 300, seed=2)
    good = backup.make_backup(db, now=None)
    db.close()
    integrity.ensure_usable(db.path, quick=True)
    corrupt(db.path)
    with pytest.raises(DatabaseDamaged) as err:
        integrity.ensure_usable(db.path, quick=True)
    text = err.value.message
    assert "已损坏" in text and str(good.path) in text and "信访件" in text
    report = integrity.health(db.path)
    assert not report.ok
    assert any(i.label == "完整性检查" and i.state == "错误" for i in report.items)


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "xinfang.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseDamaged, match="不是信访工作台的数据库"):
        open_database(path)


CLI = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"


def test_cli_prints_the_message_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "xinfang.sqlite3").write_bytes(b"\x00not a database\x00" * 300)
    for args in (["case", "list"], ["backup"], ["check"]):
        result = subprocess.run(
            [sys.executable, "-c", CLI, "--data-dir", str(tmp_path), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1, args
        assert "Traceback" not in result.stderr + result.stdout
        assert "已损坏" in result.stderr + result.stdout


def test_health_report_of_a_sound_database(db: Database, tmp_path: Path) -> None:
    shutil.copy(db.path, tmp_path / "copy.sqlite3")
    report = integrity.health(db.path)
    states = {i.label: i.state for i in report.items}
    assert report.ok and states["完整性检查"] == "正常" and states["最近备份"] == "注意"


MOUNTS = """\
/dev/sda2 / ext4 rw,relatime 0 0
/dev/sdb1 /media/clerk/U\\040PAN vfat rw 0 0
//server/share /mnt/share cifs rw,vers=3.0 0 0
server:/export /home/clerk/nfs nfs4 rw 0 0
clerk@host:/data /home/clerk/remote fuse.sshfs rw 0 0
/dev/sdc1 /media/clerk/ntfs fuseblk rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/home/clerk/信访数据", None),
        ("/media/clerk/U PAN/信访", None),
        ("/media/clerk/ntfs/信访", None),  # ntfs-3g on a local USB disk is FUSE but local
        ("/mnt/share/信访", "cifs"),
        ("/mnt/share", "cifs"),
        ("/mnt/shared", None),
        ("/home/clerk/nfs/x", "nfs4"),
        ("/home/clerk/remote/x", "fuse.sshfs"),
    ],
)
def test_network_drive_on_linux(path: str, kind: str | None) -> None:
    assert network_kind(Path(path), platform="linux", mounts_text=MOUNTS) == kind


def test_network_drive_on_windows_unc_and_the_advice() -> None:
    assert network_kind(Path("\\\\server\\share\\信访"), platform="win32") == "UNC 共享路径"
    text = warning(Path("\\\\server\\share\\信访"), platform="win32")
    assert text is not None and "本机硬盘" in text and "备份文件夹" in text


def test_damage_found_in_the_middle_of_a_command_is_a_message(db: Database, tmp_path: Path) -> None:
    from app.cases import demo

    demo.generate(db, 400, seed=5)
    db.close()
    conn = sqlite3.connect(db.path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'cases'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db.path, "r+b") as f:  # the cases table's root page; the schema stays readable
        f.seek((root - 1) * page_size)
        f.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CLI,
            "--data-dir",
            str(db.path.parent),
            "case",
            "list",
            "--limit",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "xinfang check" in result.stderr or "已损坏" in result.stderr
