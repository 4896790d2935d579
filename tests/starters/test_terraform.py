"""The Terraform starter on small repositories shaped like real Terraform and Terragrunt
projects: each fixture reproduces one project's layout and idioms, with the status a
person reading it gives each check."""

from __future__ import annotations

import pytest

from tests.starters.repos import Fixture, assert_statuses, build, run_starter

STARTER = "terraform"

ALL_PASS = {
    "no-hardcoded-credentials": "pass",
    "no-state-committed": "pass",
    "no-admin-ports-open-to-the-internet": "pass",
    "remote-state": "pass",
    "required-version": "pass",
    "providers-versioned": "pass",
    "modules-pinned": "pass",
    "ci-configured": "pass",
    "validation-automated": "pass",
    # Manual check not attested.
    "change-review": "error",
}

VERSIONS_TF = """
    terraform {
      required_version = ">= 1.5.7"
      required_providers {
        aws = {
          source  = "hashicorp/aws"
          version = ">= 6.0"
        }
      }
    }
"""

# Shaped like HashiCorp's EKS tutorial: one root configuration, the HCP Terraform `cloud`
# block commented out (so state stays local), providers and registry modules pinned, a
# lock file, no CI.
LEARN_EKS = Fixture(
    "learn-eks",
    "HashiCorp's provision-an-EKS-cluster tutorial (one root configuration)",
    {
        "terraform.tf": """
            terraform {
              # cloud {
              #   workspaces {
              #     name = "learn-terraform-eks"
              #   }
              # }
              required_providers {
                aws = {
                  source  = "hashicorp/aws"
                  version = "~> 5.47.0"
                }
              }
              required_version = "~> 1.3"
            }
        """,
        "main.tf": """
            module "vpc" {
              source  = "terraform-aws-modules/vpc/aws"
              version = "5.8.1"

              name = "education-vpc"
            }
        """,
        ".terraform.lock.hcl": """
            provider "registry.terraform.io/hashicorp/aws" {
              version     = "5.47.0"
              constraints = "~> 5.47.0"
            }
        """,
    },
    {
        **ALL_PASS,
        "remote-state": "fail",
        "ci-configured": "fail",
        "validation-automated": "error",
    },
)

# Shaped like Gruntwork's Terragrunt live example: root.hcl with remote_state and a
# generated provider, per-environment terragrunt.hcl files calling modules by git with
# `?ref=` appended, env/region/account locals, no Terraform version constraint, no CI.
TERRAGRUNT_LIVE = Fixture(
    "terragrunt-live",
    "Gruntwork's Terragrunt live example (accounts, regions, environments)",
    {
        "root.hcl": """
            remote_state {
              backend = "s3"
              config = {
                bucket         = "${get_env("TG_BUCKET_PREFIX", "")}tf-state"
                dynamodb_table = "tf-locks"
              }
            }
        """,
        "_envcommon/mysql.hcl": """
            locals {
              base_source_url = "git::git@github.com:acme/infrastructure-modules.git//modules/mysql"
            }
            inputs = {
              master_username = "admin"
            }
        """,
        "prod/us-east-1/prod/mysql/terragrunt.hcl": """
            terraform {
              source = "${include.envcommon.locals.base_source_url}?ref=v0.8.0"
            }
            inputs = {
              instance_class = "db.t2.medium"
            }
        """,
        "prod/account.hcl": 'locals {\n  aws_account_id = "222222222222"\n}\n',
    },
    {
        **ALL_PASS,
        "required-version": "fail",
        "providers-versioned": "error",
        "ci-configured": "fail",
        "validation-automated": "error",
    },
)

