"""``python3 -m provision``: the same as ``onestop-provision``, for a fresh machine where the
package is not installed yet (run from the checkout: ``sudo python3 -m provision all``)."""

import sys

from provision.cli import main

sys.exit(main())
