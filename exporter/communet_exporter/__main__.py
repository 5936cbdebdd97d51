"""``python -m communet_exporter``."""

import sys

from communet_exporter.main import main

sys.exit(main())
