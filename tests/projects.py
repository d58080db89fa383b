"""Small broken projects the tests heal, as {path: text}."""

from __future__ import annotations

import sys

PYTEST = f"{sys.executable} -m pytest -q"

CLASSIC = {
    "calc.py": ('def add(a, b):\n    result = a + b\n    return "The result is: " + result\n'),
    "tests/test_calc.py": (
        "from calc import add\n\n\n"
        "def test_add():\n"
        '    assert add(2, 3) == "The result is: 5"\n\n\n'
        "def test_other():\n"
        "    assert True\n"
    ),
}

FLASK_APP = {
    "app.py": (
        "from flask import Flask\n"
        "\n"
        "app = Flask(__name__)\n"
        "\n"
        "\n"
        "@app.route('/add/<int:a>/<int:b>')\n"
        "def add(a, b):\n"
        "    result = a + b\n"
        "    return 'The result is: ' + result\n"
    ),
    "tests/test_app.py": (
        "from app import app\n"
        "\n"
        "\n"
        "def test_add():\n"
        "    client = app.test_client()\n"
        "    response = client.get('/add/2/3')\n"
        "    assert response.status_code == 200\n"
        "    assert response.get_data(as_text=True) == 'The result is: 5'\n"
    ),
}

MISSING_IMPORT = {
    "paths.py": ('"""Path helpers."""\nimport sys\n\n\ndef here():\n    return os.getcwd()\n'),
    "tests/test_paths.py": (
        "import os\n\nfrom paths import here\n\n\ndef test_here():\n    assert here() == os.getcwd()\n"
    ),
}

TYPO = {
    "shapes.py": ("def area(width, height):\n    result = width * height\n    return reslt\n"),
    "tests/test_shapes.py": "from shapes import area\n\n\ndef test_area():\n    assert area(2, 3) == 6\n",
}

ATTRIBUTE_TYPO = {
    "roots.py": "import math\n\n\ndef root(x):\n    return math.sqr(x)\n",
    "tests/test_roots.py": "from roots import root\n\n\ndef test_root():\n    assert root(9) == 3\n",
}

MISSING_COLON = {
    "greet.py": "def greet(name)\n    return 'hello ' + name\n",
    "tests/test_greet.py": "from greet import greet\n\n\ndef test_greet():\n    assert greet('bob') == 'hello bob'\n",
}

SRC_LAYOUT = {
    "pyproject.toml": (
        "[build-system]\nrequires = ['setuptools>=61']\nbuild-backend = 'setuptools.build_meta'\n\n"
        "[project]\nname = 'srcpkg'\nversion = '0.1'\n\n[tool.setuptools.packages.find]\nwhere = ['src']\n"
    ),
    "src/srcpkg/__init__.py": "",
    "src/srcpkg/core.py": "def label(n):\n    return 'n=' + n\n",
    "tests/test_core.py": "from srcpkg.core import label\n\n\ndef test_label():\n    assert label(3) == 'n=3'\n",
}

PASSING = {
    "ok.py": "def one():\n    return 1\n",
    "tests/test_ok.py": "from ok import one\n\n\ndef test_one():\n    assert one() == 1\n",
}
