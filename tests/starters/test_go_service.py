"""The Go service starter on small repositories shaped like real Go services: each fixture
reproduces one project's layout and idioms, with the status a person reading it gives
each check."""

from __future__ import annotations

import pytest

from tests.starters.repos import Fixture, assert_statuses, build, run_starter

STARTER = "go-service"

ALL_PASS = {
    "no-insecure-secret-fallback": "pass",
    "server-timeouts": "pass",
    "tls-verification-on": "pass",
    "modules-verified": "pass",
    "graceful-shutdown": "pass",
    "health-endpoint": "pass",
    "structured-logging": "pass",
    "tests-exist": "pass",
    "ci-configured": "pass",
    "ci-runs-tests": "pass",
    # No base URL set on the project; manual checks not attested.
    "health-answers": "skip",
    "error-tracking": "error",
    "on-call-runbook": "error",
}

GO_MOD = "module example.com/svc\n\ngo 1.23\n"
GO_SUM = "github.com/rs/zerolog v1.33.0 h1:abc=\n"

# Shaped like a clean-architecture template: caarlos0/env struct tags (secrets required,
# a token *expiry* with a default), fiber with ReadTimeout in pkg/httpserver, /healthz on
# the fiber app, a NATS client reading a "Status" header, zerolog, `make test` in CI.
CLEAN_TEMPLATE = Fixture(
    "go-clean-template",
    "a Go clean-architecture template (cmd/, internal/, pkg/, fiber)",
    {
        "config/config.go": """
            type JWT struct {
                Secret      string        `env:"JWT_SECRET,required"`
                TokenExpiry time.Duration `env:"JWT_TOKEN_EXPIRY" envDefault:"24h"`
            }
            type Tracing struct {
                OTLPInsecure bool `env:"TRACING_OTLP_INSECURE" envDefault:"true"`
            }
        """,
        "pkg/httpserver/server.go": """
            app := fiber.New(fiber.Config{
                ReadTimeout:  s.readTimeout,
                WriteTimeout: s.writeTimeout,
            })
        """,
        "internal/app/app.go": """
            interrupt := make(chan os.Signal, 1)
            signal.Notify(interrupt, os.Interrupt, syscall.SIGTERM)
        """,
        "internal/controller/restapi/router.go": """
            app.Get("/healthz", func(ctx *fiber.Ctx) error { return ctx.SendStatus(http.StatusOK) })
        """,
        "pkg/nats/client.go": """
            switch message.Header.Get("Status") {
            }
        """,
        "pkg/logger/logger.go": 'import (\n\t"github.com/rs/zerolog"\n)\n',
        "integration-test/helpers_test.go": 'const healthPath = httpURL + "/healthz"\n',
        "go.mod": GO_MOD,
        "go.sum": GO_SUM,
        ".github/workflows/ci.yml": """
            jobs:
              unit-test:
                steps:
                  - name: Unit tests
                    run: "make test"
        """,
    },
    ALL_PASS,
)

# Shaped like Ardan Labs' service: several services under api/services/*/main.go with
# ardanlabs/conf struct tags (the database password defaults to "postgres"), net/http
# servers with timeouts, readiness/liveness routes registered with the method first,
# slog in foundation/, CircleCI running `go test`, and a committed vendor/ folder whose
# code (a health route, a literal secret) is not the project's.
ARDANLABS = Fixture(
    "ardanlabs-service",
    "Ardan Labs' service (api/services/*, foundation/, committed vendor/)",
    {
        "api/services/sales/main.go": """
            cfg := struct {
                Web struct {
                    ReadTimeout time.Duration `conf:"default:5s"`
                }
                DB struct {
                    User     string `conf:"default:postgres"`
                    Password string `conf:"default:postgres,mask"`
                }
            }{}
            shutdown := make(chan os.Signal, 1)
            signal.Notify(shutdown, syscall.SIGINT, syscall.SIGTERM)
            api := http.Server{
                ReadTimeout: cfg.Web.ReadTimeout,
            }
        """,
        "api/services/auth/main.go": """
            cfg := struct {
                Auth struct {
                    KeysFolder string `conf:"default:zarf/keys/"`
                    KeysJSON   string `conf:"mask"`
                }
            }{}
        """,
        "app/domain/checkapp/route.go": """
            app.HandlerFuncNoMid(http.MethodGet, version, "/readiness", api.readiness)
            app.HandlerFuncNoMid(http.MethodGet, version, "/liveness", api.liveness)
        """,
        "foundation/logger/logger.go": 'import (\n\t"log/slog"\n)\n',
        "api/services/sales/tests/audit_test.go": "func Test_Audit(t *testing.T) {}\n",
        "vendor/github.com/acme/kit/server.go": """
            token := getEnv("API_TOKEN", "dev-token")
            client := &tls.Config{InsecureSkipVerify: true}
        """,
        "go.mod": GO_MOD,
        "go.sum": GO_SUM,
        ".circleci/config.yml": """
            jobs:
              build:
                steps:
                  - run:
                      command: |
                        CGO_ENABLED=0 go test ./...
        """,
    },
    {**ALL_PASS, "no-insecure-secret-fallback": "fail"},
)

