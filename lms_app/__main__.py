import sys

from lms_app.cli import main

sys.exit(main())