# Shaped like terraform-aws-modules' EKS module: the module at the root with submodules,
# examples and tests that configure providers but no backend (a module has no state, and
# examples and tests are not roots to deploy, so remote-state has nothing to judge),
# pre-commit-terraform hooks run in CI, a Packer template whose plugin source is no module,
# credentials passed as variables.
EKS_MODULE = Fixture(
    "terraform-aws-eks",
    "terraform-aws-modules/eks (a reusable module with submodules and examples)",
    {
        "versions.tf": VERSIONS_TF,
        "main.tf": """
            module "kms" {
              source  = "terraform-aws-modules/kms/aws"
              version = "4.0.0"
            }
        """,
        "modules/karpenter/versions.tf": VERSIONS_TF,
        "examples/eks-auto-mode/main.tf": """
            provider "aws" {
              region = local.region
            }
            module "eks" {
              source = "../.."
            }
        """,
        "tests/eks-managed-node-group/main.tf": """
            provider "aws" {
              region = local.region
            }
        """,
        "examples/eks-hybrid-nodes/ami/plugins.pkr.hcl": """
            packer {
              required_plugins {
                amazon = {
                  source  = "github.com/hashicorp/amazon"
                  version = ">= 1.2.8"
                }
              }
            }
        """,
        "examples/eks-hybrid-nodes/ami/amazon-eks-ubuntu.pkr.hcl": """
            source "amazon-ebs" "this" {
              access_key = var.access_key
              secret_key = var.secret_key
              token      = var.token
            }
        """,
        ".pre-commit-config.yaml": """
            repos:
              - repo: https://github.com/antonbabenko/pre-commit-terraform
                hooks:
                  - id: terraform_fmt
        """,
    },
    {**ALL_PASS, "remote-state": "skip"},
)

# Shaped like Online Boutique's terraform/: a GKE root configuration with registry modules
# pinned by `~>`, a committed terraform.tfvars without secrets, CI's own configuration
# with a gcs backend, `terraform validate` in a workflow. The quickstart root in
# terraform/ keeps its state locally: a second root without a backend, which the
# repository-wide check passed because CI's root has one.
BOUTIQUE = Fixture(
    "online-boutique-terraform",
    "Online Boutique (terraform/ quickstart, .github/terraform/ for CI)",
    {
        "terraform/providers.tf": """
            terraform {
              required_providers {
                google = {
                  source  = "hashicorp/google"
                  version = "7.43.0"
                }
              }
            }
            provider "google" {
              project = var.gcp_project_id
              region  = var.region
            }
        """,
        "terraform/main.tf": """
            module "enable_google_apis" {
              source  = "terraform-google-modules/project-factory/google//modules/project_services"
              version = "~> 18.0"
            }
        """,
        "terraform/terraform.tfvars": 'gcp_project_id = "my-project"\nmemorystore = false\n',
        ".github/terraform/main.tf": """
            terraform {
              backend "gcs" {
                bucket = "ci-state"
              }
            }
        """,
        ".github/terraform/versions.tf": VERSIONS_TF,
        ".github/workflows/terraform-validate-ci.yaml": """
            jobs:
              validate:
                steps:
                  - run: terraform init -backend=false && terraform validate
        """,
    },
    {**ALL_PASS, "remote-state": "fail"},
)

# A root configuration with the classic mistakes: a provider key and a database password
# written in, a password variable with a default, a committed state file, local backend,
# a git module on a branch, a registry module without version, a provider without one.
CARELESS = Fixture(
    "careless-root",
    "a root configuration with hard-coded credentials and unpinned sources",
    {
        "main.tf": """
            terraform {
              backend "local" {
                path = "terraform.tfstate"
              }
              required_providers {
                aws = { source = "hashicorp/aws" }
              }
            }
            provider "aws" {
              access_key = "AKIAABCDEFGHIJKLMNOP"
              secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            }
            module "network" {
              source = "git::https://example.com/acme/network.git"
            }
            module "db" {
              source = "terraform-aws-modules/rds/aws"

              password = "hunter2"
            }
        """,
        "variables.tf": """
            variable "db_password" {
              type    = string
              default = "changeme"
            }
            variable "token_ttl" {
              default = "1h"
            }
        """,
        "network.tf": """
            resource "aws_security_group_rule" "ssh" {
              type        = "ingress"
              from_port   = 22
              to_port     = 22
              protocol    = "tcp"
              cidr_blocks = ["0.0.0.0/0"]
            }
            resource "aws_security_group_rule" "https" {
              from_port   = 443
              to_port     = 443
              cidr_blocks = ["0.0.0.0/0"]
            }
        """,
        "terraform.tfstate": '{"version": 4}\n',
        ".gitlab-ci.yml": "plan:\n  script:\n    - terraform plan\n",
    },
    {
        "no-hardcoded-credentials": "fail",
        "no-state-committed": "fail",
        "no-admin-ports-open-to-the-internet": "fail",
        "remote-state": "fail",
        "required-version": "fail",
        "providers-versioned": "fail",
        "modules-pinned": "fail",
        "ci-configured": "pass",
        "validation-automated": "pass",
        "change-review": "error",
    },
)

