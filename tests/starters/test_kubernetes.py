"""The Kubernetes starter on small repositories shaped like real manifest and chart
repositories: each fixture reproduces one project's layout and idioms (plain manifests,
Kustomize bases and patches, Helm templates and values), with the status a person reading
it gives each check."""

from __future__ import annotations

import textwrap

import pytest

from tests.starters.repos import Fixture, assert_statuses, build, run_starter

STARTER = "kubernetes"

ALL_PASS = {
    "image-tags-pinned": "pass",
    "runs-as-non-root": "pass",
    "no-privileged-containers": "pass",
    "read-only-root-filesystem": "pass",
    "no-host-namespaces": "pass",
    "workloads-found": "pass",
    "resources-declared": "pass",
    "liveness-probe": "pass",
    "readiness-probe": "pass",
    "pod-disruption-budget": "pass",
    # Manual check not attested.
    "rollout-runbook": "error",
}

GOOD_DEPLOYMENT = textwrap.dedent("""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          securityContext:
            runAsNonRoot: true
          containers:
          - name: web
            image: registry.example.com/shop/web:1.4.2
        securityContext:
          readOnlyRootFilesystem: true
            args:
            - --port=8080
            livenessProbe:
              httpGet:
                path: /healthz
                port: 8080
            readinessProbe:
              httpGet:
                path: /readyz
                port: 8080
            resources:
              requests:
                cpu: 100m
              limits:
                memory: 128Mi
""").lstrip()

WRITABLE_DEPLOYMENT = GOOD_DEPLOYMENT.replace(
    "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"
)

PDB = textwrap.dedent("""
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: web
    spec:
      minAvailable: 1
""").lstrip()

