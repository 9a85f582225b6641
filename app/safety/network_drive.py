"""Is the data folder on a network drive? (issue 7 §5)

SQLite relies on file locks that SMB/NFS shares often do not honour, so two PCs (or one PC
and a sync tool) can corrupt a database kept there. Data belongs on the local disk; the share
is a good place for backups.
"""

import contextlib
import ntpath
import os
import sys
from pathlib import Path

# Linux/UOS/麒麟 file system types that live on another machine.
NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb",
    "smbfs",
    "smb3",
    "ncpfs",
    "afs",
    "9p",
    "ceph",
    "glusterfs",
    "lustre",
    "gfs2",
    "ocfs2",
    "davfs",
    "coda",
    "fuse.sshfs",
    "sshfs",
    "fuse.gvfsd-fuse",
    "fuse.glusterfs",
    "fuse.rclone",
    "fuse.davfs2",
    "fuse.s3fs",
    "fuse.cephfs",
    "fuse.smbnetfs",
    "fuse.curlftpfs",
    "fuse.juicefs",
}
DRIVE_REMOTE = 4  # GetDriveTypeW


def _unescape(field: str) -> str:
    """/proc/mounts writes a space in a mount point as \\040 (octal escapes)."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def _linux_fs_type(target: str, mounts_text: str) -> str | None:
    """The file system type of the mount that holds `target` (the longest matching mount point)."""
    best, best_type = "", None
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point, fs_type = _unescape(parts[1]), parts[2]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fs_type
    return best_type


def network_kind(
    path: str | os.PathLike[str], platform: str | None = None, mounts_text: str | None = None
) -> str | None:
    """A short description ('cifs', '网络驱动器 Z:', 'UNC 共享路径') when `path` is on a network
    drive, else None. `platform` and `mounts_text` exist for tests."""
    platform = platform or sys.platform
    raw = os.fspath(path)
    if platform.startswith("win"):
        if raw.startswith(("\\\\", "//")):
            return "UNC 共享路径"
        drive = ntpath.splitdrive(raw)[0]
        if not drive:
            return None
        if sys.platform.startswith("win"):  # only a real Windows can ask the drive type
            import ctypes

            kind = ctypes.windll.kernel32.GetDriveTypeW(drive + "\\")  # type: ignore[attr-defined,unused-ignore]
            if kind == DRIVE_REMOTE:
                return f"网络驱动器 {drive}"
        return None
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None  # not Linux (macOS) or /proc hidden: no claim either way
    # Symlinks are followed on the machine itself; a POSIX path examined on another
    # platform (the tests on Windows) is taken as written, never joined to a drive.
    target = raw
    if not sys.platform.startswith("win"):
        with contextlib.suppress(OSError):
            target = str(Path(raw).resolve())
    fs_type = _linux_fs_type(target, mounts_text)
    if fs_type and (fs_type in NETWORK_FS or fs_type.split(".")[-1] in NETWORK_FS):
        return fs_type
    return None


def warning(path: Path, **kwargs: str) -> str | None:
    """The warning shown at start when the data folder is on a network drive, with advice."""
    kind = network_kind(path, **kwargs)
    if kind is None:
        return None
    return (
        f"数据文件夹“{path}”位于网络驱动器上（{kind}）。\n"
        "数据库放在共享文件夹中，可能因为网络文件锁不可靠而损坏，或被两台电脑同时写入。\n"
        "建议：把数据文件夹放在本机硬盘上，把“备份文件夹”设置到共享盘或U盘。"
    )
