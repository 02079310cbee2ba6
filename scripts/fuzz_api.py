"""API fuzzing: Schemathesis-generated requests (valid and invalid) to every operation of /api/openapi.json.

Against a running ``telusur serve`` on this machine only (127.0.0.1):

    python -m search_app.cli ingest corpus/ --index /tmp/fuzz-index
    TELUSUR_API_TOKEN=t python -m search_app.cli serve --index /tmp/fuzz-index --port 8771 &
    python scripts/fuzz_api.py --url http://127.0.0.1:8771 --token t --reads 150 --writes 40

Every response is checked with all of Schemathesis' checks (no 5xx, documented status codes, content types and
headers, response schemas, invalid data rejected, valid data accepted). Prints one JSON object: the cases per
operation, the status codes seen, the count of 5xx and of failed checks (the first few named); exit 1 on any.
Seeded (``--seed``): the same run sends the same requests.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import urllib.parse

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

SHOWN = 5  # failure messages kept per operation


def _local(url: str) -> str:
    host = urllib.parse.urlparse(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to fuzz {host!r}: this tool only targets this machine (127.0.0.1)")
    return url.rstrip("/")


def fuzz_operation(operation, base: str, headers: dict, mode: GenerationMode, examples: int,
                   random_seed: int, path_parameters: dict | None = None) -> dict:
    """Send up to ``examples`` generated cases of one operation; count statuses, 5xx and failed checks."""
    tally = {"cases": 0, "status": collections.Counter(), "server_errors": 0, "failures": 0, "examples": []}
    checks = schemathesis.checks.CHECKS.get_all()

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(max_examples=examples, phases=[Phase.generate], deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        response = case.call(base_url=base, headers=headers, timeout=120)
        tally["cases"] += 1
        tally["status"][response.status_code] += 1
        tally["server_errors"] += response.status_code >= 500
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Exception, BaseExceptionGroup) as err:  # failed checks (a FailureGroup): counted, the run goes on
            tally["failures"] += 1
            if len(tally["examples"]) < SHOWN:
                tally["examples"].append(f"{case.method} {case.formatted_path} {response.status_code}: "
                                         f"{str(err).strip().splitlines()[0][:300]}")

    try:
        seed(random_seed)(run)()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
        tally["note"] = "no invalid request can be generated"
    return {**tally, "status": dict(sorted(tally["status"].items()))}


def stored_ids(base: str, path: str) -> list[str]:
    """Article ids from a few searches (for /berkas: those of documents, which have a file)."""
    import urllib.request

    ids: dict[str, None] = {}
    for q in ("inovasi", "pelayanan publik", "desa", "bupati"):
        with urllib.request.urlopen(f"{base}/api/search?q={urllib.parse.quote(q)}&k=100", timeout=120) as r:
            for result in json.loads(r.read())["results"]:
                if not path.startswith("/berkas") or result["file_url"]:
                    ids[result["article_id"]] = None
    return list(ids)


def merge(runs: list[dict]) -> dict:
    status: collections.Counter = collections.Counter()
    for run in runs:
        status.update(run["status"])
    return {"cases": sum(r["cases"] for r in runs), "status": dict(sorted(status.items())),
            "server_errors": sum(r["server_errors"] for r in runs), "failures": sum(r["failures"] for r in runs),
            "examples": [e for r in runs for e in r["examples"]][:SHOWN]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--token", required=True, help="the server's API token (POST /api/documents)")
    p.add_argument("--reads", type=int, default=150, help="cases per GET operation and mode (valid, invalid)")
    p.add_argument("--writes", type=int, default=40, help="cases per mode for POST /api/documents")
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args()
    base = _local(args.url)
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json")
    headers = {"Authorization": f"Bearer {args.token}"}
    report: dict[str, dict] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        examples = args.writes if operation.method.upper() == "POST" else args.reads
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            name = f"{operation.method.upper()} {operation.path} ({mode.value})"
            report[name] = fuzz_operation(operation, base, headers, mode, examples, args.seed)
            print(f"{name}: {report[name]['cases']} cases, {report[name]['failures']} failed", file=sys.stderr)
        if "{article_id}" in operation.path:  # generated ids are unknown (404): also every stored one we can find
            name = f"{operation.method.upper()} {operation.path} (stored ids)"
            runs = [fuzz_operation(operation, base, headers, GenerationMode.POSITIVE, 1, args.seed,
                                   {"article_id": article_id}) for article_id in stored_ids(base, operation.path)]
            report[name] = merge(runs)
    total = {"cases": sum(r["cases"] for r in report.values()),
             "server_errors": sum(r["server_errors"] for r in report.values()),
             "failures": sum(r["failures"] for r in report.values()),
             "operations": len({name.split(" (")[0] for name in report})}
    print(json.dumps({"total": total, "operations": report}, indent=1, ensure_ascii=False))
    return 1 if total["server_errors"] or total["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
