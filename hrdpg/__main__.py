import sys

from hrdpg.cli import main

sys.exit(main())
