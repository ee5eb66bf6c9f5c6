#!/usr/bin/env bash
# The docs book (docs/src, mdBook) into target/book, after checking that every chapter is in
# the summary and every local link (README, SECURITY, CHANGELOG, the chapters) leads to a file
# that exists. `make docs`, and a phase of `make test`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/.tools/env.sh"
python3 - "$ROOT" <<'PY'
import pathlib, re, sys
root = pathlib.Path(sys.argv[1])
src = root / "docs/src"
summary = (src / "SUMMARY.md").read_text()
listed = set(re.findall(r"\]\(([^)#]+\.md)\)", summary))
chapters = {p.name for p in src.glob("*.md")} - {"SUMMARY.md"}
errors = [f"docs/src/{c} is not in SUMMARY.md" for c in sorted(chapters - listed)]
errors += [f"SUMMARY.md names a missing {c}" for c in sorted(listed - chapters)]
for page in [root / "README.md", root / "SECURITY.md", root / "CHANGELOG.md", *src.glob("*.md")]:
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.exists():
            errors.append(f"{page.relative_to(root)}: {target} does not exist")
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
print(f"    {len(chapters)} chapters, every local link resolves")
PY
mdbook build "$ROOT/docs" 2>&1 | grep -v "^\s*$" | sed 's/^/    /'
test -f "$ROOT/target/book/index.html"
echo "    the book: target/book/index.html"
