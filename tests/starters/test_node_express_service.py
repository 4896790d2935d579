"""The Node.js service starter on small repositories shaped like real Express projects:
each fixture reproduces one project's layout and idioms, with the status a person reading
it gives each check."""

from __future__ import annotations

import pytest

from tests.starters.repos import Fixture, assert_statuses, build, run_starter

STARTER = "node-express-service"

ALL_PASS = {
    "no-insecure-secret-fallback": "pass",
    "security-headers": "pass",
    "no-wildcard-cors": "pass",
    "rate-limiting": "pass",
    "lockfile-committed": "pass",
    "node-version-declared": "pass",
    "health-endpoint": "pass",
    "graceful-shutdown": "pass",
    "logger-used": "pass",
    "tests-exist": "pass",
    "ci-configured": "pass",
    "ci-runs-tests": "pass",
    # No base URL set on the project; manual checks not attested.
    "health-answers": "skip",
    "error-tracking": "error",
    "on-call-runbook": "error",
}

# Shaped like a popular Express REST boilerplate: src/app.js with helmet and an open
# cors(), a Joi schema that requires JWT_SECRET, SIGTERM handled in src/index.js, yarn,
# Travis running `yarn test`; no health route.
EXPRESS_BOILERPLATE = Fixture(
    "express-boilerplate",
    "a Express REST API boilerplate (Joi-validated config, src/ layout)",
    {
        "src/app.js": """
            const helmet = require('helmet');
            const cors = require('cors');
            app.use(helmet());
            app.use(cors());
            app.options('*', cors());
            app.use('/v1/auth', authLimiter);
        """,
        "src/index.js": """
            server = app.listen(config.port, () => logger.info(`Listening to port ${config.port}`));
            process.on('SIGTERM', () => {
              logger.info('SIGTERM received');
              if (server) server.close();
            });
        """,
        "src/config/config.js": """
            const envVarsSchema = Joi.object().keys({
              PORT: Joi.number().default(3000),
              JWT_SECRET: Joi.string().required().description('JWT secret key'),
              SMTP_PASSWORD: Joi.string().description('password for email server'),
            });
        """,
        "src/routes/v1/user.route.js": """
            router.route('/').post(auth('manageUsers'), userController.createUser);
        """,
        "package.json": """
            {
              "name": "create-nodejs-express-app",
              "engines": {
                "node": ">=12.0.0"
              },
              "dependencies": {
                "express": "^4.17.1",
                "express-rate-limit": "^5.0.0",
                "helmet": "^4.1.0",
                "winston": "^3.2.1"
              }
            }
        """,
        "yarn.lock": 'express@^4.17.1:\n  version "4.17.1"\n',
        "tests/integration/auth.test.js": "describe('Auth routes', () => {});\n",
        ".travis.yml": """
            language: node_js
            env:
              global:
                - JWT_SECRET=thisisasamplesecret
            script:
              - yarn lint
              - yarn test
        """,
    },
    {**ALL_PASS, "no-wildcard-cors": "fail", "health-endpoint": "fail"},
)

