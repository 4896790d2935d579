"""The Spring Boot service starter on small repositories shaped like real Spring Boot
services: each fixture reproduces one project's layout and idioms, with the status a person
reading it gives each check."""

from __future__ import annotations

import pytest

from tests.starters.repos import Fixture, assert_statuses, build, run_starter

STARTER = "spring-boot-service"

ALL_PASS = {
    "no-literal-secret-in-config": "pass",
    "actuator-not-all-exposed": "pass",
    "no-schema-auto-update": "pass",
    "spring-boot-supported": "pass",
    "build-tool-wrapper": "pass",
    "actuator-health": "pass",
    "health-probes": "pass",
    "graceful-shutdown": "pass",
    "no-console-output": "pass",
    "tests-exist": "pass",
    "ci-configured": "pass",
    "ci-runs-tests": "pass",
    # No base URL set on the project; manual checks not attested.
    "health-answers": "skip",
    "error-tracking": "error",
    "on-call-runbook": "error",
}

POM_BOOT_4 = """
    <project>
      <parent>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-starter-parent</artifactId>
        <version>4.0.1</version>
        <relativePath/>
      </parent>
      <dependencies>
        <dependency>
          <groupId>org.springframework.boot</groupId>
          <artifactId>spring-boot-starter-actuator</artifactId>
        </dependency>
      </dependencies>
    </project>
"""

# Shaped like the Spring PetClinic: Maven and Gradle builds side by side (Boot 4), a
# database profile per vendor whose password falls back to a literal, every Actuator
# endpoint exposed, Kubernetes manifests probing /livez and /readyz, both CI workflows.
PETCLINIC = Fixture(
    "petclinic",
    "Spring PetClinic (one module, vendor profiles, k8s/ manifests)",
    {
        "pom.xml": POM_BOOT_4,
        "build.gradle": """
            plugins {
              id 'org.springframework.boot' version '4.0.1'
            }
            dependencies {
              runtimeOnly 'org.springframework.boot:spring-boot-starter-actuator'
            }
        """,
        ".mvn/wrapper/maven-wrapper.properties": "distributionUrl=https://repo.example/maven.zip\n",
        "src/main/resources/application.properties": """
            spring.jpa.hibernate.ddl-auto=none
            management.endpoints.web.exposure.include=*
        """,
        "src/main/resources/application-mysql.properties": """
            spring.datasource.url=${MYSQL_URL:jdbc:mysql://localhost/petclinic}
            spring.datasource.username=${MYSQL_USER:petclinic}
            spring.datasource.password=${MYSQL_PASS:petclinic}
        """,
        "src/main/java/org/example/petclinic/owner/OwnerController.java": """
            class OwnerController {
                private static final String VIEW = "owners/createOrUpdateOwnerForm";
            }
        """,
        "src/test/java/org/example/petclinic/MySqlIntegrationTests.java": "class T {}\n",
        "k8s/petclinic.yml": """
            spec:
              template:
                spec:
                  containers:
                    - name: workload
                      livenessProbe:
                        httpGet:
                          path: /livez
                          port: http
        """,
        ".github/workflows/maven-build.yml": """
            jobs:
              build:
                steps:
                  - name: Build with Maven Wrapper
                    run: ./mvnw -B verify
        """,
        ".github/workflows/deploy.yml": """
            jobs:
              deploy:
                steps:
                  - run: ./mvnw -B package -DskipTests
        """,
    },
    {**ALL_PASS, "no-literal-secret-in-config": "fail", "actuator-not-all-exposed": "fail"},
)

