"""Options of kombu's filesystem transport, the broker that needs no server."""

from pathlib import Path
from typing import Any

# The transport ignores the host; without one kombu warns "No hostname was supplied" at
# every start of a worker or beat.
FILESYSTEM_URL = "filesystem://localhost//"


def filesystem_transport_options(folder: Path) -> dict[str, Any]:
    """Transport options keeping every file of the broker under `folder` (kombu puts its
    exchange tables in ./control, relative to the working directory, unless told)."""
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        # The folder is polled: 1 s (kombu's default) would add up to a second per task.
        "polling_interval": 0.1,
    }
