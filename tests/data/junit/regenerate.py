"""Recreate the JUnit XML reports in this folder: `python tests/data/junit/regenerate.py`.

JUnit XML is every language's test report; these come from tools other than pytest (whose
reports are in ../pytest): node's built-in test runner (`node --test --test-reporter=junit`)
(a foreign dialect:
nested testsuites, `classname` as the test's file, and `failure` elements whose `type` is
the runner's own (`testCodeFailure`) rather than the exception's.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402

NODE = {
    "src/cart.js": """
        function total(items) {
          return items.reduce((sum, item) => sum + item.price, 0);
        }
        function label(cart) {
          return "Total: " + cart.totl.toFixed(2);
        }
        module.exports = { total, label };
        """,
    "test/cart.test.js": """
        const test = require("node:test");
        const assert = require("node:assert");
        const { total, label } = require("../src/cart.js");

        test("total adds prices", () => {
          assert.strictEqual(total([{ price: 1 }, { price: 2 }]), 4);
        });

        test("label formats", () => {
          assert.strictEqual(label({ total: 3 }), "Total: 3.00");
        });

        test("empty cart", () => {
          assert.strictEqual(total([]), 0);
        });
        """,
}


def main() -> None:
    run(["node", "--test", "--test-reporter=junit", "test/"], NODE, HERE / "node.junit.xml")


if __name__ == "__main__":
    main()
