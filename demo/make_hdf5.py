"""Writes one HDF5 file per beamtime session of the demo facility.

Runs inside the demo's Jupyter image (h5py, NumPy), with no network: the
sessions' CSV files are mounted read-only at /in/<proposal>/session-<n>/,
and /out/<proposal>/session-<n>/scan.h5 is written for each session that
has none yet. DEMO_PROPOSALS (JSON) gives each proposal's title and beam line.
"""
import json
import os
from pathlib import Path

import h5py
import numpy as np

proposals = json.loads(os.environ["DEMO_PROPOSALS"])

for session in sorted(Path("/in").glob("*/session-*")):
    proposal = session.parent.name
    target = Path("/out") / proposal / session.name / "scan.h5"
    if (session / "scan.h5").exists():
        continue
    target.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(target, "w") as f:
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.attrs["proposal"] = proposal
        entry.attrs["session"] = session.name.removeprefix("session-")
        entry.attrs["title"] = proposals[proposal]["title"]
        entry.attrs["beam_line"] = proposals[proposal]["beamLine"]
        for csv in sorted(session.glob("*.csv")):
            table = np.genfromtxt(csv, delimiter=",", names=True)
            x_name, y_name = table.dtype.names[:2]
            data = entry.create_group(csv.stem)
            data.attrs["NX_class"] = "NXdata"
            data.attrs["signal"] = "frames"
            data.attrs["axes"] = [".", x_name]
            data.create_dataset(x_name, data=table[x_name])
            # A short series around the measured curve, as a detector
            # would record it frame by frame.
            rng = np.random.default_rng(len(csv.name))
            scale = np.linspace(0.9, 1.1, 20)[:, None]
            frames = table[y_name][None, :] * scale * (1 + 0.02 * rng.standard_normal((20, len(table))))
            data.create_dataset("frames", data=frames, compression="gzip")
            data.create_dataset(y_name, data=table[y_name])
    print(target.relative_to("/out"))
