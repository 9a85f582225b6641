"""The unexpected-error dialog: logged to the rotating log, shown with 复制详细信息."""

import logging

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger("xinfang")


def report(parent: QWidget | None, exc: BaseException, details: str = "") -> None:
    log.error("未预料的错误：%s\n%s", exc, details)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("程序出错")
    box.setText("操作没有完成，已保存的数据不受影响。\n请把详细信息发给技术支持。")
    box.setDetailedText(details or repr(exc))
    copy = box.addButton("复制详细信息", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    if box.clickedButton() is copy:
        QApplication.clipboard().setText(details or repr(exc))