# Shaped like podinfo: a Helm chart whose deployment takes resources, probes and the
# securityContext from values (left empty by default, so nothing runs as non-root), an
# optional PDB template, a Helm test pod with an untagged image, Kustomize bases with
# pinned images and probes, and a CronJob (not a long-running workload, no probes needed).
PODINFO = Fixture(
    "podinfo",
    "podinfo (charts/podinfo, kustomize/, deploy/bases with overlays)",
    {
        "charts/podinfo/templates/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ template "podinfo.fullname" . }}
            spec:
              {{- if not .Values.hpa.enabled }}
              replicas: {{ .Values.replicaCount }}
              {{- end }}
              template:
                spec:
            {{- if .Values.podSecurityContext }}
                  securityContext:
                    {{- toYaml .Values.podSecurityContext | nindent 8 }}
            {{- end }}
                  containers:
                    - name: {{ .Chart.Name }}
                      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                      {{- if .Values.securityContext }}
                      securityContext:
                        {{- toYaml .Values.securityContext | nindent 12 }}
                      {{- end }}
                      livenessProbe:
                        exec:
                          command: [podcli, check, http, localhost:9898/healthz]
                      readinessProbe:
                        exec:
                          command: [podcli, check, http, localhost:9898/readyz]
                      resources:
            {{ toYaml .Values.resources | indent 12 }}
        """,
        "charts/podinfo/templates/pdb.yaml": """
            {{- if .Values.podDisruptionBudget }}
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata:
              name: {{ template "podinfo.fullname" . }}
            {{- end }}
        """,
        "charts/podinfo/templates/tests/jwt.yaml": """
            apiVersion: v1
            kind: Pod
            metadata:
              annotations:
                "helm.sh/hook": test-success
            spec:
              containers:
                - name: tools
                  image: giantswarm/tiny-tools
        """,
        "charts/podinfo/values.yaml": """
            image:
              repository: ghcr.io/stefanprodan/podinfo
              tag: 6.14.1
            # set container security context
            securityContext: {}

            # set pod security context
            podSecurityContext: {}

            resources:
              limits:
              requests:
                cpu: 1m
                memory: 16Mi
        """,
        "kustomize/deployment.yaml": GOOD_DEPLOYMENT,
        "kustomize/kustomization.yaml": """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - deployment.yaml
        """,
        "deploy/bases/database/cronjob-backup.yaml": """
            apiVersion: batch/v1
            kind: CronJob
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers:
                        - name: backup
                          image: ghcr.io/stefanprodan/podinfo:6.14.1
        """,
    },
    {
        **ALL_PASS,
        "image-tags-pinned": "fail",
        "runs-as-non-root": "fail",
        "read-only-root-filesystem": "fail",
    },
)

# Shaped like Online Boutique (microservices-demo): one file per service holding a
# Deployment, a Service and a ServiceAccount; Skaffold's config naming images to build;
# a load generator with no probes; a Kustomize component that deletes it with a patch;
# images pinned by tag and digest; no PodDisruptionBudget.
BOUTIQUE = Fixture(
    "online-boutique",
    "Online Boutique (kubernetes-manifests/, kustomize/components, skaffold.yaml)",
    {
        "kubernetes-manifests/adservice.yaml": GOOD_DEPLOYMENT
        + """---
apiVersion: v1
kind: Service
metadata:
  name: adservice
spec:
  ports:
  - port: 9555
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: adservice
""",
        "kubernetes-manifests/loadgenerator.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: loadgenerator
            spec:
              template:
                spec:
                  securityContext:
                    runAsNonRoot: true
                    runAsUser: 1000
                  initContainers:
                  - name: frontend-check
                    image: busybox:1.38.0@sha256:fd8d9aa63ba2f0982b5304e1ee8d3b
                  containers:
                  - name: main
                    image: us-docker.pkg.dev/boutique/loadgenerator:v0.10.3
                    securityContext:
                      readOnlyRootFilesystem: true
                    resources:
                      requests:
                        cpu: 300m
        """,
        "kustomize/components/shopping-assistant/assistant.yaml": WRITABLE_DEPLOYMENT,
        "kustomize/components/without-loadgenerator/delete-loadgenerator.patch.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: loadgenerator
            $patch: delete
        """,
        "skaffold.yaml": """
            apiVersion: skaffold/v4beta9
            kind: Config
            build:
              artifacts:
              - image: adservice
                context: src/adservice
        """,
    },
    {
        **ALL_PASS,
        "read-only-root-filesystem": "fail",
        "liveness-probe": "fail",
        "readiness-probe": "fail",
        "pod-disruption-budget": "fail",
    },
)

# Shaped like Argo CD's example apps: a plain guestbook Deployment with nothing but an
# image and a port, Helm hooks running `alpine:latest`, an Argo Rollout from a chart
# whose values leave resources empty, no PodDisruptionBudget.
ARGOCD_EXAMPLES = Fixture(
    "argocd-example-apps",
    "Argo CD example apps (guestbook/, helm-guestbook/, blue-green/, helm-hooks/)",
    {
        "guestbook/guestbook-ui-deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: guestbook-ui
            spec:
              replicas: 1
              template:
                spec:
                  containers:
                  - image: gcr.io/heptio-images/ks-guestbook-demo:0.2
                    name: guestbook-ui
                    ports:
                    - containerPort: 80
        """,
        "helm-hooks/manifests.yaml": """
            apiVersion: batch/v1
            kind: Job
            metadata:
              generateName: before
              annotations:
                argocd.argoproj.io/hook: PreSync
            spec:
              template:
                spec:
                  containers:
                  - name: sleep
                    image: alpine:latest
        """,
        "blue-green/templates/rollout.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: Rollout
            metadata:
              name: {{ template "helm-guestbook.fullname" . }}
            spec:
              template:
                spec:
                  containers:
                    - name: {{ .Chart.Name }}
                      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                      livenessProbe:
                        httpGet:
                          path: /
                      readinessProbe:
                        httpGet:
                          path: /
                      resources:
            {{ toYaml .Values.resources | indent 12 }}
        """,
        "blue-green/values.yaml": """
            image:
              repository: gcr.io/heptio-images/ks-guestbook-demo
              tag: 0.1
            resources: {}
              # limits:
              #  cpu: 100m
        """,
    },
    {
        **ALL_PASS,
        "image-tags-pinned": "fail",
        "runs-as-non-root": "fail",
        "read-only-root-filesystem": "fail",
        "resources-declared": "fail",
        "liveness-probe": "fail",
        "readiness-probe": "fail",
        "pod-disruption-budget": "fail",
    },
)

# A hardened chart (shaped like a production service's chart): every field set, values
# declare the security context, a StatefulSet without a trailing newline, a PDB.
HARDENED = Fixture(
    "hardened-chart",
    "a production chart and manifests with every field declared",
    {
        "deploy/web.yaml": GOOD_DEPLOYMENT + "---\n" + PDB,
        "deploy/db.yaml": """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: db
            spec:
              template:
                spec:
                  containers:
                    - name: db
                      image: postgres:18.3@sha256:0123456789abcdef
                      securityContext:
                        runAsUser: 999
                        readOnlyRootFilesystem: true
                      livenessProbe: {exec: {command: [pg_isready]}}
                      readinessProbe: {exec: {command: [pg_isready]}}
                      resources: {requests: {memory: 256Mi}, limits: {memory: 512Mi}}""",
        "charts/api/templates/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            spec:
              template:
                spec:
                  securityContext:
                    {{- toYaml .Values.podSecurityContext | nindent 8 }}
                  containers:
                    - name: api
                      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                      livenessProbe:
                        {{- toYaml .Values.livenessProbe | nindent 12 }}
                      readinessProbe:
                        {{- toYaml .Values.readinessProbe | nindent 12 }}
                      resources:
                        {{- toYaml .Values.resources | nindent 12 }}
        """,
        "charts/api/values.yaml": """
            image:
              repository: registry.example.com/api
              tag: ""
            podSecurityContext:
              runAsNonRoot: true
            securityContext: {}
            resources:
              limits:
                memory: 256Mi
        """,
    },
    ALL_PASS,
)

