"""``python -m skill.store.revision "what changed"``: write a new migration from the edited schema.py.

It upgrades a scratch SQLite journal to the newest version and lets Alembic compare it with
:mod:`skill.store.schema`; review the generated file (and test it on PostgreSQL) before committing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from skill.store.engine import make_engine
from skill.store.migrate import alembic_config, upgrade


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print('usage: python -m skill.store.revision "what changed"', file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'scratch.sqlite3'}")
        upgrade(engine)
        config = alembic_config()
        number = len(list(ScriptDirectory.from_config(config).walk_revisions())) + 1
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.revision(config, message=argv[0], autogenerate=True, rev_id=f"{number:04d}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