# Environments as root configurations beside their modules: production has an s3 backend,
# staging was copied from it and lost its backend.tf; the modules they call have none.
ENVIRONMENTS = Fixture(
    "environments-one-without-backend",
    "an environments/ + modules/ layout where one root lost its backend",
    {
        "environments/production/backend.tf": """
            terraform {
              backend "s3" {
                bucket = "acme-state"
                key    = "production/terraform.tfstate"
              }
            }
        """,
        "environments/production/main.tf": """
            provider "aws" {
              region = "eu-west-1"
            }
            module "network" {
              source = "../../modules/network"
            }
        """,
        "environments/production/versions.tf": VERSIONS_TF,
        "environments/staging/main.tf": """
            provider "aws" {
              region = "eu-west-1"
            }
            module "network" {
              source = "../../modules/network"
            }
        """,
        "environments/staging/versions.tf": VERSIONS_TF,
        "modules/network/main.tf": 'resource "aws_vpc" "this" {\n  cidr_block = var.cidr\n}\n',
        "modules/network/versions.tf": VERSIONS_TF,
        ".github/workflows/plan.yml": "jobs:\n  plan:\n    steps:\n      - run: terraform plan\n",
    },
    {**ALL_PASS, "remote-state": "fail"},
)

# The same layout once staging has its backend (and HCP Terraform's `cloud` block for a
# third root): every root is judged, and passes.
ENVIRONMENTS_OK = Fixture(
    "environments-all-with-backends",
    "an environments/ + modules/ layout with a backend in every root",
    {
        **ENVIRONMENTS.files,
        "environments/staging/backend.tf": 'terraform {\n  backend "s3" {}\n}\n',
        "environments/sandbox/main.tf": """
            terraform {
              cloud {
                organization = "acme"
              }
            }
            provider "aws" {}
        """,
        "environments/sandbox/versions.tf": VERSIONS_TF,
    },
    ALL_PASS,
)

# A repository of modules only (modules/<name>/ with variables, outputs and versions, no
# provider, no backend): nothing there is applied, so remote-state does not apply.
MODULES_ONLY = Fixture(
    "modules-only",
    "a company's shared modules repository (modules/ only)",
    {
        "modules/vpc/main.tf": 'resource "aws_vpc" "this" {\n  cidr_block = var.cidr\n}\n',
        "modules/vpc/variables.tf": 'variable "cidr" {\n  type = string\n}\n',
        "modules/vpc/outputs.tf": 'output "id" {\n  value = aws_vpc.this.id\n}\n',
        "modules/vpc/versions.tf": VERSIONS_TF,
        ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/antonbabenko/pre-commit-terraform\n",
    },
    {**ALL_PASS, "remote-state": "skip"},
)

FIXTURES = [
    LEARN_EKS,
    TERRAGRUNT_LIVE,
    EKS_MODULE,
    BOUTIQUE,
    CARELESS,
    ENVIRONMENTS,
    ENVIRONMENTS_OK,
    MODULES_ONLY,
]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda fixture: fixture.name)
def test_it_gives_each_fixture_its_expected_statuses(tmp_path, fixture):
    assert_statuses(STARTER, fixture, tmp_path)


def test_it_lists_each_credential_and_unpinned_source(tmp_path):
    outcomes = run_starter(STARTER, build(CARELESS, tmp_path / "careless"))
    credentials = outcomes["no-hardcoded-credentials"].evidence
    assert [(item.path, item.line) for item in credentials] == [
        ("main.tf", 10),
        ("main.tf", 11),
        ("main.tf", 19),
        ("variables.tf", 1),
    ]
    sources = outcomes["modules-pinned"].evidence
    assert [(item.path, item.line) for item in sources] == [("main.tf", 14), ("main.tf", 17)]


def test_it_lists_each_root_configuration_without_a_backend(tmp_path):
    outcomes = run_starter(STARTER, build(ENVIRONMENTS, tmp_path / "environments"))
    boutique = run_starter(STARTER, build(BOUTIQUE, tmp_path / "boutique"))

    assert [item.path for item in outcomes["remote-state"].evidence] == ["environments/staging/"]
    assert outcomes["remote-state"].summary == "1 of 2 directories have no match"
    assert [item.path for item in boutique["remote-state"].evidence] == ["terraform/"]


def test_a_local_backend_fails_with_its_line(tmp_path):
    outcomes = run_starter(STARTER, build(CARELESS, tmp_path / "careless"))

    assert [(item.path, item.line) for item in outcomes["remote-state"].evidence] == [
        ("main.tf", 2)
    ]
