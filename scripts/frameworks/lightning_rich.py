"""Lightning with its Rich progress bar (see lightning_common.py)."""
from lightning_common import main

main("rich")
