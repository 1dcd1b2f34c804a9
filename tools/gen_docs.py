"""Write the files made from the one definition of an article's fields (`arrahmah.items.Article`,
`arrahmah.dataset.DatasetRow`): ``arrahmah/article.schema.json`` and the README's field tables.

    python tools/gen_docs.py            # write them
    python tools/gen_docs.py --check    # exit 1, naming each stale file, when one differs

In the README, a table stands between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``:
``fields`` (the article's fields) and ``dataset-fields`` (the columns a dataset row adds).
The dataset card's field table is made at every build, from the same definition.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from arrahmah.dataset.rows import ROW_EXTRA_FIELDS, DatasetRow
from arrahmah.items import Article, article_schema
from arrahmah.schema import fields_table

ROOT = Path(__file__).resolve().parent.parent


def schema_text() -> str:
    """``article.schema.json`` as it must read."""
    return json.dumps(article_schema(), indent=2, ensure_ascii=False) + "\n"


def tables() -> dict[str, str]:
    """Each README table, by its marker name."""
    return {
        "fields": fields_table(Article),
        "dataset-fields": fields_table(DatasetRow, only=ROW_EXTRA_FIELDS),
    }


def readme_text(readme: str) -> str:
    """``readme`` with every marked table made anew (a missing marker is an error)."""
    for name, table in tables().items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
        readme, found = pattern.subn(lambda m, t=table: m[1] + t + m[2], readme)
        if not found:
            raise SystemExit(f"gen_docs: no <!-- {name}:start --> … :end --> in the README")
    return readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say which files are stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="the project's root directory")
    args = parser.parse_args(argv)
    readme = args.root / "README.md"
    wanted = {
        args.root / "arrahmah" / "article.schema.json": schema_text(),
        readme: readme_text(readme.read_text("utf-8")),
    }
    stale = [path for path, text in wanted.items() if path.read_text("utf-8") != text]
    for path in stale:
        if args.check:
            print(f"stale: {path} (run python tools/gen_docs.py)", file=sys.stderr)
        else:
            path.write_text(wanted[path], "utf-8")
            print(f"wrote {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