# Shaped like go-clean-arch: echo started with e.Start (no server timeouts, no signal
# handling), settings from os.Getenv without defaults, routes without a health route,
# logrus, `make tests` in CI.
CLEAN_ARCH = Fixture(
    "go-clean-arch",
    "go-clean-arch (echo, app/main.go, domain packages)",
    {
        "app/main.go": """
            dbPass := os.Getenv("DATABASE_PASS")
            e := echo.New()
            e.Use(middleware.SetRequestContextWithTimeout(timeoutContext))
            log.Fatal(e.Start(address))
        """,
        "internal/rest/article.go": """
            import "github.com/sirupsen/logrus"
            e.GET("/articles", handler.FetchArticle)
            e.GET("/articles/:id", handler.GetByID)
        """,
        "article/service_test.go": "func TestFetch(t *testing.T) {}\n",
        "go.mod": GO_MOD,
        "go.sum": GO_SUM,
        ".github/workflows/gotest.yml": """
            jobs:
              build:
                steps:
                  - name: Test
                    run: make tests
        """,
    },
    {
        **ALL_PASS,
        "server-timeouts": "fail",
        "graceful-shutdown": "fail",
        "health-endpoint": "fail",
    },
)

# Shaped like podinfo: gorilla/mux routes through a path-prefix helper, the gRPC health
# service, zap, signals in pkg/signals; a CLI's certificate check skips verification
# without a #nosec justification (a second one is justified and not reported).
PODINFO = Fixture(
    "podinfo",
    "podinfo (cmd/podinfo, cmd/podcli, pkg/api/http, pkg/api/grpc)",
    {
        "pkg/api/http/server.go": """
            s.router.HandleFunc(s.prefixedPath("/healthz"), s.healthzHandler).Methods("GET")
            s.router.HandleFunc(s.prefixedPath("/readyz"), s.readyzHandler).Methods("GET")
            srv := &http.Server{
                ReadTimeout: s.config.HttpServerTimeout,
            }
        """,
        "pkg/api/grpc/server.go": "grpc_health_v1.RegisterHealthServer(srv, server)\n",
        "pkg/signals/signal.go": "signal.Notify(c, shutdownSignals...)\n",
        "cmd/podinfo/main.go": 'import (\n\t"go.uber.org/zap"\n)\n',
        "cmd/podcli/check.go": """
            conn := tls.Client(ipConn, &tls.Config{
                InsecureSkipVerify: true,
                ServerName:         u.Hostname(),
            })
            probe := &tls.Config{InsecureSkipVerify: true} // #nosec G402 -- reads the expiry only
        """,
        "pkg/api/http/echo_test.go": "func TestEchoHandler(t *testing.T) {}\n",
        "go.mod": GO_MOD,
        "go.sum": GO_SUM,
        ".github/workflows/test.yml": "jobs:\n  test:\n    steps:\n      - run: make test\n",
    },
    {**ALL_PASS, "tls-verification-on": "fail"},
)

FIXTURES = [CLEAN_TEMPLATE, ARDANLABS, CLEAN_ARCH, PODINFO]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda fixture: fixture.name)
def test_it_gives_each_fixture_its_expected_statuses(tmp_path, fixture):
    assert_statuses(STARTER, fixture, tmp_path)


def test_it_reports_the_unjustified_lines_only(tmp_path):
    outcomes = run_starter(STARTER, build(ARDANLABS, tmp_path / "ardanlabs"))
    secrets = outcomes["no-insecure-secret-fallback"].evidence
    assert [(item.path, item.line) for item in secrets] == [("api/services/sales/main.go", 7)]
    outcomes = run_starter(STARTER, build(PODINFO, tmp_path / "podinfo"))
    tls = outcomes["tls-verification-on"].evidence
    assert [(item.path, item.line) for item in tls] == [("cmd/podcli/check.go", 2)]


@pytest.mark.parametrize(
    "line",
    [
        'secret := getEnv("JWT_SECRET", "secret")',
        'viper.SetDefault("auth.api_key", "changeme")',
        'Password string `env:"DB_PASSWORD" envDefault:"postgres"`',
        'APIKey string `envconfig:"API_KEY" default:"abc123"`',
    ],
)
def test_it_fails_each_literal_secret_default(tmp_path, line):
    files = {**CLEAN_ARCH.files, "config/config.go": line + "\n"}
    fixture = Fixture("one-line", "one idiom", files, {})
    outcome = run_starter(STARTER, build(fixture, tmp_path))["no-insecure-secret-fallback"]
    assert [(item.path, item.line) for item in outcome.evidence] == [("config/config.go", 1)]
