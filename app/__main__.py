"""`python -m app` and the PyInstaller entry point (`build.spec`): the `xinfang` command."""

from app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
