"""Make the variant fixture pages: a recorded page with blocks of other editors' habits inserted.

    python tools/make_variant_fixtures.py

Each variant is the recorded page ``no-author-box`` under a post id and slug of its own, with
blocks inserted after some of its paragraphs: cross-links whose labels no rule names, or content
that only looks like a cross-link. The expected item is written from the base page's expected
item and what was inserted (a cross-link goes to ``related``; a look-alike stays in ``body``),
never from the extractor's output.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
BASE_NAME, BASE_ID = "no-author-box", 9
BASE_SLUG = "qureshi-serukan-penghentian-provokasi-militer-di-kawasan"
SITE = "https://arrahmahnews.com"


def _a(n: int, title: str, site: str = SITE) -> tuple[str, dict[str, str]]:
    url = f"{site}/2019/0{n}/1{n}/berita-lama-{n}/"
    return f'<a href="{url}">{title}</a>', {"url": url, "title": title}


def _embed(n: int, title: str) -> tuple[str, dict[str, str]]:
    url = f"{SITE}/2019/0{n}/1{n}/berita-lama-{n}/"
    html = (
        f'<blockquote class="wp-embedded-content" data-secret="k{n}"><p><a href="{url}">{title}'
        f'</a></p></blockquote>\n<p><iframe class="wp-embedded-content" sandbox="allow-scripts"'
        f' security="restricted" title="&#8220;{title}&#8221; &#8212; Arrahmahnews"'
        f' src="{url}embed/#?secret=k{n}#?secret=k{n}" data-secret="k{n}" width="600"'
        ' height="338" frameborder="0"></iframe></p>'
    )
    return html, {"url": url, "title": title}


def crosslinks() -> tuple[dict[int, list[str]], list[dict[str, str]]]:
    """Cross-links with labels no rule names: inserted after paragraph N; their links."""
    a1, r1 = _a(1, "Iran Tegaskan Dukungan bagi Suriah")
    a2, r2 = _a(2, "Hizbullah: Perlawanan Tetap Siaga")
    a3, r3 = _a(3, "PBB Kecam Blokade Yaman")
    a4, r4 = _a(4, "Harga Minyak Naik Usai Serangan")
    a5, r5 = _a(5, "Parlemen Irak Tuntut Penarikan Pasukan AS")
    e6, r6 = _embed(6, "Rusia dan Turki Sepakati Patroli Bersama")
    a7, r7 = _a(7, "Warga Gaza Peringati Hari Nakba")
    a8, r8 = _a(8, "Analisa: Arah Baru Diplomasi Teheran")
    a9, r9 = _a(9, "Venezuela Tolak Sanksi Baru", site="http://www.arrahmahnews.com")
    inserts = {
        1: [
            f"<p><strong>Jangan Lewatkan:</strong> {a1}</p>",
            f"<p><em>Pilihan Redaksi</em>{a2}</p>",
        ],
        2: [
            f"<p>[Berita Lainnya » {a3}]</p>",
            f"<h4>Rekomendasi</h4>\n<ul>\n<li>{a4}</li>\n<li>{a5}</li>\n</ul>",
        ],
        3: [f"<p><span>INFO TERKINI |</span></p>\n{e6}", f"<p>Simak Lainnya – {a7} | {a8}</p>"],
        4: [f"<p><b>Read More:</b></p>\n<p>{a9}</p>"],
    }
    return inserts, [r1, r2, r3, r4, r5, r6, r7, r8, r9]


def lookalikes() -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Content that looks like a cross-link: inserted after paragraph N; its paragraphs."""
    a1, _ = _a(1, "laporan sebelumnya")
    a2, _ = _a(2, "Pernyataan Bersama Teheran")
    inserts = {
        1: [
            f"<p>Seperti disebut dalam {a1}, ketegangan sudah berlangsung sejak pekan lalu.</p>",
            '<p>Sumber: <a href="https://www.reuters.com/world/asia-pacific/">Reuters</a></p>',
        ],
        2: [
            "<p><strong>Catatan Redaksi:</strong></p>",
            "<p>Bacaan doa bersama digelar warga di depan kedutaan pada malam harinya.</p>",
            "<p>Baca Al-Quran dan doa untuk korban menjadi agenda utama pertemuan itu.</p>",
        ],
        3: [
            f'<p>Baca juga: <a href="{SITE}/tag/myanmar/">Myanmar</a></p>',
            f'<p>Terkait: <a href="{SITE}/category/asia/">Asia</a></p>',
            f'<p>Penulis: <a href="{SITE}/author/sofia-rahmawati/">Sofia Rahmawati</a></p>',
            f'<p>Redaksi: <a href="{SITE}/redaksi/">Tim Redaksi</a></p>',
        ],
        4: [f"<p>Dokumen itu berjudul {a2} dan ditandatangani kedua menteri.</p>"],
    }
    texts = {
        k: [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip() for html in v]
        for k, v in inserts.items()
    }
    return inserts, texts


