"""Lightning with its TQDM progress bar (see lightning_common.py)."""
from lightning_common import main

main("tqdm")