# Shaped like the RealWorld Spring Boot app: Gradle with Boot 2.6, MyBatis, a JWT secret
# written in application.properties, no Actuator, a printStackTrace in a serializer, a
# test profile (not read) with its own literal secret, `./gradlew clean test` in CI.
REALWORLD = Fixture(
    "spring-realworld",
    "the RealWorld Spring Boot app (Gradle, MyBatis, GraphQL DGS)",
    {
        "build.gradle": """
            plugins {
                id 'org.springframework.boot' version '2.6.3'
                id 'java'
            }
            dependencies {
                implementation 'org.springframework.boot:spring-boot-starter-web'
                implementation 'org.mybatis.spring.boot:mybatis-spring-boot-starter:2.2.2'
            }
        """,
        "gradle/wrapper/gradle-wrapper.properties": "distributionUrl=https\\://services.example/gradle-7.4-bin.zip\n",
        "src/main/resources/application.properties": """
            spring.datasource.url=jdbc:sqlite:dev.db
            spring.datasource.username=
            spring.datasource.password=
            jwt.secret=nRvyYC4soFxBdZ-F-5Nnzz5USXstR1Yyl
            jwt.sessionTime=86400
        """,
        "src/main/resources/application-test.properties": """
            spring.datasource.url=jdbc:sqlite::memory:
            jwt.secret=test-secret
        """,
        "src/main/java/io/example/api/exception/ErrorResourceSerializer.java": """
            class ErrorResourceSerializer {
                void write() {
                    try {
                        json.writeEndObject();
                    } catch (IOException e) {
                        e.printStackTrace();
                    }
                }
            }
        """,
        "src/main/java/io/example/core/user/User.java": """
            class User {
                public void update(String password) {
                    if (!"".equals(password)) {
                        this.password = password;
                    }
                }
            }
        """,
        "src/test/java/io/example/RealworldApplicationTests.java": "class T {}\n",
        ".github/workflows/gradle.yml": """
            jobs:
              build:
                steps:
                  - name: Test with Gradle
                    run: ./gradlew clean test
        """,
    },
    {
        **ALL_PASS,
        "no-literal-secret-in-config": "fail",
        "spring-boot-supported": "fail",
        "actuator-health": "fail",
        "health-probes": "fail",
        "graceful-shutdown": "fail",
        "no-console-output": "fail",
    },
)

# Shaped like PiggyMetrics: Spring Cloud microservices (one Maven module each, Boot 2.0),
# settings in bootstrap.yml and a config server's shared/ folder, secrets from the
# environment except a literal mail password, Actuator, no wrapper, Travis with its
# default Java script.
PIGGYMETRICS = Fixture(
    "piggymetrics",
    "PiggyMetrics (Spring Cloud microservices, config server shared/ folder, Travis)",
    {
        "pom.xml": """
            <project>
              <parent>
                <groupId>org.springframework.boot</groupId>
                <artifactId>spring-boot-starter-parent</artifactId>
                <version>2.0.3.RELEASE</version>
              </parent>
            </project>
        """,
        "account-service/pom.xml": """
            <project>
              <dependencies>
                <dependency>
                  <groupId>org.springframework.boot</groupId>
                  <artifactId>spring-boot-starter-actuator</artifactId>
                </dependency>
              </dependencies>
            </project>
        """,
        "account-service/src/main/resources/bootstrap.yml": """
            spring:
              cloud:
                config:
                  password: ${CONFIG_SERVICE_PASSWORD}
                  username: user
        """,
        "config/src/main/resources/shared/account-service.yml": """
            security:
              oauth2:
                client:
                  clientSecret: ${ACCOUNT_SERVICE_PASSWORD}
            spring:
              data:
                mongodb:
                  password: ${MONGODB_PASSWORD}
        """,
        "config/src/main/resources/shared/notification-service.yml": """
            spring:
              mail:
                host: smtp.example.com
                username: dev-user
                password: dev-password
        """,
        "account-service/src/test/resources/application.yml": """
            spring:
              data:
                mongodb:
                  password: test
        """,
        "account-service/src/main/java/com/example/account/AccountApplication.java": """
            @SpringBootApplication
            public class AccountApplication {}
        """,
        "account-service/src/test/java/com/example/account/AccountTest.java": "class T {}\n",
        ".travis.yml": """
            language: java
            jdk: oraclejdk8
            after_success:
              - docker build -t $CONFIG:$COMMIT ./config
        """,
    },
    {
        **ALL_PASS,
        "no-literal-secret-in-config": "fail",
        "spring-boot-supported": "fail",
        "build-tool-wrapper": "fail",
        "health-probes": "fail",
        "graceful-shutdown": "fail",
    },
)

