"""No test module reads "today" when it is imported: a run crossing midnight in Oslo would flake."""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
# Calls that read the clock: timezone.localdate/now, date.today, datetime.now, tests.dates.
CLOCK = {"localdate", "now", "today", "utcnow", "days_ago", "days_ahead"}


def _calls_the_clock(node: ast.AST) -> list[int]:
    """Lines of clock calls in ``node`` that run when it is evaluated (lambdas run later)."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Lambda):
            continue
        if isinstance(current, ast.Call):
            func = current.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CLOCK:
                found.append(current.lineno)
        stack.extend(ast.iter_child_nodes(current))
    return found


def import_time_clock_reads(source: str) -> list[int]:
    """Lines that read the clock at import: module and class bodies, decorators, defaults."""
    found: list[int] = []

    def visit_body(body: list[ast.stmt]) -> None:
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in statement.decorator_list:
                    found.extend(_calls_the_clock(decorator))
                for default in [*statement.args.defaults, *statement.args.kw_defaults]:
                    if default is not None:
                        found.extend(_calls_the_clock(default))
            elif isinstance(statement, ast.ClassDef):
                for decorator in statement.decorator_list:
                    found.extend(_calls_the_clock(decorator))
                visit_body(statement.body)
            else:
                found.extend(_calls_the_clock(statement))

    visit_body(ast.parse(source).body)
    return sorted(found)


def test_no_test_module_reads_the_clock_when_imported() -> None:
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line}"
        for path in sorted(TESTS.rglob("*.py"))
        for line in import_time_clock_reads(path.read_text())
    ]
    assert not offenders, "read the date inside the test (tests.dates.today()):\n" + "\n".join(
        offenders
    )


@pytest.mark.parametrize(
    "source",
    [
        "TODAY = timezone.localdate()",
        "START = datetime.date(datetime.date.today().year - 5, 1, 1)",
        "class F:\n    start = days_ago(30)",
        "@pytest.mark.parametrize('day', [today()])\ndef test_x(day): pass",
        "def form(on=timezone.now()): pass",
    ],
)
def test_the_check_sees_a_read_at_import(source: str) -> None:
    assert import_time_clock_reads(source)


@pytest.mark.parametrize(
    "source",
    [
        "def test_x():\n    day = today()",
        "class F:\n    start = factory.LazyFunction(lambda: days_ago(30))",
        "def form(on=None):\n    on = on or today()",
    ],
)
def test_the_check_leaves_a_read_at_test_time_alone(source: str) -> None:
    assert not import_time_clock_reads(source)
