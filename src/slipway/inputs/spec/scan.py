"""The scan inputs, as aquasecurity/trivy-action names them where the concept is the same."""

from __future__ import annotations

from slipway.core.severity import NO_GATE
from slipway.core.severity import SCAN as SEVERITIES
from slipway.inputs.spec.model import Input, Kind, Section, needs

S = Section.SCAN
LISTED = ", ".join(f"`{s}`" for s in SEVERITIES)

SCAN = (
    Input(
        "scan",
        S,
        Kind.BOOLEAN,
        "scan every platform; `false` skips the stage (`scan-result: skipped`)",
        default="true",
    ),
    Input(
        "severity",
        S,
        Kind.LIST,
        f"what is **reported** (summary, SARIF, report file): any of {LISTED}, any case",
        default="HIGH,CRITICAL",
    ),
    Input(
        "fail-on",
        S,
        Kind.CHOICE,
        f"the **gate**: the lowest severity that fails ({LISTED}, any case), or `none`",
        default="CRITICAL",
        choices=(*SEVERITIES, NO_GATE),
    ),
    Input(
        "fail-on-scope",
        S,
        Kind.CHOICE,
        "what `fail-on` counts: `all` findings, or only "
        "the `new` ones this change adds against the `baseline` ([The gate on what a change "
        "adds](#the-gate-on-what-a-change-adds))",
        default="all",
        choices=("all", "new"),
    ),
    Input(
        "fixable-max-age",
        S,
        Kind.DURATION,
        "with `fail-on-scope: new`, a finding with a fix "
        "published longer ago than this (`30d`) fails the gate even when the baseline has it",
        example="30d",
        relations=(
            needs(
                "fail-on-scope",
                "counts only with the new-only gate",
                "Add `fail-on-scope: new`, or leave `fixable-max-age` out.",
                other_values=("new",),
            ),
        ),
    ),
    Input(
        "baseline",
        S,
        Kind.WORD,
        "the image a change is compared with: a tag of the first "
        "image (`main`), a full reference, or `none`; by default the base branch's tag on a "
        "pull request, the tags about to move on a push, the previous release on a release",
        example="main",
    ),
    Input(
        "base-advice",
        S,
        Kind.CHOICE,
        "newer tags of each `FROM` image on the same track "
        "(variant and distribution), scanned and ranked by what they remove: `track` (same "
        "major.minor), `minor` (newer minors too), `none` ([Base-image advice]"
        "(#base-image-advice))",
        default="track",
        choices=("track", "minor", "none"),
    ),
    Input(
        "tag-on-gate-failure",
        S,
        Kind.BOOLEAN,
        "tag before the scan, as the anchors do (a failing image is then published)",
        default="false",
    ),
    Input(
        "scanners",
        S,
        Kind.LIST,
        "any of `vuln`, `secret`, `config` (`vulnerability`, "
        "`secrets` and `misconfig` are accepted too)",
        default="vuln,secret,config",
    ),
    Input(
        "ignore-unfixed",
        S,
        Kind.BOOLEAN,
        "leave out findings without a fixed version",
        default="false",
    ),
    Input(
        "trivyignores",
        S,
        Kind.LIST,
        "`.trivyignore` and `.trivyignore.yaml` files inside the "
        "workspace (which must exist), one per line; several are merged into one; `exp:` / "
        "`expired_at` dates are honoured (an expired entry no longer hides its finding)",
        files=True,
        example=".trivyignore",
    ),
    Input(
        "vex",
        S,
        Kind.LIST,
        "OpenVEX or CycloneDX VEX documents inside the workspace (which "
        "must exist); `not_affected` / `fixed` statements remove findings",
        files=True,
        example="vex.json",
    ),
    Input(
        "trivy-db-repository",
        S,
        Kind.LIST,
        "DB repositories (`name[:tag]`), one per line, tried in order",
        shown_default="`mirror.gcr.io/aquasec/trivy-db:2`, "
        "`ghcr.io/aquasecurity/trivy-db:2`, `public.ecr.aws/aquasecurity/trivy-db:2`",
        example="ghcr.io/aquasecurity/trivy-db:2",
    ),
    Input(
        "trivy-java-db-repository",
        S,
        Kind.LIST,
        "Java DB repositories (`name[:tag]`), one per "
        "line, tried in order; fetched only when a scan meets a JAR ([Trivy's Java DB]"
        "(#trivys-java-db))",
        shown_default="`mirror.gcr.io/aquasec/trivy-java-db:1`, "
        "`ghcr.io/aquasecurity/trivy-java-db:1`",
        example="ghcr.io/aquasecurity/trivy-java-db:1",
    ),
    Input(
        "trivy-cache-dir",
        S,
        Kind.WORD,
        "a folder: Trivy's cache (DB and scan cache), plus "
        "Slipway's reused scan results and layer sizes; by default under runner temp, restored "
        "from and saved to GitHub's cache service ([What crosses jobs]"
        "(#what-crosses-jobs-state-and-caching))",
        example="out/trivy",
    ),
    Input(
        "db-max-age",
        S,
        Kind.DURATION,
        "when no repository answers, a cached DB up to this old "
        "is used, with a warning (`90m`, `36h`, `7d`, or seconds; at most a year)",
        default="7d",
    ),
    Input(
        "scan-timeout",
        S,
        Kind.DURATION,
        "limit for each Trivy run (`10m`, or seconds; at most a year)",
        default="10m",
    ),
    Input(
        "sbom-file",
        S,
        Kind.WORD,
        "write a CycloneDX SBOM per platform: `sbom.cdx.json` gives "
        "`sbom-linux-amd64.cdx.json`, … (a path inside the workspace: no `..`, not absolute)",
        example="out/sbom.cdx.json",
    ),
)