# Shaped like the hackathon starter: app.js at the root, lusca for headers, the session
# secret read without fallback (the Playwright config under test/ has a throwaway one),
# a route whose name ends in "ping" (/api/scraping) but no health route, morgan only,
# app.listen without SIGTERM handling.
HACKATHON_STARTER = Fixture(
    "hackathon-starter",
    "the hackathon starter (root app.js, MVC folders, Playwright tests)",
    {
        "app.js": """
            const lusca = require('lusca');
            app.use(
              session({
                secret: process.env.SESSION_SECRET,
              }),
            );
            app.use(lusca.xframe('SAMEORIGIN'));
            app.set('port', process.env.PORT || process.env.OPENSHIFT_NODEJS_PORT || 8080);
            app.get('/api/scraping', apiController.getScraping);
            app.listen(app.get('port'), () => {
              console.log(`App is running on http://localhost:${app.get('port')}`);
            });
        """,
        "controllers/contact.js": """
            sitekey: process.env.GOOGLE_RECAPTCHA_SITE_KEY || null,
        """,
        "config/passport.js": "passport.use(new LocalStrategy({ usernameField: 'email' }));\n",
        "test/playwright.config.js": """
            env: {
              SESSION_SECRET: process.env.SESSION_SECRET || 'test_session_secret',
            },
        """,
        "test/app.test.js": "describe('GET /', () => {});\n",
        "package.json": """
            {
              "engines": {
                "node": ">=24.18.0"
              },
              "dependencies": {
                "express": "^5.1.0",
                "express-rate-limit": "^8.6.0",
                "lusca": "^1.7.0",
                "morgan": "^1.10.1"
              }
            }
        """,
        "package-lock.json": '{\n  "lockfileVersion": 3\n}\n',
        ".github/workflows/build.yml": """
            jobs:
              build:
                steps:
                  - run: npm install
                  - run: npm run test
        """,
    },
    {
        **ALL_PASS,
        "health-endpoint": "fail",
        "graceful-shutdown": "fail",
        "logger-used": "fail",
    },
)

# Shaped like the RealWorld Express + Prisma example (TypeScript, Nx): the JWT secret with a
# literal fallback in two files, an open cors(), no headers, limiter, health route,
# shutdown handling, logger, engines or CI.
EXPRESS_REALWORLD = Fixture(
    "express-realworld",
    "the RealWorld Express/Prisma example (TypeScript, Nx)",
    {
        "src/main.ts": """
            app.use(cors());
            const PORT = process.env.PORT || 3000;
            app.listen(PORT, () => {
              console.info(`server up on port ${PORT}`);
            });
        """,
        "src/app/routes/auth/auth.ts": """
            const auth = {
              required: jwt({
                secret: process.env.JWT_SECRET || 'superSecret',
              }),
            };
        """,
        "src/app/routes/auth/token.utils.ts": """
            const generateToken = (id: number): string =>
              jwt.sign({ user: { id } }, process.env.JWT_SECRET || 'superSecret', {
                expiresIn: '60d',
              });
        """,
        "src/tests/services/auth.service.test.ts": "describe('AuthService', () => {});\n",
        "e2e/src/support/test-setup.ts": "const host = process.env.HOST ?? 'localhost';\n",
        "package.json": (
            '{\n  "dependencies": {\n    "express": "^4.18.2"\n  },\n'
            '  "scripts": {\n    "test": "nx test"\n  }\n}\n'
        ),
        "package-lock.json": '{\n  "lockfileVersion": 3\n}\n',
    },
    {
        **ALL_PASS,
        "no-insecure-secret-fallback": "fail",
        "security-headers": "fail",
        "no-wildcard-cors": "fail",
        "rate-limiting": "fail",
        "node-version-declared": "fail",
        "health-endpoint": "fail",
        "graceful-shutdown": "fail",
        "logger-used": "fail",
        "ci-configured": "fail",
        # No CI file to read: ci-configured already fails for it.
        "ci-runs-tests": "error",
    },
)