# A Kotlin service built with Gradle's Kotlin DSL and a version catalog (Boot 3.3, so
# graceful shutdown must be set, and is), probes enabled in YAML, a dev profile that may
# create the schema and hold a password (not read), secrets required, Hibernate validating
# in production, and CI that builds without skipping the tests.
KOTLIN_SERVICE = Fixture(
    "kotlin-gradle-service",
    "a Kotlin service (Gradle Kotlin DSL, version catalog, YAML profiles)",
    {
        "build.gradle.kts": """
            plugins {
                alias(libs.plugins.spring.boot)
            }
            dependencies {
                implementation(libs.spring.boot.starter.actuator)
            }
        """,
        "gradle/libs.versions.toml": """
            [versions]
            spring-boot = "3.3.5"
            [libraries]
            boot-actuator = { module = "org.springframework.boot:spring-boot-starter-actuator" }
        """,
        "gradle/wrapper/gradle-wrapper.properties": "distributionUrl=https\\://services.example/gradle-8.10-bin.zip\n",
        "src/main/resources/application.yml": """
            server:
              shutdown: graceful
            spring:
              datasource:
                password: ${DB_PASSWORD}
              jpa:
                hibernate:
                  ddl-auto: validate
            management:
              endpoints:
                web:
                  exposure:
                    include: "health,info,prometheus"
              endpoint:
                health:
                  probes:
                    enabled: true
            app:
              token-validity-seconds: 3600
        """,
        "src/main/resources/application-dev.yml": """
            spring:
              datasource:
                password: dev
              jpa:
                hibernate:
                  ddl-auto: create-drop
        """,
        "src/main/kotlin/com/example/orders/OrderService.kt": """
            class OrderService(private val log: Logger) {
                fun place(order: Order) = log.info("placed {}", order.id)
            }
        """,
        "src/test/kotlin/com/example/orders/OrderServiceTest.kt": "class OrderServiceTest\n",
        ".gitlab-ci.yml": """
            test:
              script:
                - ./gradlew check --no-daemon
        """,
    },
    ALL_PASS,
)

FIXTURES = [PETCLINIC, REALWORLD, PIGGYMETRICS, KOTLIN_SERVICE]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda fixture: fixture.name)
def test_it_gives_each_fixture_its_expected_statuses(tmp_path, fixture):
    assert_statuses(STARTER, fixture, tmp_path)


def test_it_reports_each_literal_secret_with_its_line(tmp_path):
    outcomes = run_starter(STARTER, build(PIGGYMETRICS, tmp_path / "piggymetrics"))
    found = outcomes["no-literal-secret-in-config"].evidence
    assert [(item.path, item.line) for item in found] == [
        ("config/src/main/resources/shared/notification-service.yml", 5)
    ]


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        ("spring.datasource.password=${DB_PASSWORD:secret}", True),
        ("spring.datasource.password=${DB_PW:secret}", True),
        ("app.jwt-secret=changeme", True),
        ('@Value("${jwt.secret:dev-secret}") private String secret;', True),
        ("spring.datasource.password=${DB_PASSWORD}", False),
        ("spring.datasource.password=${DB_PASSWORD:}", False),
        ("spring.datasource.password={cipher}AQBa9f", False),
        ("jwt.token-validity-seconds=3600", False),
    ],
)
def test_it_tells_literal_secrets_from_environment_reads(tmp_path, line, reported):
    name = (
        "src/main/java/com/example/Jwt.java"
        if line.startswith("@")
        else "src/main/resources/application-prod.properties"
    )
    files = {**KOTLIN_SERVICE.files, name: line + "\n"}
    fixture = Fixture("one-line", "one idiom", files, {})
    outcome = run_starter(STARTER, build(fixture, tmp_path))["no-literal-secret-in-config"]
    found = [(item.path, item.line) for item in outcome.evidence]
    assert found == ([(name, 1)] if reported else [])


@pytest.mark.parametrize(
    ("command", "runs_tests"),
    [
        ("./mvnw -B verify --file pom.xml", True),
        ("mvn -B package -DskipTests", False),
        ("mvn -Dmaven.test.skip=true install", False),
        ("./gradlew build -x test", False),
        ("./gradlew build -x javadoc", True),
    ],
)
def test_ci_runs_tests_only_when_they_are_not_skipped(tmp_path, command, runs_tests):
    files = {**KOTLIN_SERVICE.files, ".gitlab-ci.yml": f"test:\n  script:\n    - {command}\n"}
    fixture = Fixture("one-command", "one CI command", files, {})
    outcome = run_starter(STARTER, build(fixture, tmp_path))["ci-runs-tests"]
    assert str(outcome.status) == ("pass" if runs_tests else "fail")
