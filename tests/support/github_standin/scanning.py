"""Emulated check-run and code-scanning (SARIF upload) operations."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import uuid

from . import objects
from .routes import ApiError, Call, Reply, paginate, route
from .state import CheckRun, SarifUpload

MAX_ANNOTATIONS = 50  # per request: https://docs.github.com/rest/checks/runs#update-a-check-run
MAX_SARIF_GZIP = 10 * 1024 * 1024  # GitHub rejects larger gzipped SARIF with 413


def _apply_check_run(call: Call, record: CheckRun) -> Reply:
    body = dict(call.body)
    output = dict(body.pop("output", None) or {})
    annotations = output.pop("annotations", None) or []
    if len(annotations) > MAX_ANNOTATIONS:  # The description says so too (maxItems).
        raise ApiError(422, f"Only {MAX_ANNOTATIONS} annotations are allowed per request.")
    record.fields.update(body)
    record.fields["output"] = {**record.fields.get("output", {}), **output}
    record.annotations.extend(annotations)
    if "conclusion" in body:
        record.fields["status"] = "completed"
    if record.fields.get("status") == "completed":
        record.fields.setdefault("completed_at", call.state.now())
    if record.fields.get("status") in ("in_progress", "completed"):
        record.fields.setdefault("started_at", call.state.now())
    return Reply(200, objects.check_run(call.spec, call.api, record))


@route("POST", "/repos/{owner}/{repo}/check-runs")
def create_check_run(call: Call) -> Reply:
    """POST a check run (annotations in ``output`` are stored)."""
    repo = call.repo()
    record = CheckRun(call.state.next_id(), repo.owner, repo.name, {})
    reply = _apply_check_run(call, record)
    call.state.check_runs[record.id] = record
    reply.status = 201
    return reply


def _check_run(call: Call) -> CheckRun:
    repo = call.repo()
    record = call.state.check_runs.get(int(call.params["check_run_id"]))
    if record is None or (record.owner, record.repo) != (repo.owner, repo.name):
        raise ApiError(404, "Not Found")
    return record


@route("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
def get_check_run(call: Call) -> Reply:
    """GET a check run."""
    return Reply(200, objects.check_run(call.spec, call.api, _check_run(call)))


@route("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
def update_check_run(call: Call) -> Reply:
    """PATCH a check run; new annotations are appended to the stored ones."""
    return _apply_check_run(call, _check_run(call))


@route("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations")
def list_annotations(call: Call) -> Reply:
    """GET a check run's annotations."""
    record = _check_run(call)
    return paginate(call, [objects.annotation(call.spec, record, a) for a in record.annotations])


@route("POST", "/repos/{owner}/{repo}/code-scanning/sarifs")
def upload_sarif(call: Call) -> Reply:
    """POST a gzip+base64 SARIF document; it is stored decoded."""
    repo = call.repo()
    body = dict(call.body)
    try:
        packed = base64.b64decode(body.pop("sarif"), validate=True)
        if len(packed) > MAX_SARIF_GZIP:
            raise ApiError(413, "Payload Too Large: the SARIF file is too large")
        sarif = json.loads(gzip.decompress(packed))
    except (binascii.Error, OSError, EOFError, ValueError) as exc:
        message = f"Invalid SARIF: not gzip-compressed, base64-encoded JSON ({exc})"
        raise ApiError(400, message) from exc
    record = SarifUpload(
        str(uuid.uuid4()),
        repo.owner,
        repo.name,
        body.pop("commit_sha"),
        body.pop("ref"),
        sarif,
        body,
    )
    call.state.sarifs[record.id] = record
    return Reply(202, objects.sarif_receipt(call.api, record))


@route("GET", "/repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}")
def get_sarif(call: Call) -> Reply:
    """GET a SARIF upload's processing status (always complete)."""
    repo = call.repo()
    record = call.state.sarifs.get(call.params["sarif_id"])
    if record is None or (record.owner, record.repo) != (repo.owner, repo.name):
        raise ApiError(404, "Not Found")
    return Reply(200, objects.sarif_status(call.api, record))
