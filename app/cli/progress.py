"""Progress of a long command (demo, ledger import, settings set) on stderr.

On a terminal one line is rewritten in place with "\\r". In a log file or a pipe (a scheduled
task, `xinfang demo 2> demo.log`) a "\\r" would leave one endless line of overwritten figures, so
there only whole lines are written: one each time another tenth is done, the final figure last.
"""

import sys
from typing import TextIO

STEPS = 10  # lines written when not a terminal (plus the final one)


class ProgressLine:
    """A progress callback (done, total) → text; call finish() before printing anything else."""

    def __init__(self, template: str, stream: TextIO | None = None) -> None:
        self.template = template  # e.g. "已生成 {done}/{total} 件"
        # Looked up now, not at import: a test (capsys) or the GUI may have replaced sys.stderr.
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.open = False  # a "\r" line is on screen without its line end
        self.total = -1
        self.step = -1
        self.last = ""

    def __call__(self, done: int, total: int) -> None:
        text = self.template.format(done=done, total=total)
        if self.tty:
            print(f"\r{text}", end="", file=self.stream, flush=True)
            self.open = True
            return
        if total != self.total:  # a new phase counts from the start again
            self.total, self.step = total, -1
        step = STEPS * done // total if total > 0 else STEPS
        if step > self.step and text != self.last:
            print(text, file=self.stream, flush=True)
            self.step, self.last = step, text

    def finish(self) -> None:
        """End the rewritten line (on a terminal), so the next output starts on its own line."""
        if self.open:
            print(file=self.stream, flush=True)
            self.open = False
