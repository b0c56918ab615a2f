import sys

from softphone.doorsim.main import main

sys.exit(main())
