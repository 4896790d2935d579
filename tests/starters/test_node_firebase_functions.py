"""checklists/node-firebase-functions.yml on repositories shaped like real Firebase projects.

Each fixture reproduces the layout and idioms of one kind of project the starter was read
against (written for the test, no code copied); `expected` is the status a person reading
that project gives each check, and why where it is not obvious.
"""

from __future__ import annotations

import pytest

from tests.starters.repos import Fixture, assert_statuses

RUNTIME_AND_PEOPLE = {
    "health-check": "skip",  # no base URL set
    "functions-build": "skip",  # commands are not allowed here
    "production-smoke-test": "error",  # awaiting attestation
}

# Several extensions side by side, each with functions/src in TypeScript, params declared
# in extension.yaml (runtime there, keys as plain string params), logging through
# console.log helpers, no lock file, no functions tests.
EXTENSIONS = Fixture(
    name="extensions-monorepo",
    modelled_on="stripe/stripe-firebase-extensions (Firebase extensions)",
    files={
        "package.json": '{"private": true, "workspaces": ["*/functions"]}\n',
        "lerna.json": "{}\n",
        "ext-payments/extension.yaml": """
            resources:
              - name: handleWebhookEvents
                properties:
                  runtime: nodejs20
            params:
              - param: STRIPE_API_KEY
                type: string
        """,
        "ext-payments/functions/package.json": '{"name": "ext-payments"}\n',
        "ext-payments/functions/src/config.ts": "export default {key: process.env.STRIPE_KEY};\n",
        "ext-payments/functions/src/logs.ts": "export const start = () => console.log('go');\n",
        "ext-invoices/extension.yaml": "resources: []\n",
        "ext-invoices/functions/src/index.ts": "export const sendInvoice = onCall(() => {});\n",
    },
    ignored={"ext-payments/functions/lib/index.js": "exports.x = cors();\n"},
    expected={
        **RUNTIME_AND_PEOPLE,
        "no-live-stripe-key-in-code": "pass",
        "no-secret-fallback-in-code": "pass",
        "secrets-from-secret-manager": "fail",  # the key is a plain string param
        "cors-whitelist": "pass",
        "firestore-rules-not-open": "error",  # extensions ship no rules
        "no-console-log": "fail",
        "max-instances": "fail",
        "node-runtime-declared": "pass",  # runtime: nodejs20 in extension.yaml
        "lockfile-committed": "fail",
        "functions-tests-exist": "fail",
    },
)

# A turborepo: apps/web (with its own tests) and apps/functions (defineSecret, secrets and
# maxInstances options), packages/*, a pnpm lock; a plain folder with node_modules in it.
TURBO_MONOREPO = Fixture(
    name="turbo-monorepo",
    modelled_on="Dragon-Huang0403/thsr-auto-buy (pnpm/turbo monorepo)",
    files={
        "package.json": '{"private": true}\n',
        "pnpm-workspace.yaml": "packages: [apps/*, packages/*]\n",
        "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        "turbo.json": "{}\n",
        "firebase.json": '{"functions": {"source": "apps/functions"}}\n',
        "apps/web/package.json": '{"name": "web"}\n',
        "apps/web/playwright/smoke.test.ts": "test('home', () => {});\n",
        "apps/functions/package.json": '{"engines": {"node": "20"}}\n',
        "apps/functions/src/index.ts": """
            import { defineSecret } from "firebase-functions/params";
            import { logger } from "firebase-functions";
            const DATABASE_URL = defineSecret("DATABASE_URL");
            export const book = onSchedule(
              { schedule: "every 5 minutes", secrets: [DATABASE_URL], maxInstances: 3 },
              async () => logger.info("booking"),
            );
        """,
        "packages/database/src/index.ts": "export const db = {};\n",
    },
    ignored={"node_modules/firebase-functions/lib/v2/cors.js": "cors: true; console.log(1)\n"},
    git=False,
    expected={
        **RUNTIME_AND_PEOPLE,
        "no-live-stripe-key-in-code": "pass",
        "no-secret-fallback-in-code": "pass",
        "secrets-from-secret-manager": "pass",
        "cors-whitelist": "pass",
        "firestore-rules-not-open": "error",  # the project uses no Firestore rules file
        "no-console-log": "pass",
        "max-instances": "pass",
        "node-runtime-declared": "pass",
        "lockfile-committed": "pass",
        "functions-tests-exist": "fail",  # only the web app has tests
    },
)

