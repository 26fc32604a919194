"""Search benchmark: `make bench` or `python -m bench.search`.

Builds a separate database per backend (a temporary SQLite file; a `cptref_bench` database on the PostgreSQL
server named by BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres), loads the curated
reference data plus 20,000 synthetic codes with misconceptions, then runs a fixed mix of queries through
`search_codes` and, in the same run, through a naive baseline (icontains OR-ed across the same fields).
Prints p50/p95 per query type and backend, and the queries one search page request executes.
Timings vary with machine load: compare the ratios within one run.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

N_CODES = 20_000
REPEATS = 15
QUERIES = {
    "number": ["97110", "g0283", "35012", "41999"],
    "prefix": ["9711", "350", "4123"],
    "word": ["stimulation", "traction", "balance"],
    "multi-word": ["gait training stairs", "joint mobilization shoulder", "pressure ulcer healing"],
    "slang": ["ther ex", "ionto", "neuro re-ed", "e-stim"],
    "typo": ["iontoforesis", "ultrasond", "paraffen"],
}
WORDS = (
    "balance coordination posture strength endurance range motion flexibility gait stairs transfer lifting reaching "
    "carrying traction cervical lumbar shoulder knee hip ankle wrist elbow spine joint mobilization soft tissue "
    "massage edema lymphatic drainage stimulation electrical muscle nerve pain heat cold paraffin whirlpool "
    "ultrasound infrared diathermy compression device orthotic prosthetic fitting training wheelchair cognitive "
    "memory attention evaluation complexity history examination presentation decision plan care goals progress "
    "report documentation minutes units supervision attendance patient therapist assistant group session home "
    "program exercise activity functional task daily living safety adaptive equipment monitoring remote pressure "
    "ulcer wound healing chronic acute injury surgery rehabilitation neurological stroke spinal cord"
).split()
SLANG = ["ther ex", "ther act", "NMR", "e-stim", "TENS", "US", "HP/CP", "MT", "STM", "mobs", "eval", "vaso", "FCE"]


SYLLABLES = "ba ce di fo gu ha je ki lo mu na pe ri so tu va we xi yo za br cl dr fl gr pl st tr".split()
VOCABULARY_SIZE = 5000


def vocabulary(rng):
    """A Zipf-distributed vocabulary: the real therapy words spread over ranks 20-400 among invented words, so a
    query word matches hundreds to a few thousand of the 20,000 codes, as words do in real code sets."""
    invented = set()
    while len(invented) < VOCABULARY_SIZE - len(WORDS):
        invented.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    ranked = sorted(invented)
    rng.shuffle(ranked)
    for word in WORDS:
        ranked.insert(rng.randint(20, 400), word)
    weights = [1 / rank for rank in range(1, len(ranked) + 1)]
    return ranked, weights


def words(rng, n, vocab):
    return " ".join(rng.choices(vocab[0], weights=vocab[1], k=n))


def build(rng):
    from django.core.management import call_command

    from codes.models import Category, Code, Misconception
    from codes.refdata import REFERENCE_DIR

    call_command("migrate", verbosity=0)
    if (REFERENCE_DIR / "codes.json").exists():
        call_command("load_reference", verbosity=0)
    else:
        Category.objects.create(slug="therapeutic-procedures", name="Therapeutic procedures")
    categories = list(Category.objects.all())
    vocab = vocabulary(rng)
    codes = [
        Code(
            code=f"{30000 + i:05d}",
            title=words(rng, 6, vocab).capitalize(),
            summary=(words(rng, 90, vocab) + ".")[:600],
            lay_terms=", ".join(rng.sample(SLANG, 1) + [words(rng, 2, vocab) for _ in range(3)]),
            category=rng.choice(categories),
            billing_unit=rng.choice(["timed", "untimed"]),
            attendance=rng.choice(["supervised", "constant", "one_on_one"]),
            evidence="secondary",
            is_published=True,
        )
        for i in range(N_CODES)
    ]
    Code.objects.bulk_create(codes, batch_size=1000)
    codes = list(Code.objects.filter(code__gte="30000").only("pk"))
    myths = Misconception.objects.bulk_create(
        Misconception(
            slug=f"synthetic-{i}",
            myth=words(rng, 12, vocab),
            correction=words(rng, 40, vocab),
            why_it_matters=words(rng, 15, vocab),
            consequence="denial",
            impact=2,
            evidence="secondary",
            is_published=True,
        )
        for i in range(N_CODES // 4)
    )
    through = Misconception.codes.through
    through.objects.bulk_create(
        through(misconception_id=m.pk, code_id=c.pk) for m in myths for c in rng.sample(codes, 2)
    )


def naive(query):
    from django.db.models import Q

    from codes.models import Code

    fields = ["code", "title", "summary", "lay_terms", "misconceptions__myth", "misconceptions__correction"]
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": query})
    return Code.objects.published().for_list_page().filter(condition).distinct().order_by("code")


def timed(fn, query):
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        list(fn(query)[:20])
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def pct(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def child():
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from codes.models import Code
    from codes.search import search_codes

    rng = random.Random(20261122)
    start = time.perf_counter()
    build(rng)
    result = {"vendor": connection.vendor, "build_s": time.perf_counter() - start, "types": {}, "queries": {}}
    for kind, queries in QUERIES.items():
        ours, base, hits = [], [], []
        for q in queries:
            list(search_codes(q)[:20])  # warm up
            ours += timed(lambda q: search_codes(q, Code.objects.published().for_list_page()), q)
            base += timed(naive, q)
            hits.append(search_codes(q).count())
        result["types"][kind] = {
            "ours": [pct(ours, 50), pct(ours, 95)],
            "naive": [pct(base, 50), pct(base, 95)],
            "hits": hits,
        }
    client = Client()
    for q in ["ther ex", "stimulation", "9711", "iontoforesis", "zzzz"]:
        with CaptureQueriesContext(connection) as ctx:
            client.get("/codes/", {"q": q})
        result["queries"][q] = len(ctx.captured_queries)
    print(json.dumps(result))


def run_backend(name, url):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "cptref.test_settings",
        "BENCH_CHILD": "1",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    out = subprocess.run([sys.executable, "-m", "bench.search"], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"{name}: benchmark failed\n{out.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def postgres_bench_url(base):
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS cptref_bench")
        conn.execute("CREATE DATABASE cptref_bench")
    return base.rsplit("/", 1)[0] + "/cptref_bench"


def report(name, result):
    print(
        f"\n{name} ({N_CODES:,} synthetic codes + curated data; built in {result['build_s']:.1f}s; "
        f"{REPEATS} runs per query, LIMIT 20)"
    )
    print(f"{'query type':<12} {'search_codes p50/p95 ms':>24} {'naive p50/p95 ms':>20} {'p95 speed-up':>13}  hits")
    for kind, row in result["types"].items():
        (o50, o95), (n50, n95) = row["ours"], row["naive"]
        print(f"{kind:<12} {o50:>11.1f} / {o95:<10.1f} {n50:>9.1f} / {n95:<8.1f} {n95 / o95:>12.1f}x  {row['hits']}")
    counts = ", ".join(f"{q!r}: {n}" for q, n in result["queries"].items())
    print(f"queries per /codes/?q= request: {counts}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = run_backend("SQLite", f"sqlite:///{tmp}/bench.sqlite3")
        if sqlite:
            report("SQLite", sqlite)
    if not args.skip_postgres:
        try:
            url = postgres_bench_url(args.postgres)
        except Exception as exc:  # noqa: BLE001 - report and carry on without PostgreSQL
            print(f"\nPostgreSQL: not benchmarked ({exc})")
        else:
            pg = run_backend("PostgreSQL", url)
            if pg:
                report("PostgreSQL", pg)


if __name__ == "__main__":
    child() if os.environ.get("BENCH_CHILD") else main()
