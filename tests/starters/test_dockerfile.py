"""The Dockerfile starter on small repositories shaped like real ones: each fixture
reproduces one project's Dockerfiles (multi-stage builds, distroless and JRE bases, Compose
or Kubernetes beside them), with the status a person reading it gives each check."""

from __future__ import annotations

import pytest

from tests.starters.repos import Fixture, assert_statuses, build, run_starter

STARTER = "dockerfile"

ALL_PASS = {
    "non-root-user": "pass",
    "no-secrets-in-env-or-arg": "pass",
    "base-image-pinned": "pass",
    "dockerignore": "pass",
    "no-add-from-url": "pass",
    "no-pipe-to-shell": "pass",
    "copy-not-add": "pass",
    "exec-form-command": "pass",
    "no-ssh-server": "pass",
    "health-checked": "pass",
}

# Shaped like podinfo: a Go builder stage, an Alpine final stage with its own user, build
# arguments for the revision, no .dockerignore, probes in the Kubernetes manifests.
PODINFO = Fixture(
    "podinfo",
    "podinfo (one multi-stage Dockerfile at the root, kustomize/ manifests)",
    {
        "Dockerfile": """
            FROM golang:1.26-alpine AS builder
            ARG REVISION
            WORKDIR /podinfo
            COPY . .
            RUN CGO_ENABLED=0 go build -o bin/podinfo cmd/podinfo/*

            FROM alpine:3.24
            ARG BUILD_DATE
            RUN addgroup -S app && adduser -S -G app app
            COPY --from=builder /podinfo/bin/podinfo .
            USER app
            CMD ["./podinfo"]
        """,
        "kustomize/deployment.yaml": """
            kind: Deployment
            spec:
              template:
                spec:
                  containers:
                  - name: podinfo
                    livenessProbe:
                      httpGet:
                        path: /healthz
        """,
    },
    {**ALL_PASS, "dockerignore": "fail"},
)

# Shaped like Online Boutique: one Dockerfile per service under src/, builders pinned by
# tag and digest, Go services on an untagged distroless image without USER, a .NET service
# on a chiseled image with USER 1000, a `FROM base` stage reference, .dockerignore files,
# Kubernetes probes.
BOUTIQUE = Fixture(
    "online-boutique",
    "Online Boutique (src/<service>/Dockerfile, distroless and chiseled bases)",
    {
        "src/frontend/Dockerfile": """
            ARG BUILDPLATFORM=linux/amd64
            FROM --platform=$BUILDPLATFORM golang:1.26.5-alpine@sha256:0178a641fbb4 AS builder
            ARG SKAFFOLD_GO_GCFLAGS
            RUN go build -o /go/bin/frontend .

            FROM gcr.io/distroless/static
            COPY --from=builder /go/bin/frontend /src/server
            ENV GOTRACEBACK=single
            ENTRYPOINT ["/src/server"]
        """,
        "src/cartservice/src/Dockerfile": """
            FROM mcr.microsoft.com/dotnet/sdk:10.0.100-noble@sha256:c7445f141c04 AS builder
            RUN dotnet publish cartservice.csproj -o /cartservice
            FROM mcr.microsoft.com/dotnet/runtime-deps:10.0.0-noble-chiseled@sha256:b857c8cb
            COPY --from=builder /cartservice .
            USER 1000
            ENTRYPOINT ["/app/cartservice"]
        """,
        "src/emailservice/Dockerfile": """
            FROM python:3.14.6-slim@sha256:b877e50bd90d AS base
            FROM base AS builder
            RUN pip install -r requirements.txt
            FROM base
            ENV PYTHONUNBUFFERED=1
            ENTRYPOINT ["python", "email_server.py"]
        """,
        "src/loadgenerator/Dockerfile": """
            FROM python:3.14.6-slim@sha256:b877e50bd90d AS base
            FROM base
            ENTRYPOINT locust --host="http://${FRONTEND_ADDR}" --headless -u "${USERS:-10}"
        """,
        "src/frontend/.dockerignore": "*.md\n",
        "kubernetes-manifests/frontend.yaml": """
            kind: Deployment
            spec:
              template:
                spec:
                  containers:
                  - name: server
                    livenessProbe:
                      httpGet:
                        path: /_healthz
        """,
    },
    {
        **ALL_PASS,
        "non-root-user": "fail",
        "base-image-pinned": "fail",
        "exec-form-command": "fail",
    },
)

