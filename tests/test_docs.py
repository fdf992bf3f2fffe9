"""The Markdown docs build: every relative link in README.md and docs/*.md points at a file that
exists, and every `#anchor` at a heading of its target."""
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([REPO_ROOT / 'README.md', *(REPO_ROOT / 'docs').glob('*.md')])
LINK = re.compile(r'(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)')
FENCE = re.compile(r'^(```|~~~).*?^\1', re.S | re.M)


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r'`([^`]*)`', r'\1', heading.strip().lower())
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def _anchors(path: Path) -> set:
    text = FENCE.sub('', path.read_text())
    return {_slug(m.group(1)) for m in re.finditer(r'^#{1,6}\s+(.*?)\s*#*$', text, re.M)}


def _links(path: Path):
    text = FENCE.sub('', path.read_text())
    for target in LINK.findall(text):
        if re.match(r'^[a-z][a-z0-9+.-]*:', target):  # http:, https:, mailto:
            continue
        yield target


def test_docs_exist():
    assert (REPO_ROOT / 'docs' / 'index.md').is_file()
    assert len(DOCS) > 2


def test_slug_matches_github():
    assert _slug('Checkpoints and `weights_only`') == 'checkpoints-and-weights_only'
    assert _slug('FAQ: known traps') == 'faq-known-traps'


@pytest.mark.parametrize('doc', DOCS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_relative_links_resolve(doc):
    broken = []
    for target in _links(doc):
        file_part, _, anchor = target.partition('#')
        dest = (doc.parent / file_part).resolve() if file_part else doc
        if not dest.exists():
            broken.append(f'{target} (no file {dest})')
        elif anchor and dest.suffix == '.md' and anchor not in _anchors(dest):
            broken.append(f'{target} (no heading "#{anchor}" in {dest.name})')
    assert not broken, f'{doc.name}: broken links: {broken}'


def test_index_links_every_doc():
    index = REPO_ROOT / 'docs' / 'index.md'
    linked = {t.partition('#')[0] for t in _links(index)}
    unlinked = [
        p.name for p in (REPO_ROOT / 'docs').glob('*.md')
        if p.name != 'index.md' and p.name not in linked
    ]
    assert not unlinked, f'docs/index.md does not link {unlinked}'
