"""``python -m sim`` is the same as ``labsim``."""

from sim.cli import main

raise SystemExit(main())
