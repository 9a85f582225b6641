"""The case list's model: the first screen of rows comes before every matching id (issue 20:
at a million cases the ids take the worker a second or more)."""

from accounts import TESTER
from pytestqt.qtbot import QtBot

from app.cases import demo
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database
from ui.cases.case_list import CaseTableModel
from ui.tasks import TaskRunner


def counted_pages(service: CaseService) -> list[int]:
    """A 1 for each LIMIT query of a first screen (`CaseService.page`)."""
    pages: list[int] = []
    real = service.page
    service.page = lambda *a, **k: pages.append(1) or real(*a, **k)  # type: ignore[method-assign]
    return pages


def test_first_screen_comes_first_and_the_rest_is_appended(qtbot: QtBot, db: Database) -> None:
    demo.generate(db, 260, seed=3)
    service = CaseService(db, TESTER)
    model = CaseTableModel(service, TaskRunner(), first_screen=True)
    total = service.count(CaseFilter())
    assert total > CaseTableModel.BLOCK
    events: list[tuple[str, int, int]] = []
    model.first_page_shown.connect(lambda n: events.append(("first", n, model.rowCount())))
    model.modelReset.connect(lambda: events.append(("reset", model.rowCount(), 0)))
    model.rowsInserted.connect(lambda _p, a, b: events.append(("insert", a, b)))
    model.loaded.connect(lambda n: events.append(("loaded", n, model.rowCount())))
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.set_filter(CaseFilter())
    block = CaseTableModel.BLOCK
    assert events == [
        ("reset", block, 0),
        ("first", block, block),
        ("insert", block, total - 1),  # appended: a row already selected stays where it is
        ("loaded", total, total),
    ]
    assert model.ids == service.ids(CaseFilter())
    # The first screen's rows came with it: nothing is fetched again for them.
    fetched: list[int] = []
    real = service.rows_by_id
    service.rows_by_id = lambda ids: fetched.append(len(ids)) or real(ids)  # type: ignore[method-assign]
    first = model.row_at(0)
    assert first is not None and first.id == model.ids[0] and fetched == []
    assert model.row_at(block) is not None and fetched == [block]


def test_a_short_list_is_shown_once(qtbot: QtBot, db: Database) -> None:
    demo.generate(db, 30, seed=4)
    service = CaseService(db, TESTER)
    model = CaseTableModel(service, TaskRunner(), first_screen=True)
    inserted: list[int] = []
    model.rowsInserted.connect(lambda *_a: inserted.append(1))
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.set_filter(CaseFilter())
    assert inserted == [] and model.rowCount() == service.count(CaseFilter())


def test_a_search_and_a_short_list_get_their_ids_in_one_query(qtbot: QtBot, db: Database) -> None:
    demo.generate(db, 260, seed=5)
    service = CaseService(db, TESTER)
    pages = counted_pages(service)
    searched = CaseTableModel(service, TaskRunner(), first_screen=True)
    with qtbot.waitSignal(searched.loaded, timeout=10000):
        searched.set_filter(CaseFilter(text="张"))
    todo = CaseTableModel(service, TaskRunner())  # the 待办 lists
    with qtbot.waitSignal(todo.loaded, timeout=10000):
        todo.set_filter(CaseFilter())
    assert pages == []  # a keystroke waits for one query, not two


def test_the_first_screen_step_only_while_the_ids_are_slow(qtbot: QtBot, db: Database) -> None:
    # At 100,000 cases every id takes 40 ms: a LIMIT query before them only delays the list.
    demo.generate(db, 260, seed=6)
    service = CaseService(db, TESTER)
    pages = counted_pages(service)
    model = CaseTableModel(service, TaskRunner(), first_screen=True)
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.set_filter(CaseFilter())  # not measured yet: the first screen first
    assert pages == [1]
    assert model.plain_ids_s is not None and model.plain_ids_s < CaseTableModel.FIRST_SCREEN_S
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.reload()
    assert pages == [1] and model.rowCount() == service.count(CaseFilter())
    model.plain_ids_s = CaseTableModel.FIRST_SCREEN_S  # as slow as at a million cases
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.reload()
    assert pages == [1, 1]