# Shaped like bulletproof-nodejs: TypeScript loaders (src/loaders/express.ts routes
# GET and HEAD /status), config read without secret fallbacks (a LOG_LEVEL default is
# fine), winston, CircleCI running `npm test`; open cors(), no helmet, no limiter, no
# engines, no SIGTERM handling.
BULLETPROOF = Fixture(
    "bulletproof-nodejs",
    "bulletproof-nodejs (TypeScript loaders, dependency injection)",
    {
        "src/loaders/express.ts": """
            export default ({ app }: { app: express.Application }) => {
              app.get('/status', (req, res) => {
                res.status(200).end();
              });
              app.head('/status', (req, res) => {
                res.status(200).end();
              });
              app.use(cors());
            };
        """,
        "src/config/index.ts": """
            process.env.NODE_ENV = process.env.NODE_ENV || 'development';
            export default {
              jwtSecret: process.env.JWT_SECRET,
              logs: {
                level: process.env.LOG_LEVEL || 'silly',
              },
              emails: {
                apiKey: process.env.MAILGUN_API_KEY,
              },
            };
        """,
        "src/app.ts": "async function startServer() {\n  app.listen(config.port);\n}\n",
        "tests/sample.test.ts": "describe('Sample Test', () => {});\n",
        "package.json": (
            '{\n  "dependencies": {\n    "express": "^4.17.1",\n    "winston": "^3.3.3"\n  }\n}\n'
        ),
        "package-lock.json": '{\n  "lockfileVersion": 1\n}\n',
        ".circleci/config.yml": """
            jobs:
              build:
                steps:
                  - run:
                      name: test
                      command: npm test
        """,
    },
    {
        **ALL_PASS,
        "security-headers": "fail",
        "no-wildcard-cors": "fail",
        "rate-limiting": "fail",
        "node-version-declared": "fail",
        "graceful-shutdown": "fail",
    },
)

# Every idiom the checks accept as safe, in a NestJS-flavoured layout with pnpm, plus the
# unsafe fallbacks kept under test/ where they belong.
HARDENED = Fixture(
    "hardened",
    "the safe idioms each check accepts",
    {
        "apps/api/src/main.ts": """
            app.use(helmet());
            app.use(cors({ origin: config.allowedOrigins, credentials: true }));
            app.enableShutdownHooks();
            const secret = process.env.SESSION_SECRET;
            if (!secret) throw new Error('SESSION_SECRET is required');
        """,
        "apps/api/src/health.controller.ts": """
            @Controller()
            export class HealthController {
              @Get('healthz')
              check() {}
            }
        """,
        "apps/api/src/server.ts": "process.once('SIGTERM', () => server.close());\n",
        "apps/api/test/setup.ts": "const token = process.env.API_TOKEN || 'test';\n",
        "apps/api/src/app.service.spec.ts": "describe('AppService', () => {});\n",
        "apps/api/package.json": """
            {
              "dependencies": {
                "@nestjs/core": "^10.0.0",
                "@nestjs/throttler": "^5.0.0",
                "pino": "^9.0.0"
              }
            }
        """,
        ".nvmrc": "22.11.0\n",
        "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        ".github/workflows/ci.yml": """
            jobs:
              test:
                steps:
                  - run: pnpm install --frozen-lockfile
                  - run: pnpm vitest run
        """,
    },
    ALL_PASS,
)

# The unsafe fallbacks the secret check knows, one per line.
UNSAFE = Fixture(
    "unsafe-fallbacks",
    "each unsafe fallback idiom",
    {
        "server/config.js": """
            module.exports = {
              session: process.env.SESSION_SECRET || 'keyboard cat',
              stripe: process.env["STRIPE_API_KEY"] ?? "sk_test_123",
              db: process.env.DB_PASSWORD || `postgres`,
            };
            const schema = Joi.object({
              JWT_SECRET: Joi.string().default('secret'),
              PORT: Joi.number().default(3000),
            });
        """,
    },
    {},
)

FIXTURES = [EXPRESS_BOILERPLATE, HACKATHON_STARTER, EXPRESS_REALWORLD, BULLETPROOF, HARDENED]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda fixture: fixture.name)
def test_it_gives_each_fixture_its_expected_statuses(tmp_path, fixture):
    assert_statuses(STARTER, fixture, tmp_path)


def test_it_lists_each_unsafe_fallback_with_its_line(tmp_path):
    outcome = run_starter(STARTER, build(UNSAFE, tmp_path))["no-insecure-secret-fallback"]
    assert str(outcome.status) == "fail"
    assert [(item.path, item.line) for item in outcome.evidence] == [
        ("server/config.js", 2),
        ("server/config.js", 3),
        ("server/config.js", 4),
        ("server/config.js", 7),
    ]
