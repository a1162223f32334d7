"""The build inputs, as docker/build-push-action names them."""

from __future__ import annotations

from slipway.inputs.spec.model import Input, Kind, Section, conflicts, needs

B = Section.BUILD
TRUE = ("true",)
PUSH_HINT = "Set `push: true` in the step that pushes."
S3_CACHE = (
    "type=s3,region=eu-west-1,bucket=cache,access_key_id=AKIAEXAMPLE,secret_access_key={secret}"
)

BUILD = (
    Input(
        "context",
        B,
        Kind.WORD,
        "the build context: a folder inside the workspace, or a git "
        "or HTTPS URL (`https://github.com/org/repo.git#ref:dir`, `git@host:org/repo.git`) that "
        "BuildKit fetches; credentials in a URL are never shown",
        default=".",
        files=True,
        sensitive="https://x-access-token:{secret}@github.com/acme/app.git#main",
    ),
    Input(
        "file",
        B,
        Kind.WORD,
        "the Dockerfile: a UTF-8 file inside the workspace (with a URL "
        "`context`, a path inside that context)",
        shown_default="`<context>/Dockerfile`",
        files=True,
        example="Dockerfile",
    ),
    Input(
        "platforms",
        B,
        Kind.LIST,
        "`os/arch[/variant]`, comma- or line-separated: `linux/amd64,linux/arm64`, `linux/arm/v7`",
        shown_default="builder default",
        example="linux/amd64,linux/arm64",
    ),
    Input("push", B, Kind.BOOLEAN, "push by digest, then tag after the gate", default="false"),
    Input(
        "push-by-digest",
        B,
        Kind.BOOLEAN,
        "push this build untagged and unscanned: one part of a split build (needs `push: true`)",
        default="false",
        relations=(
            needs(
                "push",
                "push-by-digest pushes to the registry, so it needs push: true",
                PUSH_HINT,
                values=TRUE,
                other_values=TRUE,
                blame="push",
            ),
        ),
    ),
    Input(
        "merge-digests",
        B,
        Kind.LIST,
        "the parts' digests (`sha256:<64 hex>`, each once), one "
        "per line: make the index, then scan, gate, tag (needs `push: true`; not with "
        "`push-by-digest`)",
        example="sha256:" + "a" * 64,
        relations=(
            needs(
                "push",
                "merge-digests creates an index in the registry, so it needs push: true",
                PUSH_HINT,
                other_values=TRUE,
                blame="push",
            ),
            conflicts(
                "push-by-digest",
                "cannot be combined with push-by-digest",
                "Use one in the build jobs, the other in the merge job.",
                other_values=TRUE,
            ),
        ),
    ),
    Input(
        "target",
        B,
        Kind.WORD,
        "the stage to build: the name of a `FROM ... AS name` stage of "
        "the Dockerfile (letters, digits, `-_.`)",
        example="runtime",
    ),
    Input(
        "build-args",
        B,
        Kind.PAIRS,
        "`KEY=VALUE` per line; a value that looks like a "
        "credential (by its name or shape) is masked, and refused with provenance `mode=max`, "
        "which would record it in the attestation (the default then is `mode=min`)",
        sensitive="API_TOKEN={secret}\nREPO_URL=https://ci:{secret}@pypi.example/simple",
        example="VERSION=1.2.3",
    ),
    Input(
        "build-contexts",
        B,
        Kind.PAIRS,
        "`name=path-or-url` per line: a folder inside the "
        "workspace, `docker-image://`, `oci-layout://`, a git or HTTPS URL; names as a stage's",
        files=True,
        sensitive="lib=https://x-access-token:{secret}@github.com/acme/lib.git#main",
        example="alpine=docker-image://alpine:3.20",
    ),
    Input(
        "secrets",
        B,
        Kind.PAIRS,
        "BuildKit secrets, `id=value` per line (ids: letters, digits, "
        "`_.-`, each id once across `secrets`, `secret-files` and `secret-envs`); masked, and "
        "passed to buildx through its environment only",
        sensitive="npm={secret}",
        example="npm=x",
    ),
    Input(
        "secret-files",
        B,
        Kind.PAIRS,
        "BuildKit secrets from files, `id=path` per line (a file "
        "inside the workspace or runner temp)",
        files=True,
        example="npm=Dockerfile",
    ),
    Input(
        "secret-envs",
        B,
        Kind.PAIRS,
        "`id=ENV_NAME` per line: the secret is that variable of "
        "the step's `env:` (masked, passed like `secrets`)",
        sensitive="npm=NPM_TOKEN",
        example="npm=NPM_TOKEN",
    ),
    Input(
        "ssh",
        B,
        Kind.LINES,
        "`default` (the agent of `SSH_AUTH_SOCK`) or `id=path[,path]` per "
        "line: agent sockets or keys inside the workspace or runner temp",
        files=True,
        example="default",
    ),
    Input("no-cache", B, Kind.BOOLEAN, "build without the cache", default="false"),
    Input("pull", B, Kind.BOOLEAN, "always pull newer versions of base images", default="false"),
    Input(
        "cache",
        B,
        Kind.BOOLEAN,
        "`true` or `false`. With `true`, when the runner provides "
        "GitHub's cache service (`ACTIONS_RESULTS_URL` + `ACTIONS_RUNTIME_TOKEN`), Slipway keeps "
        "its state there with nothing else to configure: a `type=gha` build cache when neither "
        "`cache-from` nor `cache-to` is given, the Trivy DB, Trivy's layer analysis, its scan "
        "results and layer sizes, and the record of each pushed build (an identical build is "
        "not built again). `false` turns all of it off",
        default="true",
    ),
    Input(
        "cache-from",
        B,
        Kind.LINES,
        "one entry per line, read as buildx reads it (CSV, keys in "
        "any case): `type=registry,ref=...`, `type=gha`, `type=local,src=...` (a folder inside "
        "the workspace or runner temp), `type=s3`, `type=azblob`; a bare reference is "
        "`type=registry`. Credential attributes are never shown",
        files=True,
        sensitive=S3_CACHE,
        example="type=registry,ref=ghcr.io/acme/app-cache",
    ),
    Input(
        "cache-to",
        B,
        Kind.LINES,
        "as `cache-from`, with `type=local,dest=...` and "
        "`type=inline`; `mode=min` or `max`. A registry cache may not be a repository the run "
        "publishes (it would write a tag there before the gate). A `cache-to` that fails does "
        "not fail the build (`ignore-error=true` is added unless the entry sets `ignore-error`)",
        sensitive=S3_CACHE,
        example="type=gha,mode=max",
    ),
    Input(
        "provenance",
        B,
        Kind.WORD,
        "`true`/`false` (Go's spellings: `1`, `t`, `True`, ...) or "
        "attributes with `mode=min` or `mode=max`; with `mode=max` the attestation records every "
        "build arg (the summary says so), so it is refused when a build arg looks like a secret",
        shown_default="`mode=max` public / `mode=min` private",
        example="mode=min",
    ),
    Input("sbom", B, Kind.WORD, "`true`/`false` or attributes (`generator=IMAGE`)", example="true"),
    Input(
        "attestation-storage",
        B,
        Kind.CHOICE,
        "where BuildKit's provenance and SBOM "
        "attestations go: `index` (as build-push-action: extra manifests of the index, shown "
        "as `unknown/unknown` platforms) or `referrers` (each platform's statements as OCI 1.1 "
        "artifacts whose `subject` is that platform's manifest; the index holds only the "
        "images). See [Provenance as referrers](#provenance-as-referrers)",
        default="index",
        choices=("index", "referrers"),
    ),
    Input(
        "attests",
        B,
        Kind.LINES,
        "`type=provenance,...` / `type=sbom,...` per line, as "
        "buildx's `--attest` (`mode=min` or `max`); a type given here replaces `provenance` / "
        "`sbom`",
        example="type=sbom",
    ),
    Input(
        "shm-size",
        B,
        Kind.WORD,
        "`/dev/shm` for `RUN` steps: a size from 1 byte to 1 TiB (`2g`, `512m`)",
        example="2g",
    ),
    Input(
        "ulimit",
        B,
        Kind.LINES,
        "for `RUN` steps, `name=soft[:hard]` per line (`nofile=1024:"
        "2048`): a known limit, numbers from -1 (unlimited), soft at most hard",
        example="nofile=1024:2048",
    ),
    Input(
        "add-hosts",
        B,
        Kind.LIST,
        "`/etc/hosts` entries for `RUN` steps: `host:ip` or `host=ip` (an IPv4 or IPv6 address)",
        example="db:10.0.0.5",
    ),
    Input(
        "network",
        B,
        Kind.CHOICE,
        "`RUN` steps' network: `default`, `none` or `host`",
        choices=("default", "none", "host"),
    ),
    Input(
        "allow",
        B,
        Kind.LIST,
        "entitlements: `network.host`, `security.insecure` (the builder must allow them too)",
        example="network.host",
    ),
    Input("cgroup-parent", B, Kind.WORD, "a parent cgroup for `RUN` steps", example="/actions_job"),
    Input(
        "no-cache-filters",
        B,
        Kind.LIST,
        "stages built without the cache, comma or newline separated",
        example="test",
    ),
    Input(
        "load",
        B,
        Kind.BOOLEAN,
        "also load the result into the engine under its tags (without "
        "attestations: the classic store cannot hold an index)",
        default="false",
    ),
    Input(
        "outputs",
        B,
        Kind.LINES,
        "extra buildx outputs, one per line, each writing to a path "
        "(`type=local,dest=...`, `type=tar,dest=...`); an output that would push (`type="
        "registry`, or `push=` true in any spelling) or write to the log (`dest=-`) is refused",
        example="type=local,dest=out",
    ),
)