# Shaped like PiggyMetrics: a Dockerfile per Spring service on `java:8-jre` (a tag, if an
# old one), no USER, one service with a HEALTHCHECK, a MongoDB image on `mongo:3`, no
# .dockerignore.
PIGGYMETRICS = Fixture(
    "piggymetrics",
    "PiggyMetrics (a Dockerfile per Spring Cloud service, docker-compose)",
    {
        "config/Dockerfile": """
            FROM java:8-jre
            MAINTAINER someone <someone@example.com>
            ADD ./target/config.jar /app/
            CMD ["java", "-Xmx200m", "-jar", "/app/config.jar"]
            HEALTHCHECK --interval=30s CMD curl -f http://localhost:8888/actuator/health || exit 1
        """,
        "account-service/Dockerfile": """
            FROM java:8-jre
            ADD ./target/account-service.jar /app/
            CMD ["java", "-Xmx200m", "-jar", "/app/account-service.jar"]
        """,
        "mongodb/Dockerfile": """
            FROM mongo:3
            ADD init.sh /init.sh
            ENTRYPOINT ["/initx.sh"]
        """,
        "docker-compose.yml": """
            services:
              config:
                environment:
                  CONFIG_SERVICE_PASSWORD: $CONFIG_SERVICE_PASSWORD
                image: sqshq/piggymetrics-config
        """,
    },
    {**ALL_PASS, "non-root-user": "fail", "dockerignore": "fail", "copy-not-add": "fail"},
)

# A Node service whose Dockerfile switches to root again after creating its user, passes
# an npm token as a build argument and a database password in ENV, and builds on
# `node:latest`; Compose declares a healthcheck.
CARELESS_NODE = Fixture(
    "careless-node",
    "a Node service Dockerfile with the classic mistakes (root again, secrets, latest)",
    {
        "Dockerfile": """
            FROM node:latest
            ARG NPM_TOKEN
            ENV NODE_ENV=production DB_PASSWORD=postgres
            ENV TOKEN_TTL=3600
            ADD https://example.com/tools/jq.tgz /opt/
            ADD --checksum=sha256:0123abcd https://example.com/tools/yq.tgz /opt/
            RUN curl -fsSL https://example.com/install.sh | bash
            RUN useradd -m app
            EXPOSE 3000 22
            USER app
            RUN npm ci
            USER root
            CMD ["node", "server.js"]
        """,
        ".dockerignore": "node_modules\n.git\n",
        "compose.yaml": """
            services:
              api:
                build: .
                healthcheck:
                  test: ["CMD", "curl", "-f", "http://localhost:3000/health"]
        """,
    },
    {
        **ALL_PASS,
        "non-root-user": "fail",
        "no-secrets-in-env-or-arg": "fail",
        "base-image-pinned": "fail",
        "no-add-from-url": "fail",
        "no-pipe-to-shell": "fail",
        "no-ssh-server": "fail",
    },
)

FIXTURES = [PODINFO, BOUTIQUE, PIGGYMETRICS, CARELESS_NODE]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda fixture: fixture.name)
def test_it_gives_each_fixture_its_expected_statuses(tmp_path, fixture):
    assert_statuses(STARTER, fixture, tmp_path)


def test_it_lists_each_offending_line(tmp_path):
    outcomes = run_starter(STARTER, build(CARELESS_NODE, tmp_path / "node"))
    secrets = outcomes["no-secrets-in-env-or-arg"].evidence
    assert [(item.path, item.line) for item in secrets] == [("Dockerfile", 2), ("Dockerfile", 3)]
    downloads = outcomes["no-add-from-url"].evidence
    assert [(item.path, item.line) for item in downloads] == [("Dockerfile", 5)]
    outcomes = run_starter(STARTER, build(BOUTIQUE, tmp_path / "boutique"))
    bases = outcomes["base-image-pinned"].evidence
    assert [(item.path, item.line) for item in bases] == [("src/frontend/Dockerfile", 6)]


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        ("FROM ubuntu", True),
        ("FROM docker.io/library/nginx:latest AS web", True),
        ("FROM registry.example.com:5000/team/base", True),
        ("FROM ubuntu:24.04", False),
        ("FROM nginx@sha256:0123456789abcdef", False),
        ("FROM builder AS final", False),
        ("FROM scratch", False),
    ],
)
def test_base_images_are_judged_by_tag_or_digest(tmp_path, line, reported):
    files = {**PODINFO.files, "Dockerfile": line + "\nUSER 1000\n"}
    fixture = Fixture("one-line", "one FROM line", files, {})
    outcome = run_starter(STARTER, build(fixture, tmp_path))["base-image-pinned"]
    assert str(outcome.status) == ("fail" if reported else "pass")
