# The Slipway action image: Python + the slipway package and its locked dependencies,
# the docker CLI + buildx plugin, and Trivy. Nothing else.
# Every external image is a build arg, so tests (and air-gapped users) can substitute
# local stand-ins. Python dependencies come from a wheelhouse build context
# (`--build-context wheels=DIR`, made with `pip wheel`), because builds may have no network.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG DOCKER_CLI_IMAGE=docker:26.1-cli
ARG BUILDX_IMAGE=docker/buildx-bin:0.13.1
ARG TRIVY_IMAGE=aquasec/trivy:0.76.0

FROM ${DOCKER_CLI_IMAGE} AS docker-cli
FROM ${BUILDX_IMAGE} AS buildx
FROM ${TRIVY_IMAGE} AS trivy

FROM ${PYTHON_IMAGE} AS build
COPY --from=wheels / /wheels/
COPY pyproject.toml README.md /src/
COPY src/ /src/src/
RUN python3 -m venv /opt/slipway \
    && /opt/slipway/bin/pip install --no-cache-dir --no-index --find-links /wheels /src \
    && /opt/slipway/bin/pip uninstall --yes pip setuptools \
    && find /opt/slipway -name '__pycache__' -prune -exec rm -rf {} +

FROM ${PYTHON_IMAGE}
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=buildx /buildx /usr/local/libexec/docker/cli-plugins/docker-buildx
COPY --from=trivy /usr/local/bin/trivy /usr/local/bin/trivy
COPY --from=build /opt/slipway /opt/slipway
COPY entrypoint.py /opt/slipway/entrypoint.py
ENV PATH=/opt/slipway/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1
# GitHub runs container actions as root (the workspace is owned by the runner's user).
ENTRYPOINT ["python3", "/opt/slipway/entrypoint.py"]