FIXTURES = [PODINFO, BOUTIQUE, ARGOCD_EXAMPLES, HARDENED]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda fixture: fixture.name)
def test_it_gives_each_fixture_its_expected_statuses(tmp_path, fixture):
    assert_statuses(STARTER, fixture, tmp_path)


def test_it_names_each_workload_missing_a_field_by_its_kind_line(tmp_path):
    outcomes = run_starter(STARTER, build(BOUTIQUE, tmp_path / "boutique"))
    missing = outcomes["liveness-probe"].evidence
    assert [(item.path, item.line) for item in missing] == [
        ("kubernetes-manifests/loadgenerator.yaml", 2)
    ]
    outcomes = run_starter(STARTER, build(ARGOCD_EXAMPLES, tmp_path / "argocd"))
    empty = outcomes["resources-declared"].evidence
    assert [(item.path, item.line) for item in empty] == [
        ("blue-green/values.yaml", 4),
        ("guestbook/guestbook-ui-deployment.yaml", 2),
    ]


def test_a_second_document_without_a_probe_fails_though_the_first_has_one(tmp_path):
    second = GOOD_DEPLOYMENT.replace("name: web", "name: worker").replace(
        "livenessProbe:", "startupProbe:"
    )
    files = {"k8s/app.yaml": GOOD_DEPLOYMENT + "---\n" + second, "k8s/pdb.yaml": PDB}
    fixture = Fixture("two-documents", "two workloads in one file", files, {})
    outcome = run_starter(STARTER, build(fixture, tmp_path))["liveness-probe"]
    assert str(outcome.status) == "fail"
    # The second document's `kind:` line: after the first, the `---` and `apiVersion:`.
    assert [item.line for item in outcome.evidence] == [len(GOOD_DEPLOYMENT.splitlines()) + 3]
