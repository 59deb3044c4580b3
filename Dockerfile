# syntax=docker/dockerfile:1
#
# One image for all five IKDZ services; the command picks the service, e.g.
#   uvicorn --factory ikdz_intake.bootstrap:create_app --host 0.0.0.0 --port 8000
# (compose.yaml and deploy/k8s/ name the command of each service). See docs/deployment.md.
#
# Stages:
#   web-assets  npm ci of platform/web-assets (KERN UX CSS and fonts; no install scripts run)
#   xrechnung-jars  the pinned XRechnung rule jars from Maven Central (deploy/xrechnung/pom.xml)
#   build       uv sync of the workspace into /app/.venv: third-party packages first (a layer that
#               stays cached while only our code changes), then the workspace members as wheels
#               (--no-editable), so the runtime stage needs the virtualenv only, not the sources
#   runtime     python:3.11-slim + /app/.venv + the web assets + the unpacked, hash-checked XRechnung
#               rule files (einvoice validates without Maven or network), running as an unprivileged user

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:22-slim
ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-17

FROM ${NODE_IMAGE} AS web-assets
WORKDIR /build
COPY platform/web-assets/package.json platform/web-assets/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund --omit=dev

FROM ${MAVEN_IMAGE} AS xrechnung-jars
WORKDIR /build
COPY deploy/xrechnung/pom.xml ./
RUN --mount=type=cache,target=/root/.m2 \
    mvn -q -B -f pom.xml dependency:copy-dependencies -DoutputDirectory=/build/jars

FROM ${PYTHON_IMAGE} AS build
# uv from PyPI, pinned; the build backend uv_build is fetched by uv as pyproject.toml asks.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir --root-user-action=ignore "uv==${UV_VERSION}"
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON=python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /src
# Dependencies only: the lock file and every workspace member's pyproject.toml.
COPY pyproject.toml uv.lock ./
COPY contracts/pyproject.toml contracts/
COPY platform/pyproject.toml platform/
COPY services/intake/pyproject.toml services/intake/
COPY services/routing/pyproject.toml services/routing/
COPY services/trade-registration/pyproject.toml services/trade-registration/
COPY services/einvoice/pyproject.toml services/einvoice/
COPY services/traffic-orders/pyproject.toml services/traffic-orders/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --all-packages --no-install-workspace --no-editable
# Our code (tests and other files are kept out by .dockerignore).
COPY contracts/ contracts/
COPY platform/ platform/
COPY services/ services/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --all-packages --no-editable
# The rule files einvoice validates with: unpacked from the jars and checked against the pinned
# sha256 of deploy/xrechnung/artefacts.toml (the build fails if one differs).
COPY deploy/kafka/pom.xml deploy/kafka/pom.xml
COPY deploy/xrechnung/ deploy/xrechnung/
COPY --from=xrechnung-jars /build/jars /tmp/xrechnung-jars
RUN IKDZ_REPO_ROOT=/src /app/.venv/bin/python -m ikdz_einvoice.adapters.rule_artefacts /tmp/xrechnung-jars /app/xrechnung-rules

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="ikdz-services" \
      org.opencontainers.image.description="IKDZ services: intake, routing, trade-registration, einvoice, traffic-orders" \
      org.opencontainers.image.licenses="UNLICENSED"
RUN groupadd --system --gid 10001 ikdz \
    && useradd --system --uid 10001 --gid ikdz --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ikdz
COPY --from=build /app/.venv /app/.venv
COPY --from=web-assets /build/node_modules /app/web-assets/node_modules
COPY --from=build /app/xrechnung-rules /app/xrechnung-rules
COPY --from=build /src/deploy/kafka/pom.xml /app/deploy/kafka/pom.xml
COPY --from=build /src/deploy/xrechnung /app/deploy/xrechnung
COPY deploy/docker/healthcheck.py /app/healthcheck.py
# IKDZ_WEB_ASSETS_DIR: ikdz_platform.web.assets serves KERN from here instead of running npm.
# No bytecode writes at run time: the root file system may be read-only (compose, Kubernetes).
ENV PATH="/app/.venv/bin:${PATH}" \
    VIRTUAL_ENV=/app/.venv \
    IKDZ_WEB_ASSETS_DIR=/app/web-assets/node_modules \
    IKDZ_REPO_ROOT=/app \
    EINVOICE_RULES_DIR=/app/xrechnung-rules \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER 10001:10001
EXPOSE 8000 8001 8002 8003 8004
CMD ["uvicorn", "--factory", "ikdz_intake.bootstrap:create_app", "--host", "0.0.0.0", "--port", "8000", "--timeout-graceful-shutdown", "10"]
