"""Recreate the pytest logs in this folder: how they were made.

    python tests/data/pytest/regenerate.py
    python tests/data/pytest/regenerate.py xdist doctest    # only these scenarios

Each scenario writes a small broken project into a fresh temp dir and runs the real
`python -m pytest` on it in several output styles. The console output (stdout and stderr,
as a CI log has them) and the JUnit XML are saved here with the temp dir replaced by a
stable placeholder, so the tests parse them with root="/ROOT".

The `rerun` project is run twice, in two different temp dirs, and saved with two different
placeholders (`/ROOT` and `/ROOT-rerun`): its failures carry memory addresses, pytest's
`tmp_path` dirs, timestamps and the checkout path, which differ between the runs, so the
fingerprint tests can prove it ignores them.

Needs pytest, pytest-xdist (the `xdist` scenarios) and requests (a real site-packages
frame; it connects to a closed port on loopback, nothing leaves the machine). Outputs
differ from run to run only in timings, addresses and temp names; the tests do not depend
on those.

The `*_py313` logs need an interpreter whose tracebacks carry the "Did you mean" suggestions
(Python 3.12+: pytest shows them for AttributeError, and for NameError in native tracebacks;
on 3.11 it shows none) with pytest installed, named by SUTURE_PY313:

    python3.13 -m venv /tmp/py313 && /tmp/py313/bin/pip install pytest
    SUTURE_PY313=/tmp/py313/bin/python python tests/data/pytest/regenerate.py

Without it those logs are left as they are.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLACEHOLDER = "/ROOT"
PY313 = os.environ.get("SUTURE_PY313", "")

# A src layout: the package under src/, put on sys.path by pytest itself.
PYTEST_INI = "[pytest]\npythonpath = src\n"


@dataclass(frozen=True)
class Run:
    output: str  # the console log's file name; "" to keep only the JUnit XML
    args: tuple[str, ...]
    junit: str = ""  # the JUnit XML's file name, when this run writes one
    python: str = sys.executable  # "" when the interpreter it needs is not at hand


@dataclass(frozen=True)
class Scenario:
    name: str
    files: dict[str, str]
    runs: tuple[Run, ...]


def project(files: dict[str, str]) -> dict[str, str]:
    """The files by path, dedented, with the pytest config unless they bring their own."""
    tree = {"pytest.ini": PYTEST_INI}
    tree.update({path: textwrap.dedent(text).lstrip() for path, text in files.items()})
    return tree


NAMEERROR = project(
    {
        "src/calc/__init__.py": """
            def total(values):
                result = 0
                for value in values:
                    result += value
                return reslt


            def mean(values):
                return total(values) / len(values)
            """,
        "tests/test_calc.py": """
            from calc import mean, total


            def test_total():
                assert total([1, 2, 3]) == 6


            def test_mean():
                assert mean([2, 4]) == 3


            def test_nothing():
                assert total.__name__ == "total"
            """,
    }
)

# The same bug after an unrelated commit above it: every line number moves.
NAMEERROR_MOVED = {
    **NAMEERROR,
    "src/calc/__init__.py": '"""Small sums."""\n\nPRECISION = 2\n\n\n' + NAMEERROR["src/calc/__init__.py"],
}

ATTRIBUTEERROR = project(
    {
        "src/users/__init__.py": """
            class User:
                def __init__(self, name):
                    self.name = name


            def greet(user):
                return "Hello, " + user.nme
            """,
        "tests/test_users.py": """
            from users import User, greet


            def test_greet():
                assert greet(User("Ada")) == "Hello, Ada"
            """,
    }
)

TYPEERROR_CONCAT = project(
    {
        "src/report/__init__.py": """
            def summary(values):
                result = sum(values)
                return "The result is: " + result
            """,
        "tests/test_report.py": """
            from report import summary


            def test_summary():
                assert summary([1, 2]) == "The result is: 3"
            """,
    }
)

# A NameError while the package is imported: both test modules fail to collect, 0 tests run.
COLLECTION_NAMEERROR = project(
    {
        "src/inventory/__init__.py": """
            TAX_RATE = 0.2
            PRICE_WITH_TAX = base_price * (1 + TAX_RATE)


            def count(items):
                return len(items)
            """,
        "tests/test_inventory.py": """
            from inventory import count


            def test_count():
                assert count([1]) == 1
            """,
        "tests/test_stock.py": """
            import inventory


            def test_rate():
                assert inventory.TAX_RATE == 0.2
            """,
    }
)

# A missing colon on an indented line: Python strips the indentation before the caret.
COLLECTION_SYNTAXERROR = project(
    {
        "src/shop/__init__.py": "",
        "src/shop/cart.py": """
            class Cart:
                def __init__(self):
                    self.items = []

                def add(self, item)
                    self.items.append(item)
            """,
        "tests/test_cart.py": """
            from shop.cart import Cart


            def test_add():
                cart = Cart()
                cart.add("apple")
                assert cart.items == ["apple"]
            """,
    }
)

# The same bracket left open, in a package the conftest.py imports: pytest stops before it
# collects anything ("ImportError while loading conftest", exit 4), with no section or summary.
CONFTEST_SYNTAXERROR = project(
    {
        "src/shop/__init__.py": "from shop.cart import Cart\n",
        "src/shop/cart.py": """
            class Cart:
                def __init__(self):
                    self.items = []

                def total(self):
                    return sum(item.price for item in self.items
            """,
        "tests/conftest.py": """
            import pytest
            from shop import Cart


            @pytest.fixture
            def cart():
                return Cart()
            """,
        "tests/test_cart.py": """
            def test_empty(cart):
                assert cart.total() == 0
            """,
    }
)

# A name the tests import is missing from the package: pytest's ImportError report.
COLLECTION_IMPORTERROR = project(
    {
        "src/shop/__init__.py": """
            class Cart:
                pass
            """,
        "tests/test_basket.py": """
            from shop import Basket


            def test_basket():
                assert Basket()
            """,
    }
)

FIXTURE_ERROR = project(
    {
        "src/app/__init__.py": "",
        "src/app/settings.py": """
            def load(env):
                return {"debug": env["APP_DEBUG"] == "1"}
            """,
        "tests/test_app.py": """
            import pytest

            from app.settings import load


            @pytest.fixture
            def settings():
                return load({})


            @pytest.fixture
            def connection():
                yield "conn"
                raise RuntimeError("connection already closed")


            @pytest.fixture
            def account():
                pytest.fail("no test account configured")


            def test_debug(settings):
                assert settings["debug"] is False


            def test_query(connection):
                assert connection == "conn"


            def test_balance(account):
                assert account


            def test_ok():
                assert True
            """,
    }
)

CLASS_PARAM = project(
    {
        "src/pricing/__init__.py": """
            def discount(price, percent):
                return price - percent
            """,
        "tests/test_pricing.py": """
            import pytest

            from pricing import discount


            class TestDiscount:
                @pytest.mark.parametrize(
                    "price, percent, expected", [(100, 10, 90), (80, 25, 60), (50, 0, 50)]
                )
                def test_apply(self, price, percent, expected):
                    assert discount(price, percent) == expected

                @pytest.mark.xfail(reason="rounding not decided")
                def test_rounding(self):
                    assert discount(10, 33) == 6.7


            @pytest.mark.xfail(strict=True, reason="fixed upstream")
            def test_legacy_rounding():
                assert discount(10, 0) == 10


            @pytest.mark.skip(reason="needs the currency service")
            def test_currency():
                pass


            @pytest.mark.parametrize("code", ["EUR", "usd"])
            def test_code(code):
                assert code.isupper()
            """,
    }
)

ASSERTION = project(
    {
        "src/payments/__init__.py": """
            def charge(amount):
                return {"status": "declined" if amount > 100 else "ok", "amount": amount}
            """,
        "tests/test_payments.py": """
            from payments import charge


            def test_small():
                assert charge(5)["amount"] == 6


            def test_large():
                response = charge(500)
                print("charged", response)
                assert response["status"] == "ok", "payment was not accepted"
            """,
    }
)

# The raising frames are in the stdlib, in site-packages, and in a .venv inside the checkout.
DEEP = project(
    {
        "src/config/__init__.py": """
            import json


            def parse(text):
                return json.loads(text)
            """,
        "src/config/remote.py": """
            import requests


            def fetch(url):
                return requests.get(url, timeout=5).json()
            """,
        "src/config/vendored.py": """
            import tomlish


            def read(text):
                return tomlish.loads(text)
            """,
        ".venv/lib/python3.11/site-packages/tomlish/__init__.py": """
            from tomlish.errors import DecodeError


            def loads(text):
                if "=" not in text:
                    raise DecodeError(f"expected '=' in {text!r}")
                return dict([text.split("=", 1)])
            """,
        ".venv/lib/python3.11/site-packages/tomlish/errors.py": """
            class DecodeError(ValueError):
                pass
            """,
        "pytest.ini": "[pytest]\npythonpath = src .venv/lib/python3.11/site-packages\n",
        "tests/test_config.py": """
            from config import parse
            from config.remote import fetch
            from config.vendored import read


            def test_parse():
                assert parse("{'debug': true}") == {"debug": True}


            def test_fetch():
                assert fetch("http://127.0.0.1:9/settings") == {}


            def test_read():
                assert read("debug") == {"debug": "true"}
            """,
    }
)

CHAINED = project(
    {
        "src/service/__init__.py": """
            def port(env):
                try:
                    return int(env["PORT"])
                except KeyError as exc:
                    raise ValueError("PORT is not set") from exc


            def workers(env):
                try:
                    return int(env["WORKERS"])
                except ValueError:
                    return 1 + None
            """,
        "tests/test_service.py": """
            from service import port, workers


            def test_port():
                assert port({}) == 8000


            def test_workers():
                assert workers({"WORKERS": "many"}) == 1
            """,
    }
)

# An asyncio.TaskGroup raises an ExceptionGroup: pytest prints it as Python does, in margins.
EXCEPTION_GROUP = project(
    {
        "src/fetcher/__init__.py": """
            import asyncio


            async def fetch(name):
                raise ConnectionRefusedError(f"{name}: connection refused")


            async def fetch_all(names):
                async with asyncio.TaskGroup() as group:
                    for name in names:
                        group.create_task(fetch(name))
            """,
        "tests/test_fetcher.py": """
            import asyncio

            from fetcher import fetch_all


            def test_fetch_all():
                asyncio.run(fetch_all(["eu", "us"]))
            """,
    }
)

# Nothing to heal: passes, a skip and an expected failure.
GREEN = project(
    {
        "src/calc/__init__.py": """
            def total(values):
                return sum(values)
            """,
        "tests/test_calc.py": """
            import pytest

            from calc import total


            @pytest.mark.parametrize("values, expected", [([], 0), ([1, 2], 3)])
            def test_total(values, expected):
                assert total(values) == expected


            @pytest.mark.skip(reason="later")
            def test_later():
                pass


            @pytest.mark.xfail(reason="floats")
            def test_floats():
                assert total([0.1, 0.2]) == 0.3
            """,
    }
)

# Messages that change on every run: addresses, tmp_path, timestamps, the checkout path.
RERUN = project(
    {
        "src/jobs/__init__.py": """
            import datetime
            import time
            from pathlib import Path


            class Job:
                def __init__(self, name):
                    self.name = name


            def start(name):
                began = time.perf_counter()
                started = datetime.datetime.now().isoformat()
                time.sleep(0.01)
                took = time.perf_counter() - began
                raise TimeoutError(f"job {name} started {started}, no answer in {took:.6f}s")


            def latest(jobs):
                return jobs[0]


            def read_state(folder):
                return (Path(folder) / "state.json").read_text()


            def schema():
                return (Path(__file__).parent / "schema.json").read_text()
            """,
        "tests/test_jobs.py": """
            from jobs import Job, latest, read_state, schema, start


            def test_start():
                start("nightly")


            def test_latest():
                first, second = Job("a"), Job("b")
                assert latest([first, second]) is second


            def test_state(tmp_path):
                assert read_state(tmp_path) == "{}"


            def test_schema():
                assert schema()
            """,
    }
)

# Doctests: one whose output differs from the docstring's, one that raises.
DOCTEST = project(
    {
        "src/money/__init__.py": '''
            def cents(amount):
                """The amount in cents.

                >>> cents(1.5)
                150
                """
                return amount * 100


            def parse(text):
                """An amount and its currency.

                >>> parse("3 EUR")
                (3, 'EUR')
                """
                number, code = text.split()
                return int(numbr), code
            ''',
        "tests/test_money.py": """
            from money import cents


            def test_whole():
                assert cents(2) == 200
            """,
    }
)

# A test asks for a fixture no conftest defines; another's fixture raises in setup.
FIXTURE_MISSING = project(
    {
        "src/store/__init__.py": """
            def connect(url):
                if not url.startswith("sqlite://"):
                    raise ValueError(f"unsupported database url: {url}")
                return {"url": url}
            """,
        "tests/conftest.py": """
            import pytest

            from store import connect


            @pytest.fixture
            def database():
                return connect("postgres://localhost/test")
            """,
        "tests/test_store.py": """
            def test_rows(db):
                assert db == []


            def test_connect(database):
                assert database["url"]
            """,
    }
)

SCENARIOS = (
    Scenario(
        "nameerror",
        NAMEERROR,
        (
            Run("nameerror_q.txt", ("-q",)),
            Run("nameerror_v.txt", ("-v",)),
            Run("nameerror_short.txt", ("--tb=short",)),
            Run("nameerror_color.txt", ("-q", "--color=yes")),
            Run("nameerror_tbno.txt", ("-q", "--tb=no")),
            Run("nameerror_ra.txt", ("-rA",), junit="nameerror.junit.xml"),
            Run("nameerror_native_py313.txt", ("-q", "--tb=native"), python=PY313),
        ),
    ),
    Scenario("nameerror_moved", NAMEERROR_MOVED, (Run("nameerror_moved.txt", ("-q",)),)),
    Scenario(
        "attributeerror",
        ATTRIBUTEERROR,
        (
            Run("attributeerror_v.txt", ("-v",)),
            Run("attributeerror_short.txt", ("-q", "--tb=short")),
            Run(
                "attributeerror_py313.txt",
                ("-q", "--tb=short"),
                junit="attributeerror_py313.junit.xml",
                python=PY313,
            ),
        ),
    ),
    Scenario(
        "typeerror_concat",
        TYPEERROR_CONCAT,
        (Run("typeerror_concat.txt", ("-q",), junit="typeerror_concat.junit.xml"),),
    ),
    Scenario(
        "collection_nameerror",
        COLLECTION_NAMEERROR,
        (Run("collection_nameerror.txt", ("-q",), junit="collection_nameerror.junit.xml"),),
    ),
    Scenario(
        "collection_syntaxerror",
        COLLECTION_SYNTAXERROR,
        (
            Run("collection_syntaxerror.txt", ("-q",)),
            Run("collection_syntaxerror_v.txt", ("-v",), junit="collection_syntaxerror.junit.xml"),
        ),
    ),
    Scenario(
        "conftest_syntaxerror",
        CONFTEST_SYNTAXERROR,
        (Run("conftest_syntaxerror.txt", ("-q",)), Run("conftest_syntaxerror_v.txt", ("-v",))),
    ),
    Scenario(
        "collection_importerror",
        COLLECTION_IMPORTERROR,
        (Run("collection_importerror.txt", ("-q",), junit="collection_importerror.junit.xml"),),
    ),
    Scenario(
        "fixture_error",
        FIXTURE_ERROR,
        (
            Run("fixture_error.txt", ("-q",)),
            Run("fixture_error_ra.txt", ("-rA", "--tb=short"), junit="fixture_error.junit.xml"),
        ),
    ),
    Scenario(
        "class_param",
        CLASS_PARAM,
        (
            Run("class_param_v.txt", ("-v",), junit="class_param.junit.xml"),
            Run("class_param_short.txt", ("-rA", "--tb=short")),
            Run("", ("-o", "junit_family=xunit1"), junit="class_param_xunit1.junit.xml"),
        ),
    ),
    Scenario("assertion", ASSERTION, (Run("assertion.txt", ("-q",)),)),
    # pytest-xdist: two workers report in the order they finish, `[gw0]` prefixes with -v.
    Scenario(
        "xdist",
        NAMEERROR,
        (
            Run("nameerror_xdist.txt", ("-p", "xdist", "-n", "2", "-q")),
            Run("nameerror_xdist_v.txt", ("-p", "xdist", "-n", "2", "-v"), junit="nameerror_xdist.junit.xml"),
        ),
    ),
    Scenario(
        "doctest",
        DOCTEST,
        (
            Run("doctest.txt", ("-q", "--doctest-modules", "src", "tests")),
            Run("doctest_ra.txt", ("-rA", "--doctest-modules", "src", "tests"), junit="doctest.junit.xml"),
        ),
    ),
    Scenario(
        "fixture_missing",
        FIXTURE_MISSING,
        (
            Run("fixture_missing.txt", ("-q",), junit="fixture_missing.junit.xml"),
            Run("fixture_missing_xdist.txt", ("-p", "xdist", "-n", "2", "-q")),
        ),
    ),
    Scenario(
        "exception_group",
        EXCEPTION_GROUP,
        (Run("exception_group.txt", ("-q",), junit="exception_group.junit.xml"),),
    ),
    Scenario("green", GREEN, (Run("green.txt", ("-rA",), junit="green.junit.xml"),)),
    Scenario(
        "deep",
        DEEP,
        (
            Run("deep.txt", ("-q",), junit="deep.junit.xml"),
            Run("deep_short.txt", ("-q", "--tb=short")),
        ),
    ),
    Scenario(
        "chained",
        CHAINED,
        (
            Run("chained.txt", ("-q",)),
            Run("chained_native.txt", ("-q", "--tb=native")),
        ),
    ),
)


def clean_env() -> dict[str, str]:
    """The environment of a plain CI job: no plugins, no colour, 80 columns, no user options."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env.update(
        COLUMNS="80",
        NO_COLOR="1",
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run_pytest(root: Path, run: Run, placeholder: str) -> tuple[str, str]:
    """Run pytest in `root`; return its console output and JUnit XML with the root replaced."""
    junit = root / "report.xml"
    args = [run.python, "-m", "pytest", *run.args]
    if run.junit:
        args.append(f"--junitxml={junit}")
    done = subprocess.run(args, cwd=root, env=clean_env(), capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1, 2, 4):  # 0: green, 1: tests failed, 2: collection errors, 4: conftest
        raise SystemExit(f"{run}: pytest exited {done.returncode}\n{done.stdout}{done.stderr}")
    output = done.stdout + done.stderr
    xml = junit.read_text() if run.junit else ""
    return (anonymise(output, root, placeholder), anonymise(xml, root, placeholder))


def anonymise(text: str, root: Path, placeholder: str) -> str:
    """Replace the temp checkout by the placeholder, and this machine's name."""
    text = text.replace(str(root), placeholder)
    return text.replace(f'hostname="{os.uname().nodename}"', 'hostname="ci-runner"')


def save(name: str, text: str) -> None:
    if name:
        (HERE / name).write_text(text)
        print(f"wrote {name}")


def make(scenario: Scenario, runs: tuple[Run, ...], placeholder: str = PLACEHOLDER) -> None:
    with tempfile.TemporaryDirectory(prefix=f"suture-{scenario.name}-") as tmp:
        root = Path(tmp) / "project"
        write_tree(root, scenario.files)
        for run in runs:
            if not run.python:
                print(f"skipped {run.output or run.junit}: set SUTURE_PY313 (see the docstring)")
                continue
            output, xml = run_pytest(root, run, placeholder)
            save(run.output, output)
            save(run.junit, xml)


def main(names: list[str]) -> None:
    """Every scenario, or only those named on the command line."""
    for scenario in SCENARIOS:
        if not names or scenario.name in names:
            make(scenario, scenario.runs)
    if names and "rerun" not in names:
        return
    rerun = Scenario("rerun", RERUN, ())
    # Two checkouts in two temp dirs, as two CI runs of the same commit would be.
    make(rerun, (Run("rerun_a.txt", ("-q",), junit="rerun_a.junit.xml"),))
    make(rerun, (Run("rerun_b.txt", ("-q",), junit="rerun_b.junit.xml"),), "/ROOT-rerun")


if __name__ == "__main__":
    main(sys.argv[1:])
