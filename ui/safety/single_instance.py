"""One window per data folder: the OS lock (app.safety.instance_lock) decides, a local socket
brings the first window forward when a second start is refused."""

import getpass
import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

from app.safety.instance_lock import AlreadyRunning, InstanceLock

_MESSAGE = b"show\n"


def server_name(folder: Path) -> str:
    """One name per user and data folder (the demo folder is a separate program)."""
    key = f"{getpass.getuser()}|{str(Path(folder).resolve()).lower()}"
    return "xinfang-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


class SingleInstance(QObject):
    """`claim()` at start: True = we are the program for this folder; False = another one has
    it (it was asked to come forward; `refused` says where it runs)."""

    show_requested = Signal()

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self.lock = InstanceLock(self.folder)
        self.name = server_name(self.folder)
        self.server: QLocalServer | None = None
        self.refused: AlreadyRunning | None = None
        self.forwarded = False

    def claim(self) -> bool:
        try:
            self.lock.acquire()
        except AlreadyRunning as exc:
            self.refused = exc
            self.forwarded = self._ask_first_to_show()
            return False
        # We hold the lock, so a socket file left by a crashed program is stale.
        QLocalServer.removeServer(self.name)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)
        self.server.listen(self.name)
        return True

    def _ask_first_to_show(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(1000):
            return False  # e.g. the holder runs on another PC sharing this folder
        socket.write(_MESSAGE)
        socket.waitForBytesWritten(1000)
        socket.disconnectFromServer()
        return True

    def _on_connection(self) -> None:
        assert self.server is not None
        while (conn := self.server.nextPendingConnection()) is not None:
            conn.readyRead.connect(lambda c=conn: self._read(c))
            conn.disconnected.connect(conn.deleteLater)
            if conn.bytesAvailable():
                self._read(conn)

    def _read(self, conn: QLocalSocket) -> None:
        if bytes(conn.readAll().data()).startswith(_MESSAGE.strip()):
            self.show_requested.emit()

    def bring_forward(self, window: QWidget) -> None:
        self.show_requested.connect(lambda: _raise(window))

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server.deleteLater()  # on this (the GUI) thread, not whenever GC gets to it
            self.server = None
        self.lock.release()


def _raise(window: QWidget) -> None:
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
