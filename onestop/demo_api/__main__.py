"""``python -m onestop.demo_api``: the same as ``onestop-demo-api``."""

import sys

from onestop.demo_api.cli import main

sys.exit(main())
