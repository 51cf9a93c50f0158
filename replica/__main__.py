"""``python -m replica --port 0 --articles 200 …``: serve the replica until SIGINT/SIGTERM."""

import sys

from .cli import main

sys.exit(main())
