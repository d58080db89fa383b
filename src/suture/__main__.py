from __future__ import annotations

from suture.cli.commands import main

raise SystemExit(main())
