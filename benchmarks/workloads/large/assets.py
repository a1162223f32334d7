"""Write one file of incompressible, reproducible bytes: ``assets.py PATH MIB SEED``.

The bytes come from a PRNG seeded with SEED and the file's name, so the same build args
give the same file (and, with its time and its folders' set to SOURCE_DATE_EPOCH, the same
layer digest), and a new NONCE gives new layers. Stands in for what makes real images
large: model weights, media, vendored binaries, none of which gzip shrinks.
"""

import os
import random
import sys
from pathlib import Path

CHUNK = 1 << 20


def main() -> None:
    path, mib, seed = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    rng = random.Random(f"{seed}:{path.name}")  # noqa: S311 (reproducible bytes, not secrets)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.writelines(rng.randbytes(CHUNK) for _ in range(mib))
    for changed in (path, path.parent, path.parent.parent):  # what this write touched
        os.utime(changed, (epoch, epoch))


if __name__ == "__main__":
    main()
