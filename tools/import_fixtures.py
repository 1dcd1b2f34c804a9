"""Copy the pages the tests need from a replica snapshot into ``fixtures/pages/``.

    python tools/import_fixtures.py PATH/TO/replica/site-a/snapshot-1 PATH/TO/replica/site-a/gold-1

Each fixture is the page as recorded (data, not code) plus its expected item, written from the
replica's gold answer: the fields the page alone can tell. A page shows only the publication
date, so ``published_at`` expects the date and ``modified_at`` null; the manifest keeps the exact
times (as the REST API would give them) for the end-to-end test site.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ORIGIN = "https://arrahmahnews.com"
OUT = Path(__file__).resolve().parent.parent / "fixtures" / "pages"

# name -> (path of page 1, what case it covers)
ARTICLES = {
    "seed-putin": (
        "/2020/10/09/putin-jadi-tuan-rumah-pembicaraan-gencatan-senjata-armenia-dan-azerbaijan/",
        "the seed article: Baca form a (embed) and b (glued), no comments",
    ),
    "multipage-comments": (
        "/2020/11/01/membaca-arah-moderasi-beragama-pasca-penangkapan-terduga-teroris/",
        "two pages; BACA JUGA (form d); five threaded comments; subheadings",
    ),
    "baca-list": (
        "/2020/05/22/otoritas-palestina-tuding-pasukan-pendudukan-israel-dalangi-penangkapan-massal/",
        "Baca: followed by a list of links (form e)",
    ),
    "baca-juga-youtube": (
        "/2020/06/19/standar-ganda-barat-dan-aneksasi-tepi-barat/",
        "Baca juga: (form c), YouTube iframe, no dateline",
    ),
    "comments-closed-table": (
        "/2020/09/28/abu-obaida-normalisasi-adalah-pengkhianatan/",
        "comments closed with comments; a table",
    ),
    "no-dateline": (
        "/2020/06/15/membaca-arah-nasib-tahanan-palestina-pasca-pembongkaran-rumah-warga/",
        "opinion piece without a dateline",
    ),
    "lists-and-breaks": (
        "/2020/06/09/membaca-arah-krisis-rohingya-pasca-ketegangan-laut-china-selatan/",
        "bullet/numbered lists, line breaks",
    ),
    "emdash-dateline": (
        "/2020/05/12/laporan-operasi-kontra-terorisme-perparah-hubungan-baghdad-dan-erbil/",
        "dateline with an em dash",
    ),
    "no-author-box": (
        "/2020/05/03/qureshi-serukan-penghentian-provokasi-militer-di-kawasan/",
        "author without bio (no author box); captioned body image; comments",
    ),
    "image-only": (
        "/2020/10/12/foto-suasana-salat-jumat-pertama-di-masjid-istiqlal-usai-renovasi/",
        "body is one captioned image: empty body text",
    ),
    "one-paragraph": (
        "/2021/08/01/pashinyan-ekspansi-nato-ancam-stabilitas/",
        "title and one paragraph",
    ),
    "very-long": (
        "/2020/11/09/analisa-pasukan-as-harus-keluar-dari-suriah/",
        "about sixty paragraphs",
    ),
    "title-punctuation": (
        "/2020/12/14/khamenei-jangan-percaya-janji-washington-iran-tolak-dialog-pura-pura-benarkah/",
        "title with quotes, colon, dash, ellipsis",
    ),
    "sticky": (
        "/2020/11/13/jerman-tuding-amerika-serikat-dalangi-karikatur-nabi/",
        "the sticky post",
    ),
    "iframe-drone": (
        "/2021/01/03/harian-al-akhbar-35-orang-tewas-dalam-serangan-drone/",
        "YouTube iframe; table",
    ),
}
NON_ARTICLES = {
    "wp-page": ("/tentang-kami/", "a WordPress Page"),
    "listing-home": ("/", "home listing, page 1, sticky post first"),
    "listing-page-2": ("/page/2/", "home listing, page 2"),
    "listing-category": ("/category/timur-tengah/yaman/", "a category archive"),
}


def main(snapshot: Path, gold_dir: Path) -> None:
    index = {}
    for line in (snapshot / "index.jsonl").read_text("utf-8").splitlines():
        entry = json.loads(line)
        index[entry["url"]] = entry
    gold = {}
    for f in gold_dir.glob("*.json"):
        g = json.loads(f.read_text("utf-8"))
        if isinstance(g, dict) and "id" in g:
            gold[g["url"]] = g

    def copy(url: str, name: str) -> str:
        body = (snapshot / index[url]["body"]).read_text("utf-8")
        (OUT / name).write_text(body, "utf-8")
        return name

    OUT.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, (path, case) in ARTICLES.items():
        url = ORIGIN + path
        g = gold[url]
        pages = [copy(url, f"{name}.html")]
        for n in range(2, g["pages"] + 1):
            pages.append(copy(f"{url}{n}/", f"{name}.{n}.html"))
        expected = {
            "url": g["url"],
            "post_id": g["id"],
            "title": g["title"],
            "published_at": g["published"][:10],
            "modified_at": None,
            "author": g["author"],
            "categories": g["categories"],
            "tags": g["tags"],
            "dateline": g["dateline"],
            "body": g["body"],
            "related": g["related"],
            "images": g["images"],
            "comments_count": g["comments_count"],
            "pages": g["pages"],
            "language": "id",
            "word_count": len(g["body"].split()),
            "content_hash": hashlib.sha256(f"{g['title']}\n\n{g['body']}".encode()).hexdigest(),
            "version": 1,
            "former_urls": [],
        }
        (OUT / f"{name}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1) + "\n", "utf-8"
        )
        manifest.append(
            {
                "name": name,
                "url": url,
                "pages": pages,
                "case": case,
                "published": g["published"],
                "modified": g["modified"],
                "sticky": name == "sticky",
            }
        )
    for name, (path, case) in NON_ARTICLES.items():
        url = ORIGIN + path
        pages = [copy(url, f"{name}.html")]
        (OUT / f"{name}.expected.json").write_text("null\n", "utf-8")
        manifest.append({"name": name, "url": url, "pages": pages, "case": case})
    (OUT / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    print(f"{len(manifest)} fixtures written to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