def _insert(html: str, inserts: dict[int, list[str]]) -> str:
    start = html.index('class="entry-content')
    end = html.index("entry-tags", start)
    content = html[start:end]
    pieces = content.split("</p>\n")
    for n in sorted(inserts, reverse=True):
        pieces[n - 1] += "</p>\n" + "\n".join(inserts[n])
    return html[:start] + "</p>\n".join(pieces) + html[end:]


def make(name: str, post_id: int, inserts: dict[int, list[str]], case: str) -> str:
    """Write ``name``.html: the base page, renamed to ``post_id`` and its own slug, with
    ``inserts``; returns the page's URL."""
    html = (PAGES / f"{BASE_NAME}.html").read_text("utf-8")
    html = html.replace(BASE_SLUG, name)
    html = re.sub(rf"\b(postid-|post-|\?p=){BASE_ID}\b", rf"\g<1>{post_id}", html)
    (PAGES / f"{name}.html").write_text(_insert(html, inserts), "utf-8")
    manifest = json.loads((PAGES / "manifest.json").read_text("utf-8"))
    base = next(e for e in manifest if e["name"] == BASE_NAME)
    entry = {**base, "name": name, "url": base["url"].replace(BASE_SLUG, name)}
    entry.update(pages=[f"{name}.html"], case=case)
    manifest = [e for e in manifest if e["name"] != name] + [entry]
    (PAGES / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return entry["url"]


def expect(name: str, url: str, post_id: int, body: list[str], related: list[dict]) -> None:
    """Write ``name``.expected.json from the base page's expected item."""
    item = json.loads((PAGES / f"{BASE_NAME}.expected.json").read_text("utf-8"))
    text = "\n\n".join(body)
    digest = hashlib.sha256(f"{item['title']}\n\n{text}".encode()).hexdigest()
    item.update(url=url, post_id=post_id, body=text, related=related)
    item.update(word_count=len(text.split()), content_hash=digest)
    out = json.dumps(item, indent=1, ensure_ascii=False) + "\n"
    (PAGES / f"{name}.expected.json").write_text(out, "utf-8")


def main() -> None:
    """Write both variants and their manifest entries."""
    base_body = json.loads((PAGES / f"{BASE_NAME}.expected.json").read_text("utf-8"))["body"]
    paragraphs = base_body.split("\n\n")

    inserts, related = crosslinks()
    url = make("unseen-crosslinks", 8101, inserts, "cross-links whose labels no rule names")
    expect("unseen-crosslinks", url, 8101, paragraphs, related)

    inserts, texts = lookalikes()
    url = make("lookalikes", 8102, inserts, "content that looks like cross-links stays")
    body = []
    for n, paragraph in enumerate(paragraphs, start=1):
        body += [paragraph, *texts.get(n, [])]
    expect("lookalikes", url, 8102, body, [])


if __name__ == "__main__":
    main()
