"""Upstream bench: real historical breakages, reproduced with real releases from the public index.

    python bench/upstream_bench.py                  # every case
    python bench/upstream_bench.py --case numpy-float --keep

Each case is a small project that uses an API as it was, committed the day before the release
that removed it; the user's virtualenv gets the breaking release from PyPI (real uv), and
`suture heal --dry-run --json` runs on it as a user would (bubblewrap, the index PyPI by default).
Reported per case: the distribution and versions diagnosed against the known ones, healed or not,
which fix (migrate / lock / pin) against the known fix, and the time. The bench, not the test
suite, reaches the network; uv's cache and suture's environments are kept in --cache between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Case:
    name: str
    installed: tuple[str, ...]  # what the user's venv gets: the breaking release, pinned
    declared: str  # pyproject's [project] dependencies
    app: str
    test: str
    committed: str  # the day before the breaking release
    distribution: str  # the known answer
    broken: str
    good: str  # the newest release before `committed` (what the date route must find)
    known_fix: str  # migrate or pin, and what
    expected_fixer: str  # the fix a careful maintainer would take first
    notes: str = ""
    files: dict[str, str] = field(default_factory=dict)
    exact: str = ""  # a line the known fix's diff adds: the proposal is exact when its patch adds it too
    migration: bool = True  # whether a code migration is known (one a maintainer would make, tests unchanged)


TEST_VALUE = "from app import value\n\n\ndef test_value():\n    assert value()\n"

CASES = (
    Case(
        "werkzeug-url_quote",
        ("werkzeug==3.0.0", "flask==2.2.5"),
        '"flask==2.2.5"',
        "from werkzeug.urls import url_quote\n\n\ndef value():\n    return url_quote('a b')\n",
        TEST_VALUE,
        "2023-09-29T12:00:00+00:00",
        "Werkzeug",
        "3.0.0",
        "2.3.7",
        "migrate to urllib.parse.quote (2.3.7's warning names it); or pin werkzeug<3",
        "upstream-migrate",
        "Flask < 2.2.5 imported url_quote itself; here the project does",
        exact="from urllib.parse import quote as url_quote",
    ),
    Case(
        "flask2.2-under-werkzeug3",
        ("flask==2.2.2", "werkzeug==3.0.0"),
        '"flask==2.2.2"',
        "import flask\n\n\ndef value():\n    return flask.Flask('app')\n",
        TEST_VALUE,
        "2023-09-29T12:00:00+00:00",
        "Werkzeug",
        "3.0.0",
        "2.3.7",
        "constrain werkzeug<3 (a dependency of a dependency)",
        "upstream-pin",
        "Flask 2.2.2 itself imports werkzeug.urls.url_quote: the break is in an installed package",
        exact="Werkzeug<3",
        migration=False,
    ),
    Case(
        "numpy-float",
        ("numpy==1.24.0",),
        '"numpy"',
        "import numpy as np\n\n\ndef value():\n    return np.float(3) / 2\n",
        TEST_VALUE,
        "2022-12-17T12:00:00+00:00",
        "numpy",
        "1.24.0",
        "1.23.5",
        "migrate np.float -> float",
        "upstream-migrate",
        exact="return float(3) / 2",
    ),
    Case(
        "flask-escape",
        ("flask==3.0.0",),
        '"flask"',
        "from flask import escape\n\n\ndef value():\n    return escape('<b>')\n",
        TEST_VALUE,
        "2023-09-29T12:00:00+00:00",
        "Flask",
        "3.0.0",
        "2.3.3",
        "pin flask<3 (or migrate to markupsafe.escape)",
        "upstream-migrate",
        "2.3 only deprecated flask.escape (its warning names markupsafe.escape); 3.0 removed it",
        exact="from markupsafe import escape",
    ),
    Case(
        "urllib3-DEFAULT_CIPHERS",
        ("urllib3==2.0.0",),
        '"urllib3"',
        "from urllib3.util.ssl_ import DEFAULT_CIPHERS\n\n\ndef value():\n    return DEFAULT_CIPHERS\n",
        TEST_VALUE,
        "2023-04-25T12:00:00+00:00",
        "urllib3",
        "2.0.0",
        "1.26.15",
        "pin urllib3<2",
        "upstream-pin",
        exact='"urllib3<2"',
        migration=False,
    ),
    Case(
        "pandas-append",
        ("pandas==2.0.0", "numpy<2"),  # pandas 2.0.0's wheels were built against numpy 1
        '"pandas"',
        "import pandas as pd\n\n\ndef value():\n    df = pd.DataFrame({'a': [1]})\n"
        "    return len(df.append(df)) == 2\n",
        TEST_VALUE,
        "2023-04-02T12:00:00+00:00",
        "pandas",
        "2.0.0",
        "1.5.3",
        "migrate df.append(x) -> pd.concat([df, x]) (1.4's warning names pandas.concat); or pin pandas<2",
        "upstream-migrate",
        exact="return len(pd.concat([df, df])) == 2",
    ),
    Case(
        "markupsafe-soft_unicode",
        ("markupsafe==2.1.0",),
        '"markupsafe"',
        "from markupsafe import soft_unicode\n\n\ndef value():\n    return soft_unicode('x')\n",
        TEST_VALUE,
        "2022-02-17T12:00:00+00:00",
        "MarkupSafe",
        "2.1.0",
        "2.0.1",
        "migrate soft_unicode -> soft_str (2.0 renamed it); or pin markupsafe<2.1",
        "upstream-migrate",
        "2.0.1 has no wheel for this Python: wheels only, so the pin cannot be verified here",
        exact="soft_str",
    ),
    Case(
        "numpy2-NaN",
        ("numpy==2.0.0",),
        '"numpy"',
        "import numpy as np\n\n\ndef value():\n    return np.isnan(np.NaN)\n",
        TEST_VALUE,
        "2024-06-15T12:00:00+00:00",
        "numpy",
        "2.0.0",
        "1.26.4",
        "migrate np.NaN -> np.nan",
        "upstream-migrate",
        exact="np.isnan(np.nan)",
    ),
    Case(
        "jinja2-Markup",
        ("jinja2==3.1.0",),
        '"jinja2"',
        "from jinja2 import Markup\n\n\ndef value():\n    return Markup('<b>x</b>')\n",
        TEST_VALUE,
        "2022-03-23T12:00:00+00:00",
        "Jinja2",
        "3.1.0",
        "3.0.3",
        "migrate to markupsafe.Markup (3.0's warning names it)",
        "upstream-migrate",
        exact="from markupsafe import Markup",
    ),
    Case(
        "sqlalchemy-engine.execute",
        ("sqlalchemy==2.0.0",),
        '"sqlalchemy"',
        "import sqlalchemy\n\n\ndef value():\n    engine = sqlalchemy.create_engine('sqlite://')\n"
        "    return engine.execute(sqlalchemy.text('select 1')).scalar()\n",
        TEST_VALUE,
        "2023-01-25T12:00:00+00:00",
        "SQLAlchemy",
        "2.0.0",
        "1.4.46",
        "pin sqlalchemy<2 (or migrate to engine.connect())",
        "upstream-pin",
        exact='"sqlalchemy<2"',
    ),
    Case(
        "importlib-metadata-entry_points",
        ("importlib-metadata==5.0.0",),
        '"importlib-metadata"',
        "from importlib_metadata import entry_points\n\n\ndef value():\n"
        "    return isinstance(list(entry_points()['console_scripts']), list)\n",
        TEST_VALUE,
        "2022-10-01T20:00:00+00:00",
        "importlib-metadata",
        "5.0.0",
        "4.13.0",
        "migrate entry_points()[group] -> entry_points(group=group) (or pin importlib-metadata<5)",
        "upstream-migrate",
        "5.0 removed the dict interface: the KeyError is raised inside the package, the message names no API",
        exact="entry_points(group='console_scripts')",
    ),
    Case(
        "pytest8-warns-None",
        ("pytest==8.0.0",),
        "",
        "def value():\n    return True\n",
        "import pytest\n\nfrom app import value\n\n\ndef test_value():\n"
        "    with pytest.warns(None) as record:\n        assert value()\n    assert not record\n",
        "2024-01-26T12:00:00+00:00",
        "pytest",
        "8.0.0",
        "7.4.4",
        "pin pytest<8 (the migration changes a test file: not proposed)",
        "upstream-pin",
        "the API is used by a test; tests are read-only, so only the pin may heal it",
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1"\n\n'
            '[project.optional-dependencies]\ntest = ["pytest"]\n'
        },
        exact='"pytest<8"',
        migration=False,
    ),
    Case(
        "setuptools-pkg_resources",
        ("setuptools==82.0.0",),
        '"setuptools"',
        "import pkg_resources\n\n\ndef value():\n    return pkg_resources.get_distribution('pytest').version\n",
        TEST_VALUE,
        "2026-02-07T12:00:00+00:00",
        "setuptools",
        "82.0.0",
        "81.0.0",
        "migrate pkg_resources.get_distribution(x).version -> importlib.metadata.version(x) (or pin setuptools<82)",
        "upstream-migrate",
        "the module is gone with its distribution's files: no installed distribution owns pkg_resources any more",
        exact="importlib.metadata.version('pytest')",
    ),
    Case(
        "flask2.3-JSONEncoder",
        ("flask==2.3.0",),
        '"flask"',
        "from flask.json import JSONEncoder\n\n\nclass Encoder(JSONEncoder):\n    pass\n\n\n"
        "def value():\n    return Encoder().encode({'a': 1}) == '{\"a\": 1}'\n",
        TEST_VALUE,
        "2023-04-24T12:00:00+00:00",
        "Flask",
        "2.3.0",
        "2.2.3",
        "pin flask<2.3 (2.2's warning names a JSON provider, not a drop-in class)",
        "upstream-pin",
        exact="flask<2.3",
        migration=False,
    ),
    Case(
        "werkzeug2.1-safe_str_cmp",
        ("werkzeug==2.1.0",),
        '"werkzeug"',
        "from werkzeug.security import safe_str_cmp\n\n\ndef value():\n    return safe_str_cmp('token', 'token')\n",
        TEST_VALUE,
        "2022-03-27T12:00:00+00:00",
        "Werkzeug",
        "2.1.0",
        "2.0.3",
        "migrate to hmac.compare_digest (2.0.3's warning names it)",
        "upstream-migrate",
        exact="from hmac import compare_digest as safe_str_cmp",
    ),
    Case(
        "jinja2-contextfunction",
        ("jinja2==3.1.0",),
        '"jinja2"',
        "from jinja2 import Environment, contextfunction\n\n\n@contextfunction\ndef hello(context):\n"
        "    return context['name']\n\n\ndef value():\n    env = Environment()\n    env.globals['hello'] = hello\n"
        "    return env.from_string('{{ hello() }}').render(name='x') == 'x'\n",
        TEST_VALUE,
        "2022-03-23T12:00:00+00:00",
        "Jinja2",
        "3.1.0",
        "3.0.3",
        "migrate contextfunction -> pass_context (3.0.3's warning: renamed)",
        "upstream-migrate",
        exact="pass_context",
    ),
    Case(
        "numpy2-product",
        ("numpy==2.0.0",),
        '"numpy"',
        "import numpy as np\n\n\ndef value():\n    return np.product([2, 3]) == 6\n",
        TEST_VALUE,
        "2024-06-15T12:00:00+00:00",
        "numpy",
        "2.0.0",
        "1.26.4",
        "migrate np.product -> np.prod (ruff NPY201; 1.26's warning)",
        "upstream-migrate",
        "2.0's own message names nothing instead",
        exact="np.prod([2, 3])",
    ),
    Case(
        "pydantic2-dict-warnings-error",
        ("pydantic==2.0",),
        '"pydantic"',
        "import pydantic\n\n\nclass Point(pydantic.BaseModel):\n    x: int\n\n\n"
        "def value():\n    return Point(x=1).dict() == {'x': 1}\n",
        TEST_VALUE,
        "2023-06-29T12:00:00+00:00",
        "pydantic",
        "2.0",
        "1.10.9",
        "migrate .dict() -> .model_dump() (the warning names it)",
        "upstream-migrate",
        "filterwarnings = error: 2.0 still has dict(), deprecated; the warning class is pydantic's own",
        {"pytest.ini": "[pytest]\nfilterwarnings =\n    error\n"},
        exact=".model_dump()",
    ),
    Case(
        "pyyaml6-load-Loader",
        ("pyyaml==6.0.1",),
        '"pyyaml"',
        "import yaml\n\n\ndef value():\n    return yaml.load('a: 1') == {'a': 1}\n",
        TEST_VALUE,
        "2021-10-12T12:00:00+00:00",
        "PyYAML",
        "6.0.1",
        "5.4.1",
        "migrate yaml.load(s) -> yaml.load(s, Loader=yaml.FullLoader) (5.x's default); 5.4.1 has no cp311 wheel",
        "upstream-migrate",
        "6.0 made Loader required; 6.0 itself has no cp311 wheel, so the user gets 6.0.1",
        exact="yaml.load('a: 1', Loader=yaml.FullLoader)",
    ),
    Case(
        "black-under-click8.1",
        ("black==22.1.0", "click==8.1.0"),
        '"black==22.1.0"',
        "import sys\n\nimport black\n\n\ndef value():\n    sys.argv = ['black', '--version']\n    try:\n"
        "        black.patched_main()\n    except SystemExit as stop:\n        return stop.code == 0\n",
        TEST_VALUE,
        "2022-03-27T12:00:00+00:00",
        "click",
        "8.1.0",
        "8.0.4",
        "constrain click<8.1 (black 22.1 imports click._unicodefun; or black>=22.3)",
        "upstream-pin",
        "a dependency of a dependency: black's own import breaks",
        exact="click<8.1",
        migration=False,
    ),
    Case(
        "itsdangerous2.1-JWS",
        ("itsdangerous==2.1.0",),
        '"itsdangerous"',
        "from itsdangerous import TimedJSONWebSignatureSerializer\n\n\ndef value():\n"
        "    return TimedJSONWebSignatureSerializer('k', expires_in=60).dumps({'a': 1}) is not None\n",
        TEST_VALUE,
        "2022-02-17T12:00:00+00:00",
        "itsdangerous",
        "2.1.0",
        "2.0.1",
        "pin itsdangerous<2.1 (JWS support removed; a JWT library is the migration)",
        "upstream-pin",
        exact="itsdangerous<2.1",
        migration=False,
    ),
    Case(
        "packaging22-LegacyVersion",
        ("packaging==22.0", "pytest==7.2.0"),  # the pytest of the day: today's requires packaging>=22
        '"packaging"',
        "from packaging.version import LegacyVersion\n\n\ndef value():\n"
        "    return str(LegacyVersion('2023-nightly')) == '2023-nightly'\n",
        TEST_VALUE,
        "2022-12-06T12:00:00+00:00",
        "packaging",
        "22.0",
        "21.3",
        "pin packaging<22 (LegacyVersion removed, no replacement)",
        "upstream-pin",
        exact="packaging<22",
        migration=False,
    ),
    Case(
        "pillow10-ANTIALIAS",
        ("pillow==10.0.0",),
        '"pillow"',
        "from PIL import Image\n\n\ndef value():\n    image = Image.new('RGB', (4, 4))\n"
        "    return image.resize((2, 2), Image.ANTIALIAS).size == (2, 2)\n",
        TEST_VALUE,
        "2023-06-30T12:00:00+00:00",
        "Pillow",
        "10.0.0",
        "9.5.0",
        "migrate Image.ANTIALIAS -> Image.LANCZOS (9.5's warning: 'Use LANCZOS or Resampling.LANCZOS instead')",
        "upstream-migrate",
        "chosen from Pillow 10's release notes after the fixers were written: the warning names two names",
        exact="Image.LANCZOS",
    ),
    Case(
        "networkx3-to_numpy_matrix",
        ("networkx==3.0", "numpy<2"),
        '"networkx"',
        "import networkx as nx\n\n\ndef value():\n    return nx.to_numpy_matrix(nx.path_graph(2)).sum() == 2\n",
        TEST_VALUE,
        "2023-01-07T12:00:00+00:00",
        "networkx",
        "3.0",
        "2.8.8",
        "migrate to_numpy_matrix -> to_numpy_array (2.8's warning names it; matrix -> ndarray)",
        "upstream-migrate",
        "chosen from NetworkX 3.0's release notes after the fixers were written",
        exact="nx.to_numpy_array(",
    ),
    # Held out: chosen from release notes after the fixers above were done, run once, not tuned for.
    Case(
        "marshmallow4-missing",
        ("marshmallow==4.0.0",),
        '"marshmallow"',
        "from marshmallow import Schema, fields\n\n\nclass Item(Schema):\n    name = fields.Str(missing='x')\n\n\n"
        "def value():\n    return Item().load({}) == {'name': 'x'}\n",
        TEST_VALUE,
        "2025-04-16T12:00:00+00:00",
        "marshmallow",
        "4.0.0",
        "3.26.1",
        "migrate missing= -> load_default= (3.13's warning names it); or pin marshmallow<4",
        "upstream-migrate",
        "held out",
        exact="load_default='x'",
    ),
    Case(
        "httpx0.28-proxies",
        ("httpx==0.28.0",),
        '"httpx"',
        "import httpx\n\n\ndef value():\n    with httpx.Client(proxies='http://proxy.invalid:8080') as client:\n"
        "        return client is not None\n",
        TEST_VALUE,
        "2024-11-27T12:00:00+00:00",
        "httpx",
        "0.28.0",
        "0.27.2",
        "migrate proxies= -> proxy= (0.26's warning: 'Use proxy or mounts instead'); or pin httpx<0.28",
        "upstream-migrate",
        "held out",
        exact="proxy='http://proxy.invalid:8080'",
    ),
    Case(
        "markdown3.4-util.etree",
        ("markdown==3.4.1",),
        '"markdown"',
        "from markdown.util import etree\n\n\ndef value():\n    return etree.Element('p').tag == 'p'\n",
        TEST_VALUE,
        "2022-07-14T12:00:00+00:00",
        "Markdown",
        "3.4.1",
        "3.3.7",
        "migrate to import xml.etree.ElementTree as etree; or pin markdown<3.4",
        "upstream-migrate",
        "held out; 3.4 itself was replaced by 3.4.1 the same day",
        exact="ElementTree as etree",
    ),
    # Held out, second batch (07:15 UTC): chosen from release notes, run once before any change for them.
    Case(
        "click8.1-get_terminal_size",
        ("click==8.1.0",),
        '"click"',
        "import click\n\n\ndef value():\n    return click.get_terminal_size()[0] > 0\n",
        TEST_VALUE,
        "2022-03-27T12:00:00+00:00",
        "click",
        "8.1.0",
        "8.0.4",
        "migrate to shutil.get_terminal_size (8.0's warning names it); or pin click<8.1",
        "upstream-migrate",
        "held out (second batch)",
        exact="shutil.get_terminal_size(",
    ),
    Case(
        "django4-force_text",
        ("django==4.0",),
        '"django"',
        "from django.utils.encoding import force_text\n\n\ndef value():\n    return force_text(b'x') == 'x'\n",
        TEST_VALUE,
        "2021-12-06T12:00:00+00:00",
        "Django",
        "4.0",
        "3.2.9",
        "migrate force_text -> force_str (3.x's RemovedInDjango40Warning: 'in favor of force_str()'); or pin django<4",
        "upstream-migrate",
        "held out (second batch)",
        exact="force_str",
    ),
    Case(
        "pandas2-datetime",
        ("pandas==2.0.0", "numpy<2"),
        '"pandas"',
        "import pandas as pd\n\n\ndef value():\n    return pd.datetime(2020, 1, 1).year == 2020\n",
        TEST_VALUE,
        "2023-04-02T12:00:00+00:00",
        "pandas",
        "2.0.0",
        "1.5.3",
        "migrate pd.datetime -> datetime.datetime (1.x's warning: 'Import from datetime module instead'); or pin",
        "upstream-migrate",
        "held out (second batch)",
        exact="datetime.datetime(2020",
    ),
    Case(
        "requests-toolbelt-under-urllib3-2",
        ("requests-toolbelt==0.10.1", "urllib3==2.0.0"),
        '"requests-toolbelt"',
        "from requests_toolbelt import MultipartEncoder\n\n\ndef value():\n"
        "    return MultipartEncoder(fields={'a': 'b'}).len > 0\n",
        TEST_VALUE,
        "2023-04-25T12:00:00+00:00",
        "urllib3",
        "2.0.0",
        "1.26.15",
        "constrain urllib3<2 (requests-toolbelt 0.10.1 imports urllib3.contrib.appengine; or requests-toolbelt>=1)",
        "upstream-pin",
        "held out (second batch); a dependency of a dependency",
        exact="urllib3<2",
        migration=False,
    ),
    Case(
        "matplotlib3.9-cm.get_cmap",
        ("matplotlib==3.9.0", "numpy<2"),
        '"matplotlib"',
        "import matplotlib.cm as cm\n\n\ndef value():\n    return cm.get_cmap('viridis').name == 'viridis'\n",
        TEST_VALUE,
        "2024-05-15T12:00:00+00:00",
        "matplotlib",
        "3.9.0",
        "3.8.4",
        "migrate cm.get_cmap(name) -> matplotlib.colormaps[name] (3.7's warning names it); or pin matplotlib<3.9",
        "upstream-migrate",
        "held out (second batch)",
        exact="colormaps",
    ),
    # Held out, third batch (07:33 UTC): after every change above, run once, nothing changed for them.
    Case(
        "urllib3-2-method_whitelist",
        ("urllib3==2.0.0",),
        '"urllib3"',
        "from urllib3.util.retry import Retry\n\n\ndef value():\n"
        "    return Retry(total=3, method_whitelist=['GET']).total == 3\n",
        TEST_VALUE,
        "2023-04-25T12:00:00+00:00",
        "urllib3",
        "2.0.0",
        "1.26.15",
        "migrate method_whitelist= -> allowed_methods= (1.26's warning names it); or pin urllib3<2",
        "upstream-migrate",
        "held out (third batch)",
        exact="allowed_methods=",
    ),
    Case(
        "pandas2-Int64Index",
        ("pandas==2.0.0", "numpy<2"),
        '"pandas"',
        "import pandas as pd\n\n\ndef value():\n    return list(pd.Int64Index([1, 2])) == [1, 2]\n",
        TEST_VALUE,
        "2023-04-02T12:00:00+00:00",
        "pandas",
        "2.0.0",
        "1.5.3",
        "migrate pd.Int64Index -> pd.Index (1.x's warning names pandas.Index); or pin pandas<2",
        "upstream-migrate",
        "held out (third batch)",
        exact="pd.Index(",
    ),
    Case(
        "numpy1.23-asscalar",
        ("numpy==1.23.2",),
        '"numpy"',
        "import numpy as np\n\n\ndef value():\n    return np.asscalar(np.array([7])) == 7\n",
        TEST_VALUE,
        "2022-06-21T12:00:00+00:00",
        "numpy",
        "1.23.2",
        "1.22.4",
        "migrate np.asscalar(a) -> a.item() (the warning says so); 1.22.4 has no cp311 wheel",
        "upstream-migrate",
        "held out (third batch); 1.23.0 has no cp311 wheel, so the user gets 1.23.2",
        exact=".item()",
    ),
    Case(
        "werkzeug1-contrib-ProxyFix",
        ("werkzeug==1.0.0",),
        '"werkzeug"',
        "from werkzeug.contrib.fixers import ProxyFix\n\n\ndef value():\n"
        "    return ProxyFix(lambda e, s: []) is not None\n",
        TEST_VALUE,
        "2020-02-05T12:00:00+00:00",
        "Werkzeug",
        "1.0.0",
        "0.16.1",
        "migrate to werkzeug.middleware.proxy_fix.ProxyFix (0.15's warning: 'has moved to'); or pin werkzeug<1",
        "upstream-migrate",
        "held out (third batch)",
        exact="werkzeug.middleware.proxy_fix",
    ),
    Case(
        "importlib-resources6-read_text",
        ("importlib-resources==6.0.0",),
        '"importlib-resources"',
        "import importlib_resources\n\n\ndef value():\n"
        "    return 'def' in importlib_resources.read_text('importlib_resources', '_common.py')\n",
        TEST_VALUE,
        "2023-07-07T17:00:00+00:00",
        "importlib-resources",
        "6.0.0",
        "5.13.0",
        "migrate read_text(p, n) -> files(p).joinpath(n).read_text() (call shape); or pin importlib-resources<6",
        "upstream-migrate",
        "held out (third batch)",
        exact="files(",
    ),
)


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def prepare(case: Case, work: Path, cache: Path) -> tuple[Path, Path]:
    repo, venv = work / "repo", work / "venv"
    repo.mkdir(parents=True)
    files = {
        "pyproject.toml": f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{case.declared}]\n',
        "app.py": case.app,
        "tests/test_app.py": case.test,
        **case.files,
    }
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    dated = {**os.environ, "GIT_AUTHOR_DATE": case.committed, "GIT_COMMITTER_DATE": case.committed}
    for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "green then"]):
        subprocess.run(
            argv,
            cwd=repo,
            check=True,
            env={
                **dated,
                "GIT_AUTHOR_NAME": "b",
                "GIT_AUTHOR_EMAIL": "b@e",
                "GIT_COMMITTER_NAME": "b",
                "GIT_COMMITTER_EMAIL": "b@e",
            },
        )
    env = {**os.environ, "UV_CACHE_DIR": str(cache / "uv"), "UV_NO_CONFIG": "1"}
    subprocess.run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, env=env)
    done = run(
        ["uv", "pip", "install", "--quiet", "--python", str(venv / "bin/python"), *case.installed, "pytest"], env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"{case.name}: installing {case.installed} failed: {done.stderr[-500:]}")
    return repo, venv


def heal(repo: Path, venv: Path, cache: Path) -> tuple[dict[str, object], str, float]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))},
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "XDG_CACHE_HOME": str(cache),
        "PYTHONPATH": str(ROOT / "src"),
    }
    start = time.monotonic()
    argv = [sys.executable, "-m", "suture", "heal", "--json", "--dry-run", "--test-cmd", "python -m pytest -q"]
    done = run(argv, cwd=repo, env=env, timeout=900)
    seconds = time.monotonic() - start
    lines = done.stdout.strip().splitlines()
    return (json.loads(lines[-1]) if lines else {"status": "crashed"}), done.stderr, seconds


def judge(case: Case, outcome: dict[str, object]) -> dict[str, object]:
    failures = outcome.get("failures") or []
    found = next((f["upstream"] for f in failures if isinstance(f, dict) and f.get("upstream")), None)  # type: ignore[union-attr]
    named = bool(found) and found["distribution"].lower() == case.distribution.lower()  # type: ignore[index]
    versions = bool(found) and (found["installed"], found["good"]) == (case.broken, case.good)  # type: ignore[index]
    return {
        "case": case.name,
        "class": outcome.get("classification"),
        "named": named,
        "versions": versions,
        "diagnosed": f"{found['distribution']} {found['installed']} (good {found['good'] or '?'})" if found else "-",  # type: ignore[index]
        "healed": outcome.get("status") == "fixed",
        "fixer": outcome.get("fixer") or "-",
        "as_known": outcome.get("fixer") == case.expected_fixer,
        "exact": bool(case.exact)
        and any(line.startswith("+") and case.exact in line for line in str(outcome.get("patch") or "").splitlines()),
        "migrated": outcome.get("fixer") == "upstream-migrate",
        "migration_known": case.migration,
        "touches_tests": any(
            re.match(r"\+\+\+ b/(?:tests?/|.*test_)", line) for line in str(outcome.get("patch") or "").splitlines()
        ),
        "patch": outcome.get("patch") or "",
        "reason": outcome.get("reason"),
    }


def summary(done: list[dict[str, object]], *, errors: int) -> str:
    """The totals against the issue's targets."""

    def count(key: str, rows: list[dict[str, object]] = done) -> int:
        return sum(bool(row[key]) for row in rows)

    known = [row for row in done if row["migration_known"]]
    both = sum(bool(row["named"] and row["versions"]) for row in done)
    return (
        f"\n{len(done)} cases (errors {errors}): distribution and versions named {both} "
        f"({both / max(len(done), 1):.0%}, target 95%), healed {count('healed')} "
        f"({count('healed') / max(len(done), 1):.0%}, target 90%), the known fix's kind {count('as_known')}, "
        f"exact {count('exact')}; a migration in {count('migrated', known)} of the {len(known)} cases with a "
        f"known migration ({count('migrated', known) / max(len(known), 1):.0%}, target 50%); "
        f"proposals changing a test: {count('touches_tests')} (target 0)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", action="append", help="run only this case (repeatable)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "suture-upstream-bench-cache")
    parser.add_argument("--keep", action="store_true", help="keep each case's project and venv")
    args = parser.parse_args()
    rows = []
    for case in CASES:
        if args.case and case.name not in args.case:
            continue
        work = Path(tempfile.mkdtemp(prefix=f"upstream-{case.name}-"))
        try:
            repo, venv = prepare(case, work, args.cache)
            outcome, stderr, seconds = heal(repo, venv, args.cache)
            row = {**judge(case, outcome), "seconds": round(seconds, 1)}
            if not row["healed"]:
                row["stderr_tail"] = stderr.strip().splitlines()[-3:]
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            row = {"case": case.name, "error": str(exc)[-400:]}
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        rows.append(row)
        print(json.dumps(row), flush=True)
    done = [row for row in rows if "error" not in row]
    print(summary(done, errors=len(rows) - len(done)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
