"""Issue 16 item 9: template expressions that passed the 200k-character limit, output that
added up to gigabytes, and a loop over a string that never ended — each now stops with a
Chinese SecurityError message, in a child with 1 GB of address space and a time limit."""

import subprocess
import sys

import pytest

from app.documents.template_check import make_env

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1_000_000_000, 1_000_000_000))
from jinja2.exceptions import SecurityError
from app.documents.template_check import make_env
try:
    out = make_env().from_string(sys.argv[1]).render()
    print("rendered", len(out))
except SecurityError as exc:
    print("SecurityError", exc)
except MemoryError:
    print("MemoryError")
"""

BOMBS = {
    "percent width": "{{ '%0300000000d' % 1 }}",
    "format width": "{{ '{:>300000000}'.format(1) }}",
    "ljust": "{{ 'a'.ljust(300000000) }}",
    "center method": "{{ 'a'.center(300000000) }}",
    "center filter": "{{ 'a'|center(300000000) }}",
    "format filter": "{{ '%0300000000d'|format(1) }}",
    "2,000 × 199,999 characters": "{% for i in range(2000) %}{{ 'x' * 199999 }}{% endfor %}",
    "nested loop over a string": (
        "{% set s = 'x' * 200000 %}{% for c in s %}{% for d in s %}{% endfor %}{% endfor %}"
    ),
}


@pytest.mark.skipif(sys.platform.startswith("win"), reason="uses RLIMIT_AS")
@pytest.mark.parametrize("name", list(BOMBS))
def test_template_resource_bombs_stop_with_a_message(name: str) -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, BOMBS[name]], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail("still rendering after 60 s")
    assert done.stdout.startswith("SecurityError"), (done.stdout, done.stderr[-300:])
    assert "过" in done.stdout  # 过长 / 过多 / 太多: a sentence for the clerk


def test_ordinary_templates_still_render() -> None:
    source = (
        "{% for i in range(3) %}{{ i }}{% endfor %}|{{ '%05d' % 42 }}|{{ '{:>4}'.format(7) }}|"
        "{{ 'ab'|center(6) }}|{{ '%d'|format(1000000) }}|{% for c in 'xyz' %}{{ c }}{% endfor %}"
    )
    assert make_env().from_string(source).render() == "012|00042|   7|  ab  |1000000|xyz"
