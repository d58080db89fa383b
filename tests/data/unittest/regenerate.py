"""Recreate the unittest logs in this folder: `python tests/data/unittest/regenerate.py`."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402

PROJECT = {
    "calc/__init__.py": """
        def total(values):
            result = 0
            for value in values:
                result += value
            return reslt


        def mean(values):
            return total(values) / len(values)
        """,
    "tests/__init__.py": "",
    "tests/test_calc.py": """
        import unittest

        from calc import mean, total


        class TestTotal(unittest.TestCase):
            def test_total(self):
                self.assertEqual(total([1, 2, 3]), 6)

            def test_mean(self):
                self.assertEqual(mean([2, 4]), 3)

            def test_name(self):
                self.assertEqual(total.__name__, "total")
        """,
    "tests/test_misc.py": """
        import unittest


        class TestMisc(unittest.TestCase):
            def setUp(self):
                self.config = {}["port"]

            def test_port(self):
                self.assertTrue(self.config)


        class TestMath(unittest.TestCase):
            def test_add(self):
                self.assertEqual(1 + 1, 3, "arithmetic is broken")

            @unittest.expectedFailure
            def test_known(self):
                self.assertEqual(1, 2)

            @unittest.skip("later")
            def test_later(self):
                pass
        """,
    "tests/test_broken.py": """
        import unittest
        from calc import missing_function
        """,
}


def main() -> None:
    run([sys.executable, "-m", "unittest"], PROJECT, HERE / "default.txt")
    run([sys.executable, "-m", "unittest", "-v"], PROJECT, HERE / "verbose.txt")
    run([sys.executable, "-m", "unittest", "tests.test_calc"], PROJECT, HERE / "nameerror.txt")


if __name__ == "__main__":
    main()
