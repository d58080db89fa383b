from __future__ import annotations

from suture.cli import main

raise SystemExit(main())