# Codelab variants side by side (vanilla-js/, nextjs-end/, reactfire-end/ with hosting/ and
# functions/), rules files per variant, functions/index.js in JavaScript with a node
# engine, package-lock.json.
CODELAB_VARIANTS = Fixture(
    name="codelab-variants",
    modelled_on="firebase/friendlyeats-web (Firebase codelab app)",
    files={
        "vanilla-js/firebase.json": "{}\n",
        "vanilla-js/firestore.rules": """
            service cloud.firestore {
              match /databases/{database}/documents {
                match /restaurants/{id} { allow read: if request.auth != null; }
              }
            }
        """,
        "nextjs-end/package-lock.json": "{}\n",
        "nextjs-end/storage.rules": "allow read: if request.auth != null;\n",
        "reactfire-end/functions/package.json": '{"engines": {"node": "18"}}\n',
        "reactfire-end/functions/index.js": """
            const { onDocumentWritten } = require("firebase-functions/v2/firestore");
            exports.updateRating = onDocumentWritten(
              { document: "r/{id}", maxInstances: 10 },
              () => {},
            );
        """,
    },
    expected={
        **RUNTIME_AND_PEOPLE,
        "no-live-stripe-key-in-code": "pass",
        "no-secret-fallback-in-code": "pass",
        "secrets-from-secret-manager": "fail",  # no secret declared (the file cannot say n/a)
        "cors-whitelist": "pass",
        "firestore-rules-not-open": "pass",
        "no-console-log": "pass",
        "max-instances": "pass",
        "node-runtime-declared": "pass",
        "lockfile-committed": "pass",
        "functions-tests-exist": "fail",
    },
)

# The unsafe idioms: a secret with a literal fallback, any-origin CORS, test-mode rules.
UNSAFE = Fixture(
    name="unsafe-idioms",
    modelled_on="a Vite app with functions/ (Stripe checkout)",
    files={
        "firebase.json": '{"functions": [{"source": "functions", "runtime": "nodejs20"}]}\n',
        "firestore.rules": "match /{document=**} { allow read, write: if true; }\n",
        "package-lock.json": "{}\n",
        "src/main.tsx": "createRoot(document.body);\n",
        "functions/src/index.ts": """
            const stripe = new Stripe(process.env.STRIPE_SECRET_KEY || "sk_test_123");
            export const pay = onRequest({ cors: true, maxInstances: 5 }, handler);
        """,
        "functions/src/index.test.ts": "it('pays', () => {});\n",
    },
    expected={
        **RUNTIME_AND_PEOPLE,
        "no-live-stripe-key-in-code": "pass",
        "no-secret-fallback-in-code": "fail",
        "secrets-from-secret-manager": "fail",
        "cors-whitelist": "fail",
        "firestore-rules-not-open": "fail",
        "no-console-log": "pass",
        "max-instances": "pass",
        "node-runtime-declared": "pass",
        "lockfile-committed": "pass",
        "functions-tests-exist": "pass",
    },
)

FIXTURES = [EXTENSIONS, TURBO_MONOREPO, CODELAB_VARIANTS, UNSAFE]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda fixture: fixture.name)
def test_it_gives_each_fixture_the_statuses_a_reader_gives(fixture, tmp_path):
    assert_statuses("node-firebase-functions", fixture, tmp_path / fixture.name)


def test_it_reports_the_fallback_secret_with_its_line(tmp_path):
    outcomes = assert_statuses("node-firebase-functions", UNSAFE, tmp_path / "r")
    (line,) = outcomes["no-secret-fallback-in-code"].evidence
    assert (line.path, line.line) == ("functions/src/index.ts", 1)
